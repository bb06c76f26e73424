// A batch's staged writes read through a Reader (services/views/staged_writes.h), held to a
// model: the store's content with the batch's puts and removals applied, as one ordered map.
// Random stores (real RocksDB, written in several batches so that some keys sit in files and
// some in the memtable), random batches over a small key alphabet so that staged and stored
// keys tie often, and random walks of seeks and steps in both directions, with and without an
// upper bound; every position's key and value, and every point read, must be the model's.
// The batch read is staged on top of another (Batch's `beneath`), written or not yet.
#include <map>
#include <optional>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "services/views/view_store.h"
#include "tests/support/temp_dir.h"

namespace annals {
namespace {

using Model = std::map<std::string, std::string>;

std::string random_key(std::mt19937_64& rng) {
  std::string k(1 + rng() % 3, 'a');
  for (auto& c : k) c = char('a' + rng() % 3);
  return k;
}

// Stages random puts and removals into `batch` and applies them to `model`.
void random_writes(std::mt19937_64& rng, views::Batch& batch, Model& model, int n) {
  for (int i = 0; i < n; ++i) {
    std::string key = random_key(rng);
    if (rng() % 3 == 0) {
      batch.remove(views::Family::learned, key);
      model.erase(key);
    } else {
      std::string value = "v" + std::to_string(rng() % 1000);
      batch.put(views::Family::learned, key, value);
      model[key] = value;
    }
  }
}

// Where the model's iterator stands after each move, bounded by `upper`.
struct ModelIterator {
  const Model& model;
  std::optional<std::string> upper;
  Model::const_iterator at;
  bool valid() const { return at != model.end() && (!upper || at->first < *upper); }
  void seek(const std::string& t) { at = model.lower_bound(t); }
  void seek_for_prev(const std::string& t) {
    std::string bound = upper && t >= *upper ? *upper : t;
    at = upper && t >= *upper ? model.lower_bound(bound) : model.upper_bound(bound);
    back();
  }
  void back() { at = at == model.begin() ? model.end() : std::prev(at); }
};

RC_GTEST_PROP(StagedWrites, ReadThroughABatchIsTheStoreWithTheBatchApplied, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  std::mt19937_64 rng(seed);
  testing::TempDir dir;
  auto store = views::ViewStore::open_primary(dir / "store");
  Model model;
  for (int round = 0, rounds = int(rng() % 3); round < rounds; ++round) {
    views::Batch written(*store);
    random_writes(rng, written, model, int(rng() % 30));
    RC_ASSERT(store->write(written).ok());
    RC_ASSERT(written.empty());
    if (rng() % 2) store->flush_memtables(0, true);
  }
  // A batch staged on top of one being written (the projector's pipeline): before that write,
  // after it, and detached after it, the reads are the same.
  views::Batch beneath(*store);
  random_writes(rng, beneath, model, int(rng() % 30));
  views::Batch batch(*store, &beneath);
  random_writes(rng, batch, model, int(rng() % 30));
  if (int stage = int(rng() % 3); stage > 0) {
    RC_ASSERT(store->write_staged(beneath).ok());
    if (stage == 2) batch.detach();
  }
  views::Reader reader(batch);
  for (const auto& [k, v] : model) RC_LOG() << k << "=" << v << " ";
  RC_LOG() << "\n";

  for (int k = 0; k < 40; ++k) {  // point reads
    std::string key = random_key(rng), value;
    bool found = reader.get(views::Family::learned, key, value);
    RC_ASSERT(found == (model.count(key) > 0));
    if (found) RC_ASSERT(value == model.at(key));
  }
  for (int walk = 0; walk < 6; ++walk) {
    std::optional<std::string> upper;
    if (rng() % 2) upper = random_key(rng);
    const std::string upper_text = upper.value_or("");
    rocksdb::Slice upper_slice(upper_text);
    rocksdb::ReadOptions ro;
    if (upper) ro.iterate_upper_bound = &upper_slice;
    auto it = reader.iterator(views::Family::learned, ro);
    ModelIterator m{model, upper, model.end()};
    for (int step = 0; step < 30; ++step) {
      int move = int(rng() % 6);
      if (!it->Valid() && move >= 4) move = int(rng() % 4);  // steps need a position
      std::string target = random_key(rng);
      switch (move) {
        case 0: it->Seek(target), m.seek(target); break;
        case 1: it->SeekForPrev(target), m.seek_for_prev(target); break;
        case 2: it->SeekToFirst(), m.at = model.begin(); break;
        case 3:
          it->SeekToLast(), m.at = upper ? model.lower_bound(*upper) : model.end(), m.back();
          break;
        case 4: it->Next(), ++m.at; break;
        case 5: it->Prev(), m.back(); break;
      }
      RC_LOG() << "move " << move << " target " << target << " upper " << upper.value_or("-")
               << " -> " << (it->Valid() ? it->key().ToString() : "(none)") << " model "
               << (m.valid() ? m.at->first : "(none)") << "\n";
      RC_ASSERT(it->status().ok());
      RC_ASSERT(it->Valid() == m.valid());
      if (!m.valid()) continue;
      RC_ASSERT(it->key().ToString() == m.at->first);
      RC_ASSERT(it->value().ToString() == m.at->second);
    }
  }
}

TEST(StagedWrites, TheLatestWriteUnderAKeyWinsAndAWrittenBatchIsEmpty) {
  testing::TempDir dir;
  auto store = views::ViewStore::open_primary(dir / "store");
  views::Batch batch(*store);
  batch.put(views::Family::learned, "k", "1");
  batch.remove(views::Family::learned, "k");
  batch.put(views::Family::learned, "k", "2");
  batch.put(views::Family::learned, "gone", "x");
  batch.remove(views::Family::learned, "gone");
  ASSERT_FALSE(batch.empty());
  ASSERT_TRUE(store->write(batch).ok());
  EXPECT_TRUE(batch.empty());
  std::string value;
  views::Reader reader(*store);
  ASSERT_TRUE(reader.get(views::Family::learned, "k", value));
  EXPECT_EQ(value, "2");
  EXPECT_FALSE(reader.get(views::Family::learned, "gone", value));
}

}  // namespace
}  // namespace annals
