// The roster on a date, on both clocks, with the merger rule of docs/domain.md, computed from real
// RocksDB views.
#include "services/history/registry_state.h"

#include <gtest/gtest.h>

#include "events/json_codec.h"
#include "services/projector/projection.h"
#include "support/event_builders.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

using testing::day;
using testing::make_event;
using testing::opening;

class RegistryStateTest : public ::testing::Test {
 protected:
  testing::TempDir dir;
  std::unique_ptr<views::ViewStore> store = views::ViewStore::open_primary(dir / "views");
  std::int64_t offset = 0;

  void project(const std::vector<Event>& events) {
    std::vector<ConsumedRecord> records;
    for (const auto& e : events)
      records.push_back({"a.registry", 0, offset++, e.envelope.district, encode_event(e)});
    Projection p(*store, TopicNames{"a."});
    views::Batch batch(*store);
    ASSERT_TRUE(p.stage(records, batch).dead_letters.empty());
    ASSERT_TRUE(store->write(batch).ok());
  }
  std::vector<std::string> open_on(const char* date, Timestamp as_of = Timestamp::max()) {
    std::vector<std::string> out;
    for (const auto& [id, s] : registry_state(*store, "dc", day(date), as_of).schools)
      if (s.open()) out.push_back(id);
    return out;
  }
};

TEST_F(RegistryStateTest, AMergerSeparatesBeforeAndJoinsFromItsDate) {
  project({make_event("o1", "dc", "2000-09-01", "2020-01-01T00:00:00Z",
                      opening("shijia", "史家胡同小学")),
           make_event("o2", "dc", "2000-09-01", "2020-01-01T00:00:00Z",
                      opening("xizongbu", "西总布小学")),
           make_event("o3", "dc", "2005-09-01", "2020-01-01T00:00:00Z",
                      opening("fuxue", "府学胡同小学")),
           make_event("m", "dc", "2014-09-01", "2020-01-02T00:00:00Z",
                      testing::merger({"xizongbu"}, "shijia"))});
  EXPECT_EQ(open_on("2014-08-31"), (std::vector<std::string>{"fuxue", "shijia", "xizongbu"}));
  EXPECT_EQ(open_on("2014-09-01"), (std::vector<std::string>{"fuxue", "shijia"}));
  EXPECT_EQ(open_on("2003-01-01"), (std::vector<std::string>{"shijia", "xizongbu"}));
  EXPECT_EQ(open_on("1999-01-01"), std::vector<std::string>{});

  RegistryState after = registry_state(*store, "dc", day("2015-01-01"), Timestamp::max());
  const SchoolRecord& shijia = after.schools.at("shijia");
  ASSERT_EQ(shijia.absorbed.size(), 1u);
  EXPECT_EQ(shijia.absorbed[0].school_id, "xizongbu");
  EXPECT_EQ(shijia.absorbed[0].on, day("2014-09-01"));
  EXPECT_EQ(after.schools.at("xizongbu").merged_into, "shijia");
  EXPECT_EQ(after.resolve("xizongbu"), "shijia");

  // As the record stood before the merger was recorded, the schools were still apart.
  EXPECT_EQ(open_on("2015-01-01", testing::at("2020-01-01T12:00:00Z")),
            (std::vector<std::string>{"fuxue", "shijia", "xizongbu"}));
}

TEST_F(RegistryStateTest, EventsApplyInEffectiveOrderWhateverTheArrivalOrder) {
  // The closing is recorded first, the opening (a late record) after it.
  project({make_event("c", "dc", "2016-07-31", "2020-01-01T00:00:00Z",
                      SchoolClosed{"dongsi7", "生源减少"}),
           make_event("o", "dc", "1990-09-01", "2020-06-01T00:00:00Z",
                      opening("dongsi7", "东四七条小学"))});
  EXPECT_EQ(open_on("2016-07-30"), std::vector<std::string>{"dongsi7"});
  EXPECT_EQ(open_on("2016-07-31"), std::vector<std::string>{});
}

TEST_F(RegistryStateTest, StagesRenamesAndSplitsHoldFromTheirDates) {
  SchoolSplit split;
  split.source_id = "hpl9";
  split.new_schools.push_back({"hpl9-north",
                               "和平里九小北校区",
                               {Stage::primary},
                               SchoolKind::regular,
                               Ownership::public_,
                               LocationClass::urban,
                               false});
  project({make_event("o", "dc", "2000-09-01", "2020-01-01T00:00:00Z",
                      opening("hpl9", "和平里第九小学")),
           make_event("s", "dc", "2015-09-01", "2020-01-01T00:00:00Z",
                      SchoolStagesChanged{"hpl9", {Stage::primary, Stage::junior}}),
           make_event("r", "dc", "2016-01-01", "2020-01-01T00:00:00Z",
                      SchoolRenamed{"hpl9", "和平里九年一贯制学校"}),
           make_event("p", "dc", "2017-09-01", "2020-01-01T00:00:00Z", split)});
  auto at = [&](const char* d) { return registry_state(*store, "dc", day(d), Timestamp::max()); };
  EXPECT_EQ(at("2015-08-31").schools.at("hpl9").stages, std::vector<Stage>{Stage::primary});
  EXPECT_EQ(at("2015-09-01").schools.at("hpl9").stages,
            (std::vector<Stage>{Stage::primary, Stage::junior}));
  EXPECT_EQ(at("2015-12-31").schools.at("hpl9").name, "和平里第九小学");
  EXPECT_EQ(at("2016-01-01").schools.at("hpl9").name, "和平里九年一贯制学校");
  EXPECT_EQ(open_on("2017-09-01"), (std::vector<std::string>{"hpl9", "hpl9-north"}));
  EXPECT_EQ(at("2017-09-01").schools.at("hpl9-north").split_from, "hpl9");
}

TEST_F(RegistryStateTest, ClusterMembershipFollowsMergers) {
  project(
      {make_event("o1", "dc", "2000-09-01", "2020-01-01T00:00:00Z", opening("a", "甲")),
       make_event("o2", "dc", "2000-09-01", "2020-01-01T00:00:00Z", opening("b", "乙")),
       make_event("c", "dc", "2004-11-01", "2020-01-01T00:00:00Z",
                  ClusterCreated{"xq", "和平里学区", ClusterKind::school_district, {}}),
       make_event("j1", "dc", "2004-11-01", "2020-01-01T00:00:01Z",
                  SchoolJoinedCluster{"a", "xq", MemberRole::lead}),
       make_event("j2", "dc", "2004-11-01", "2020-01-01T00:00:01Z",
                  SchoolJoinedCluster{"b", "xq", MemberRole::member}),
       make_event("m", "dc", "2014-09-01", "2020-01-01T00:00:00Z", testing::merger({"b"}, "a"))});
  auto before = registry_state(*store, "dc", day("2014-08-31"), Timestamp::max());
  auto after = registry_state(*store, "dc", day("2014-09-01"), Timestamp::max());
  EXPECT_EQ(before.clusters.at("xq").members.size(), 2u);
  EXPECT_EQ(after.clusters.at("xq").members.size(), 1u);
  EXPECT_EQ(after.clusters.at("xq").members.at("a"), MemberRole::lead);
}

TEST_F(RegistryStateTest, AClosedSchoolLeavesItsClusters) {
  project({make_event("o1", "dc", "2000-09-01", "2020-01-01T00:00:00Z", opening("a", "甲")),
           make_event("c", "dc", "2004-11-01", "2020-01-01T00:00:00Z",
                      ClusterCreated{"jt", "史家教育集团", ClusterKind::education_group, {}}),
           make_event("j", "dc", "2004-11-01", "2020-01-01T00:00:01Z",
                      SchoolJoinedCluster{"a", "jt", MemberRole::lead}),
           make_event("x", "dc", "2016-07-31", "2020-01-01T00:00:00Z", SchoolClosed{"a", {}})});
  EXPECT_EQ(registry_state(*store, "dc", day("2016-07-30"), Timestamp::max())
                .clusters.at("jt")
                .members.size(),
            1u);
  EXPECT_EQ(registry_state(*store, "dc", day("2016-07-31"), Timestamp::max())
                .clusters.at("jt")
                .members.size(),
            0u);
}

// The projector keeps a checkpoint on every 1 January from the first registry entry's year
// to the last's, whichever batch brought which entries (services/views/format.h).
TEST_F(RegistryStateTest, CheckpointsOnEveryNewYearWhateverTheBatches) {
  auto checkpoints = [&] {
    std::vector<std::string> out;
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    auto it = views::Reader(*store).iterator(views::Family::registry_checkpoints, ro);
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out.push_back(
          views::registry_checkpoint_date(std::string_view(it->key().data(), it->key().size()), 3)
              ->to_string());
    return out;
  };
  project({make_event("o1", "dc", "2005-09-01", "2020-01-01T00:00:10Z", opening("a", "甲")),
           make_event("r1", "dc", "2010-09-01", "2020-01-01T00:00:11Z", SchoolRenamed{"a", "乙"})});
  EXPECT_EQ(checkpoints(), (std::vector<std::string>{"2006-01-01", "2007-01-01", "2008-01-01",
                                                     "2009-01-01", "2010-01-01"}));
  project({make_event("o2", "dc", "2005-09-01", "2020-01-01T00:00:12Z", opening("b", "丙"))});
  EXPECT_EQ(checkpoints().size(), 5u);
  EXPECT_EQ(registry_state(*store, "dc", day("2011-01-01"), Timestamp::max()).schools.size(), 2u);
}

// A district's checkpoints fold its own entries only, though a batch's writes are read
// without the iterator's bounds: "da" has entries of 2005 only, "db" of 2010 only, so neither
// crosses a new year and neither has a checkpoint.
TEST_F(RegistryStateTest, ACheckpointFoldsItsOwnDistrictOnly) {
  project({make_event("o1", "da", "2005-09-01", "2020-01-01T00:00:10Z", opening("a", "甲"))});
  project({make_event("o2", "da", "2005-09-01", "2020-01-01T00:00:11Z", opening("b", "乙")),
           make_event("r1", "db", "2010-09-01", "2020-01-01T00:00:12Z", SchoolRenamed{"c", "丙"})});
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  auto it = views::Reader(*store).iterator(views::Family::registry_checkpoints, ro);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
}

}  // namespace
}  // namespace annals
