// Projection on a real RocksDB store: offsets in the same batch, de-duplication by id,
// dead letters, and retractions that arrive before or after what they retract.
#include "services/projector/projection.h"

#include <gtest/gtest.h>

#include "events/json_codec.h"
#include "services/history/figures.h"
#include "services/history/registry_state.h"
#include "services/views/checksum.h"
#include "support/event_builders.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

using testing::make_event;
using testing::opening;

class ProjectionTest : public ::testing::Test {
 protected:
  TopicNames topics{"t."};
  testing::TempDir dir;
  std::unique_ptr<views::ViewStore> store = views::ViewStore::open_primary(dir / "views");
  std::int64_t next_offset = 0;

  ConsumedRecord record(const Event& e, const std::string& topic = "t.registry") {
    return {topic, 0, next_offset++, e.envelope.district, encode_event(e)};
  }
  ProjectionResult apply(views::ViewStore& s, const std::vector<ConsumedRecord>& records) {
    Projection p(s, topics);
    views::Batch batch(s);
    ProjectionResult r = p.stage(records, batch);
    EXPECT_TRUE(s.write(batch).ok());
    return r;
  }
};

TEST_F(ProjectionTest, OffsetsAdvanceWithTheViewsInOneBatch) {
  Event a = make_event("a", "d1", "2010-09-01", "2020-01-01T00:00:00Z", opening("s1", "一小"));
  Event b = make_event("b", "d1", "2010-09-01", "2020-01-01T00:00:01Z", opening("s2", "二小"));
  ProjectionResult r = apply(*store, {record(a), record(b)});
  EXPECT_EQ(r.applied, 2u);
  auto offsets = store->offsets();
  ASSERT_EQ(offsets.size(), 1u);
  EXPECT_EQ(offsets[0].topic, "t.registry");
  EXPECT_EQ(offsets[0].next_offset, 2);
  EXPECT_TRUE(store->find_event(a.envelope.id));
}

TEST_F(ProjectionTest, AnEventPublishedTwiceIsAppliedOnce) {
  Event a = make_event("a", "d1", "2010-09-01", "2020-01-01T00:00:00Z", opening("s1", "一小"));
  apply(*store, {record(a)});
  auto first = views::checksum(*store);
  // Same id again, later in the log and in the same batch twice.
  ConsumedRecord again = record(a);
  ProjectionResult r = apply(*store, {again, again});
  EXPECT_EQ(r.applied, 0u);
  EXPECT_EQ(r.duplicates, 2u);
  auto after = views::checksum(*store);
  EXPECT_EQ(after.entries, first.entries);  // only the offset value changed
  RegistryState state = registry_state(*store, "d1", testing::day("2011-01-01"), Timestamp::max());
  EXPECT_EQ(state.schools.size(), 1u);
  EXPECT_EQ(state.events_applied, 1u);
}

// docs/security.md, "recorded_at cannot be forged": a record whose recorded_at goes back in
// time for its district on its topic is applied by its recorded_at (a privileged history
// import writes the past) and counted, so that it is seen.
TEST_F(ProjectionTest, ARecordedAtGoingBackInTimeIsAppliedByItAndCounted) {
  Event a = make_event("a", "d1", "2010-09-01", "2020-01-01T00:00:05Z", opening("s1", "一小"));
  Event b = make_event("b", "d1", "2010-09-01", "2020-01-01T00:00:01Z", opening("s2", "二小"));
  Event c = make_event("c", "d2", "2010-09-01", "2020-01-01T00:00:00Z", opening("s3", "三小"));
  Event d = make_event("d", "d1", "2010-09-01", "2020-01-01T00:00:09Z", opening("s4", "四小"));
  Projection p(*store, topics);
  views::Batch batch(*store);
  // c is earlier than a but of another district; d is later than a: neither goes back.
  ProjectionResult r = p.stage({record(a), record(b), record(c), record(d)}, batch);
  ASSERT_TRUE(store->write(batch).ok());
  EXPECT_EQ(r.applied, 4u);
  EXPECT_EQ(r.recorded_at_regressions, 1u);
  auto as_recorded = [&](const char* t) {
    return registry_state(*store, "d1", testing::day("2011-01-01"), *Timestamp::parse(t))
        .schools.size();
  };
  EXPECT_EQ(as_recorded("2020-01-01T00:00:02Z"), 1u) << "b, by its own recorded_at";
  EXPECT_EQ(as_recorded("2020-01-01T00:00:06Z"), 2u);
  EXPECT_EQ(as_recorded("2020-01-01T00:00:10Z"), 3u);
}

TEST_F(ProjectionTest, BadRecordsBecomeDeadLettersWithReasonsAndTheRestApplies) {
  Event good =
      make_event("good", "d1", "2010-09-01", "2020-01-01T00:00:00Z", opening("s1", "一小"));
  Event hire =
      make_event("hire", "d1", "2010-09-01", "2020-01-01T00:00:00Z", TeacherHired{"t1", "s1"});
  ConsumedRecord truncated{"t.registry", 0, 0, "d1", encode_event(good).substr(0, 40)};
  ConsumedRecord wrong_topic = record(hire);  // a personnel event on the registry topic
  ConsumedRecord wrong_key = record(good);
  wrong_key.key = "d2";
  ConsumedRecord unknown = record(good);
  unknown.value = R"({"type":"school.teleported"})";
  ConsumedRecord fine = record(good);
  ProjectionResult r = apply(*store, {truncated, wrong_topic, wrong_key, unknown, fine});
  ASSERT_EQ(r.dead_letters.size(), 4u);
  EXPECT_NE(r.dead_letters[0].reason.find("not valid JSON"), std::string::npos)
      << r.dead_letters[0].reason;
  EXPECT_NE(r.dead_letters[1].reason.find("does not belong on t.registry"), std::string::npos);
  EXPECT_NE(r.dead_letters[2].reason.find("is not the event's district"), std::string::npos);
  EXPECT_NE(r.dead_letters[3].reason.find("/type: unknown event type"), std::string::npos);
  EXPECT_EQ(r.applied, 1u);
  EXPECT_EQ(store->offsets()[0].next_offset, next_offset);  // dead letters are covered too
}

TEST_F(ProjectionTest, ARetractionGivesTheSameViewsWhicheverArrivesFirst) {
  Event opened = make_event("o", "d1", "2010-09-01", "2020-01-01T00:00:00Z", opening("s1", "一小"));
  Event wrong =
      make_event("w", "d1", "2012-09-01", "2020-02-01T00:00:00Z", opening("s2", "误登记"));
  Event retract = make_event("r", "d1", "2012-09-01", "2020-03-01T00:00:00Z",
                             RecordRetracted{wrong.envelope.id, "登记错误"});
  auto rec = [&](const Event& e, std::int64_t offset) {
    return ConsumedRecord{"t.registry", 0, offset, "d1", encode_event(e)};
  };
  apply(*store, {rec(opened, 0), rec(wrong, 1), rec(retract, 2)});
  testing::TempDir other;
  auto reversed = views::ViewStore::open_primary(other / "views");
  // Same records, same positions, arriving in the opposite order (and in two batches).
  apply(*reversed, {rec(retract, 2)});
  apply(*reversed, {rec(wrong, 1), rec(opened, 0)});
  EXPECT_EQ(views::checksum(*store, views::Covering::meaning),
            views::checksum(*reversed, views::Covering::meaning));  // offsets out of order

  // Before the retraction was recorded the record said two schools; after it, one.
  auto before =
      registry_state(*store, "d1", testing::day("2013-01-01"), testing::at("2020-02-15T00:00:00Z"));
  auto after = registry_state(*store, "d1", testing::day("2013-01-01"), Timestamp::max());
  EXPECT_EQ(before.schools.size(), 2u);
  EXPECT_EQ(after.schools.size(), 1u);
  EXPECT_TRUE(after.schools.count("s1"));
}

// A person's events usually reach their kept fold one by one (services/projector/restate.h);
// two recorded at one instant make one version at it, whichever arrives first, and the figures
// as recorded then equal the fold of every timeline.
TEST_F(ProjectionTest, APersonsEventsRecordedAtOneInstantMakeOneVersionInEitherOrder) {
  const char* t = "2021-01-05T00:00:00Z";
  Event enrolled = make_event("e", "d1", "2019-09-01", t,
                              StudentEnrolled{"p1", "s1", Stage::primary, 1, AdmissionMode::nearby,
                                              false, Disability::none, false, 0});
  Event promoted = make_event("p", "d1", "2020-07-01", t, StudentPromoted{"p1", 2});
  Event graduated =
      make_event("g", "d1", "2021-07-01", "2021-08-01T00:00:00Z", StudentGraduated{"p1"});
  auto rec = [&](const Event& e, std::int64_t offset) {
    return ConsumedRecord{"t.enrollment", 0, offset, "d1", encode_event(e)};
  };
  apply(*store, {rec(enrolled, 0)});
  apply(*store, {rec(promoted, 1)});
  apply(*store, {rec(graduated, 2)});
  testing::TempDir other;
  auto reversed = views::ViewStore::open_primary(other / "views");
  apply(*reversed, {rec(promoted, 1), rec(graduated, 2), rec(enrolled, 0)});
  EXPECT_EQ(views::checksum(*store, views::Covering::meaning),
            views::checksum(*reversed, views::Covering::meaning));
  for (const char* on : {"2019-10-01", "2020-10-01", "2021-10-01"})
    for (const char* as_of : {"2021-01-04T00:00:00Z", t, "2021-09-01T00:00:00Z"})
      EXPECT_EQ(figures_at(*store, "d1", {"s1"}, testing::day(on), testing::at(as_of))["s1"],
                figures_as_recorded(*store, "d1", testing::day(on), testing::at(as_of))["s1"])
          << on << " as recorded at " << as_of;
}

TEST_F(ProjectionTest, ARetractionFromAnotherDistrictOrOfARetractionIsADeadLetter) {
  Event opened = make_event("o", "d1", "2010-09-01", "2020-01-01T00:00:00Z", opening("s1", "一小"));
  Event foreign = make_event("f", "d2", "2010-09-01", "2020-02-01T00:00:00Z",
                             RecordRetracted{opened.envelope.id, "x"});
  Event own = make_event("r", "d1", "2010-09-01", "2020-03-01T00:00:00Z",
                         RecordRetracted{opened.envelope.id, "y"});
  Event again = make_event("rr", "d1", "2010-09-01", "2020-04-01T00:00:00Z",
                           RecordRetracted{own.envelope.id, "z"});
  ConsumedRecord f = record(foreign);
  f.key = "d2";
  ProjectionResult r = apply(*store, {record(opened), f, record(own), record(again)});
  ASSERT_EQ(r.dead_letters.size(), 2u);
  EXPECT_NE(r.dead_letters[0].reason.find("belongs to district 'd1'"), std::string::npos);
  EXPECT_NE(r.dead_letters[1].reason.find("retracting a retraction"), std::string::npos);
  // The district's own retraction holds from its recorded time.
  EXPECT_EQ(
      registry_state(*store, "d1", testing::day("2011-01-01"), testing::at("2020-02-15T00:00:00Z"))
          .schools.size(),
      1u);
  EXPECT_EQ(
      registry_state(*store, "d1", testing::day("2011-01-01"), Timestamp::max()).schools.size(),
      0u);
}

}  // namespace
}  // namespace annals
