// The verifiable logs the projection keeps, on a real RocksDB store: each district's log of a
// topic is RFC 6962's tree of its accepted events' leaves in the partition's order (the root
// recomputed here from the events the views hold); any interleaving of topics and districts
// and any batching give the same logs; duplicates and dead letters are not leaves; a head as
// it was at a recorded time is the longest prefix recorded by then; inclusion proofs of
// events verify against it; a damaged tree is refused, never answered from.
#include "services/transparency/transparency_log.h"

#include <algorithm>
#include <random>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "events/binary_codec.h"
#include "events/json_codec.h"
#include "services/projector/projection.h"
#include "support/event_builders.h"
#include "support/project_records.h"
#include "support/temp_dir.h"

namespace annals::transparency {
namespace {

using testing::make_event;
using testing::opening;
using testing::project_records;

TeacherHired hiring(const std::string& teacher, const std::string& school) {
  TeacherHired h;
  h.teacher_id = teacher;
  h.school_id = school;
  h.stage = Stage::primary;
  return h;
}

// Records of two districts on two topics, partition 0 of each, recorded at increasing times
// but for a few written late (a history import's back-dated record).
std::vector<ConsumedRecord> history(std::mt19937_64& rng, int n) {
  std::vector<ConsumedRecord> out;
  std::int64_t offsets[2] = {0, 0};
  for (int i = 0; i < n; ++i) {
    std::string district = rng() % 2 ? "d1" : "d2";
    bool registry = i < 2 || rng() % 2;
    std::string recorded =
        "2020-01-" + std::to_string(10 + i % 18) + "T00:00:0" + std::to_string(rng() % 10) + "Z";
    Event e = registry
                  ? make_event("e" + std::to_string(i), district, "2010-09-01", recorded.c_str(),
                               opening("s" + std::to_string(i), "第" + std::to_string(i) + "小"))
                  : make_event("e" + std::to_string(i), district, "2010-09-01", recorded.c_str(),
                               hiring("t" + std::to_string(i), "s0"));
    int topic = registry ? 0 : 1;
    out.push_back(
        {registry ? "t.registry" : "t.personnel", 0, offsets[topic]++, district, encode_event(e)});
  }
  return out;
}

// RFC 6962's root over `leaves`, from the definition.
Hash mth(const std::vector<Hash>& d, std::size_t b, std::size_t e) {
  if (e - b == 1) return d[b];
  std::size_t k = std::bit_floor(e - b - 1);
  return node_hash(mth(d, b, b + k), mth(d, b + k, e));
}

// The leaf hashes of `district`'s events on `topic`, in offset order, from the records.
std::vector<Hash> expected_leaves(const std::vector<ConsumedRecord>& records,
                                  const std::string& district, const std::string& topic,
                                  System log) {
  std::vector<const ConsumedRecord*> mine;
  for (const auto& r : records)
    if (r.key == district && r.topic == topic) mine.push_back(&r);
  std::sort(mine.begin(), mine.end(),
            [](const auto* a, const auto* b) { return a->offset < b->offset; });
  std::vector<Hash> out;
  for (const auto* r : mine) {
    Event e = *decode_event(r->value, Origin::log).event;
    out.push_back(leaf_hash(leaf_bytes({log, r->partition, r->offset}, encode_binary(e))));
  }
  return out;
}

// A random history of `n` records (seed `seed`) projected in one batch into a fresh store.
struct ProjectedHistory {
  ProjectedHistory(std::uint64_t seed, int n) {
    std::mt19937_64 rng(seed);
    records = history(rng, n);
    project_records(*store, records);
  }
  std::vector<ConsumedRecord> records;
  ::annals::testing::TempDir dir;
  std::unique_ptr<views::ViewStore> store = views::ViewStore::open_primary(dir / "v");
};

TEST(TransparencyLog, EachDistrictsLogOfATopicIsTheTreeOfItsEventsInOffsetOrder) {
  std::mt19937_64 rng(15);
  auto records = history(rng, 40);
  ::annals::testing::TempDir dir;
  auto store = views::ViewStore::open_primary(dir / "v");
  project_records(*store, std::vector<ConsumedRecord>(records.begin(), records.begin() + 17));
  project_records(*store, std::vector<ConsumedRecord>(records.begin() + 17, records.end()));
  for (std::string d : {"d1", "d2"}) {
    auto head = tree_head(*store, d);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->district, d);
    for (const auto& log : head->logs) {
      auto leaves = expected_leaves(records, d, "t." + std::string(to_string(log.log)), log.log);
      ASSERT_EQ(log.size, leaves.size()) << d << " " << to_string(log.log);
      EXPECT_EQ(log.root, leaves.empty() ? empty_root() : mth(leaves, 0, leaves.size()));
    }
    EXPECT_GT(head->logs[0].size + head->logs[1].size, 0u);
    EXPECT_EQ(head->logs[2].size, 0u);  // no enrollment events
  }
  EXPECT_FALSE(tree_head(*store, "d3")->logs[0].size);
}

TEST(TransparencyLog, DuplicatesAndDeadLettersAreNotLeaves) {
  ::annals::testing::TempDir dir;
  auto store = views::ViewStore::open_primary(dir / "v");
  Event a = make_event("a", "d1", "2010-09-01", "2020-01-01T00:00:00Z", opening("s1", "一小"));
  Event again = a;
  again.envelope.recorded_at = ::annals::testing::at("2020-01-02T00:00:00Z");  // a retry
  Projection p(*store, TopicNames{"t."});
  views::Batch batch(*store);
  auto r = p.stage({{"t.registry", 0, 0, "d1", encode_event(a)},
                    {"t.registry", 0, 1, "d1", "not json"},
                    {"t.registry", 0, 2, "d1", encode_event(again)}},
                   batch);
  ASSERT_TRUE(store->write(batch).ok());
  EXPECT_EQ(r.applied, 1u);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.dead_letters.size(), 1u);
  EXPECT_EQ(log_size(*store, "d1", System::registry), 1u);
  auto id = *views::event_key(a.envelope.id);
  EXPECT_EQ(leaf_of(*store, id), std::make_pair(System::registry, std::uint64_t(0)));
  EXPECT_EQ(leaf_at(*store, "d1", System::registry, 0)->id, id);
}

TEST(TransparencyLog, AHeadAsItWasIsTheLongestPrefixRecordedByThenAndProvesItsEvents) {
  ProjectedHistory projected(7, 60);
  auto& store = projected.store;
  for (std::string d : {"d1", "d2"}) {
    auto now = *tree_head(*store, d);
    for (int day = 9; day <= 28; ++day) {
      Timestamp t = *Timestamp::parse("2020-01-" + std::to_string(day) + "T00:00:05Z");
      auto then = tree_head_at(*store, d, t);
      ASSERT_TRUE(then);
      EXPECT_LE(then->through, t);
      for (std::size_t i = 0; i < kLogs.size(); ++i) {
        const LogHead& log = then->logs[i];
        // The prefix stops at the first leaf recorded after t.
        std::uint64_t expected = 0;
        while (expected < now.logs[i].size && leaf_at(*store, d, kLogs[i], expected)->through <= t)
          ++expected;
        EXPECT_EQ(log.size, expected);
        auto nodes = node_reader(*store, d, kLogs[i]);
        // Every event in it is proved included; the head is a prefix of today's.
        for (std::uint64_t j = 0; j < log.size; ++j) {
          auto leaf = leaf_at(*store, d, kLogs[i], j);
          auto proof = inclusion_proof(nodes, j, log.size);
          ASSERT_TRUE(leaf && proof);
          EXPECT_TRUE(verify_inclusion(leaf->hash, j, log.size, *proof, log.root));
          EXPECT_EQ(leaf_of(*store, leaf->id), std::make_pair(kLogs[i], j));
        }
        auto consistency = consistency_proof(nodes, log.size, now.logs[i].size);
        ASSERT_TRUE(consistency);
        EXPECT_TRUE(verify_consistency(log.size, now.logs[i].size, log.root, now.logs[i].root,
                                       *consistency));
      }
    }
    // A head at given sizes is the same head.
    std::array<std::uint64_t, kLogs.size()> sizes{};
    for (std::size_t i = 0; i < kLogs.size(); ++i) sizes[i] = now.logs[i].size;
    EXPECT_EQ(tree_head_of_sizes(*store, d, sizes), now);
    sizes[0] += 1;
    EXPECT_FALSE(tree_head_of_sizes(*store, d, sizes));  // past the end
  }
}

// The views keep the leaves and the nodes of kFirstStoredMerkleLevel and up; the levels
// between are hashed from the leaves when read. A log of a few hundred leaves, appended over
// many batches, has RFC 6962's root and proofs at every size.
TEST(TransparencyLog, EverySizeHasTheRootAndProofsOfTheDefinitionWithTheLowLevelsHashedWhenRead) {
  std::mt19937_64 rng(21);
  auto records = history(rng, 600);
  ::annals::testing::TempDir dir;
  auto store = views::ViewStore::open_primary(dir / "v");
  for (std::size_t from = 0; from < records.size(); from += 37)
    project_records(
        *store, std::vector<ConsumedRecord>(records.begin() + from,
                                            records.begin() + std::min(from + 37, records.size())));
  auto leaves = expected_leaves(records, "d1", "t.personnel", System::personnel);
  ASSERT_GT(leaves.size(), 100u);
  auto nodes = node_reader(*store, "d1", System::personnel);
  std::string unused;
  EXPECT_FALSE(views::Reader(*store).get(
      views::Family::merkle_nodes, views::merkle_node_key("d1", System::personnel, 1, 0), unused));
  EXPECT_TRUE(views::Reader(*store).get(
      views::Family::merkle_nodes,
      views::merkle_node_key("d1", System::personnel, views::kFirstStoredMerkleLevel, 0), unused));
  for (std::uint64_t n = 1; n <= leaves.size(); ++n) {
    Hash r = mth(leaves, 0, n);
    ASSERT_EQ(root(nodes, n), r) << n;
    std::uint64_t j = rng() % n;
    auto proof = inclusion_proof(nodes, j, n);
    ASSERT_TRUE(proof);
    EXPECT_TRUE(verify_inclusion(leaves[j], j, n, *proof, r)) << j << " of " << n;
    std::uint64_t older = rng() % (n + 1);
    auto consistency = consistency_proof(nodes, older, n);
    ASSERT_TRUE(consistency);
    EXPECT_TRUE(verify_consistency(older, n, older ? mth(leaves, 0, older) : empty_root(), r,
                                   *consistency));
  }
}

TEST(TransparencyLog, ADamagedTreeIsRefusedNotAnsweredFrom) {
  ProjectedHistory projected(3, 20);
  auto& store = projected.store;
  std::uint64_t size = log_size(*store, "d1", System::registry);
  ASSERT_GE(size, 3u);
  views::Batch damage(*store);
  damage.remove(views::Family::merkle_nodes,
                views::merkle_node_key("d1", System::registry, 0, size - 1));
  ASSERT_TRUE(store->write(damage).ok());
  EXPECT_FALSE(tree_head(*store, "d1"));
  EXPECT_TRUE(tree_head(*store, "d2"));
  Event next =
      make_event("next", "d1", "2011-09-01", "2021-01-01T00:00:00Z", opening("s99", "新校"));
  Projection p(*store, TopicNames{"t."});
  views::Batch batch(*store);
  EXPECT_THROW(p.stage({{"t.registry", 0, 1000, "d1", encode_event(next)}}, batch),
               std::runtime_error);
}

// Any interleaving of the topics and districts, and any batching, keeps every log the same:
// a log is one district's events in one partition's order, which every consumer sees.
RC_GTEST_PROP(TransparencyLog, AnyInterleavingOfTopicsAndAnyBatchingGiveTheSameLogs,
              (std::uint64_t seed)) {
  std::mt19937_64 rng(seed);
  auto records = history(rng, 30);
  ::annals::testing::TempDir dir;
  auto in_order = views::ViewStore::open_primary(dir / "a");
  auto mixed = views::ViewStore::open_primary(dir / "b");
  project_records(*in_order, records);
  // Merge the two topics' records at random, each topic's in its own order.
  std::vector<ConsumedRecord> registry, personnel, merged;
  for (const auto& r : records) (r.topic == "t.registry" ? registry : personnel).push_back(r);
  std::size_t i = 0, j = 0;
  while (i < registry.size() || j < personnel.size())
    merged.push_back((j == personnel.size() || (i < registry.size() && rng() % 2))
                         ? registry[i++]
                         : personnel[j++]);
  for (std::size_t start = 0; start < merged.size();) {
    std::size_t n = 1 + rng() % 6;
    project_records(
        *mixed, std::vector<ConsumedRecord>(merged.begin() + start,
                                            merged.begin() + std::min(merged.size(), start + n)));
    start += n;
  }
  for (std::string d : {"d1", "d2"}) RC_ASSERT(tree_head(*in_order, d) == tree_head(*mixed, d));
}

}  // namespace
}  // namespace annals::transparency
