// `annals verify audit`'s comparisons on real RocksDB stores: the log replayed by the
// projector's own acceptance agrees with the projector's views leaf by leaf; an event edited in
// the views (its events value, or a registry entry) is named with its leaf and the field that
// differs; a kept head that the log no longer holds is named with the leaves between the kept
// heads around the rewrite, and a record back-dated past a kept head is named. The same on a
// real broker, with the CLI: tests/integration/tamper_test.py.
#include "services/verify/log_audit.h"

#include <gtest/gtest.h>

#include "events/binary_codec.h"
#include "events/json_codec.h"
#include "support/event_builders.h"
#include "support/project_records.h"
#include "support/temp_dir.h"

namespace annals::verify {
namespace {

using ::annals::testing::make_event;
using ::annals::testing::opening;
using ::annals::testing::project_records;
using ::annals::testing::TempDir;

// Openings of schools s0.. in district d1 on t.registry (and one in d2), recorded a minute
// apart, at offsets 0.. of partition 0.
ConsumedRecord record(int i, const std::string& name = "", const char* recorded = nullptr) {
  std::string at = "2020-01-01T00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ":00Z";
  std::string district = i % 7 == 3 ? "d2" : "d1";
  Event e = make_event(
      "e" + std::to_string(i), district, "2010-09-01", recorded ? recorded : at.c_str(),
      opening("s" + std::to_string(i), name.empty() ? "第" + std::to_string(i) + "小学" : name));
  return {"t.registry", 0, i, district, encode_event(e)};
}

std::vector<ConsumedRecord> history(int n) {
  std::vector<ConsumedRecord> out;
  for (int i = 0; i < n; ++i) out.push_back(record(i));
  return out;
}

std::string uuid(int i) { return uuid_from_name("test", "e" + std::to_string(i)); }

struct Stores {
  explicit Stores(const std::vector<ConsumedRecord>& projected,
                  const std::vector<ConsumedRecord>& log) {
    project_records(*views, projected);
    replay.apply(log);
  }
  TempDir dir;
  std::unique_ptr<views::ViewStore> views = views::ViewStore::open_primary(dir / "views");
  Replay replay{dir / "replay", TopicNames{"t."}};
};

std::string all(const std::vector<Finding>& found) {
  std::string out;
  for (const auto& f : found) out += f.district + " | " + f.where + " | " + f.message + "\n";
  return out;
}

TEST(LogAudit, TheReplayedLogAgreesWithTheViewsAndCountsWhatTheyHaveNotReached) {
  auto log = history(30);
  log.push_back(log[4]);  // a producer's retry: a duplicate, not a leaf
  Stores s(std::vector<ConsumedRecord>(log.begin(), log.begin() + 20), log);
  EXPECT_EQ(s.replay.records(), 31u);
  EXPECT_EQ(s.replay.leaves(), 30u);
  EXPECT_EQ(s.replay.duplicates(), 1u);
  std::uint64_t behind = 99;
  auto found = compare_with_views(s.replay.store(), *s.views, {"d1", "d2"}, behind);
  EXPECT_TRUE(found.empty()) << all(found);
  EXPECT_EQ(behind, 10u);
  s.views.reset();
  s.views = views::ViewStore::open_primary(s.dir / "views");
  project_records(*s.views, std::vector<ConsumedRecord>(log.begin() + 20, log.end()));
  found = compare_with_views(s.replay.store(), *s.views, {"d1", "d2"}, behind);
  EXPECT_TRUE(found.empty()) << all(found);
  EXPECT_EQ(behind, 0u);
  for (std::string d : {"d1", "d2"})  // a rebuild from the log reproduces every head
    EXPECT_EQ(transparency::tree_head(s.replay.store(), d), transparency::tree_head(*s.views, d));
}

// Rewrites the event of record `i` as the views keep it in `family` under `key`.
void edit(views::ViewStore& store, views::Family family, const std::string& key,
          const std::function<std::string(const Event&)>& rewrite) {
  views::Batch batch(store);
  std::string value;
  ASSERT_TRUE(views::Reader(store).get(family, key, value));
  batch.put(family, key, rewrite(*decode_binary(views::parse_event_value(value)->binary)));
  ASSERT_TRUE(store.write(batch).ok());
}

TEST(LogAudit, AnEventEditedInTheViewsIsNamedWithItsLeafAndTheFieldThatDiffers) {
  auto log = history(20);
  Stores s(log, log);
  std::string key = *views::event_key(uuid(12));
  auto stored = views::Reader(*s.views).event_at_key(key);
  ASSERT_TRUE(stored);
  edit(*s.views, views::Family::events, key, [&](const Event& e) {
    Event forged = e;
    std::get<SchoolOpened>(forged.data).name = "伪造小学";
    return views::encode_event_value(stored->pos, encode_binary(forged));
  });
  std::uint64_t behind = 0;
  auto found = compare_with_views(s.replay.store(), *s.views, {"d1", "d2"}, behind);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].district, "d1");
  EXPECT_EQ(found[0].where, "registry log, leaf 10");  // the 11th of d1's (3 and 10 are d2's)
  EXPECT_NE(found[0].message.find(uuid(12)), std::string::npos) << found[0].message;
  EXPECT_NE(found[0].message.find("offset 12"), std::string::npos) << found[0].message;
  EXPECT_NE(found[0].message.find("/data/name"), std::string::npos) << found[0].message;
  EXPECT_NE(found[0].message.find("伪造小学"), std::string::npos) << found[0].message;
}

TEST(LogAudit, AnEditedRegistryEntryOfTheViewsIsNamed) {
  auto log = history(20);
  Stores s(log, log);
  auto stored = views::Reader(*s.views).event(uuid(5));
  ASSERT_TRUE(stored);
  auto keys = views::view_keys(stored->event, stored->pos);
  auto entry = std::find_if(keys.begin(), keys.end(),
                            [](const auto& k) { return k.first == views::Family::registry; });
  ASSERT_NE(entry, keys.end());
  views::Batch batch(*s.views);
  Event forged = stored->event;
  std::get<SchoolOpened>(forged.data).stages = {Stage::junior};
  batch.put(entry->first, entry->second,
            views::encode_view_entry(std::nullopt, encode_binary(forged)));
  ASSERT_TRUE(s.views->write(batch).ok());
  std::uint64_t behind = 0;
  auto found = compare_with_views(s.replay.store(), *s.views, {"d1", "d2"}, behind);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].where, "registry log, leaf 4");
  EXPECT_NE(found[0].message.find("registry entry was changed"), std::string::npos)
      << found[0].message;
  EXPECT_NE(found[0].message.find("/data/stages"), std::string::npos) << found[0].message;
}

KeptHead kept(views::ViewStore& store, const std::string& source) {
  return {source, *transparency::tree_head(store, "d1")};
}

TEST(LogAudit, ALogRewrittenUnderKeptHeadsIsNamedBetweenTheHeadsAroundTheRewrite) {
  auto log = history(30);
  TempDir dir;
  auto views = views::ViewStore::open_primary(dir / "views");
  std::vector<KeptHead> heads;
  for (int upto : {10, 20, 30}) {  // an office keeps a head after each third
    project_records(*views,
                    std::vector<ConsumedRecord>(log.begin() + upto - 10, log.begin() + upto));
    heads.push_back(kept(*views, "head-" + std::to_string(upto)));
  }
  auto rewritten = log;
  rewritten[16] = record(16, "改写小学");  // d1's leaf 14, between its heads of 9 and 17 leaves
  Replay replay(dir / "replay", TopicNames{"t."});
  replay.apply(rewritten);
  auto found = compare_with_heads(replay.store(), "the Kafka log", heads);
  ASSERT_EQ(found.size(), 2u) << all(found);
  EXPECT_EQ(found[0].where, "kept head head-20");
  EXPECT_NE(found[0].message.find("rewritten within leaves 9 to 16"), std::string::npos)
      << found[0].message;
  EXPECT_NE(found[0].message.find("a kept head of 9 leaves holds"), std::string::npos);
  EXPECT_EQ(found[1].where, "kept head head-30");
  // The projector's views still hold what the log said: they name the exact leaf.
  std::uint64_t behind = 0;
  auto exact = compare_with_views(replay.store(), *views, {"d1"}, behind);
  ASSERT_EQ(exact.size(), 1u) << all(exact);
  EXPECT_EQ(exact[0].where, "registry log, leaf 14");
  EXPECT_NE(exact[0].message.find(uuid(16)), std::string::npos) << exact[0].message;
  EXPECT_NE(exact[0].message.find("the same id, other content"), std::string::npos);
  // A log cut short under a kept head is named too.
  Replay cut(dir / "cut", TopicNames{"t."});
  cut.apply(std::vector<ConsumedRecord>(log.begin(), log.begin() + 25));
  found = compare_with_heads(cut.store(), "the Kafka log", heads);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_NE(found[0].message.find("leaves from 21 on were removed"), std::string::npos)
      << found[0].message;
}

TEST(LogAudit, ARecordBackDatedPastAKeptHeadIsNamed) {
  auto log = history(20);
  TempDir dir;
  auto views = views::ViewStore::open_primary(dir / "views");
  project_records(*views, log);
  std::vector<KeptHead> heads{kept(*views, "kept.json")};
  // Written later, claiming to have been recorded before the head's last record.
  log.push_back(record(20, "后补小学", "2020-01-01T00:05:30Z"));
  log.push_back(record(21));  // an honest later record
  Replay replay(dir / "replay", TopicNames{"t."});
  replay.apply(log);
  auto found = compare_with_heads(replay.store(), "the Kafka log", heads);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].where, "registry log, leaf 17");
  EXPECT_NE(found[0].message.find(uuid(20)), std::string::npos) << found[0].message;
  EXPECT_NE(found[0].message.find("back-dated"), std::string::npos) << found[0].message;
  EXPECT_NE(found[0].message.find("kept head kept.json"), std::string::npos);
  // Without it, the log holds the head and nothing is back-dated.
  log.erase(log.end() - 2);
  Replay honest(dir / "honest", TopicNames{"t."});
  honest.apply(log);
  EXPECT_TRUE(compare_with_heads(honest.store(), "the Kafka log", heads).empty());
}

}  // namespace
}  // namespace annals::verify
