// The views' format stamp (services/views/format.h, kFormatVersion): a new store is stamped,
// and a store of another format is refused with the rebuild instruction rather than misread.
// On real RocksDB; the older store is made by rewriting the stamp with RocksDB itself. And
// compact(), which a rebuild ends with; and a batch reader's upper bound.
#include "services/views/view_store.h"

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "tests/support/temp_dir.h"

namespace annals {
namespace {

// Rewrites the stamp of the store at `path` as RocksDB sees it: `stamp` (4 bytes), or none.
void restamp(const std::string& path, const std::string* stamp) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& n : names) families.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  const std::string key(views::kFormatKey);
  if (stamp) ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[0], key, *stamp).ok());
  else ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), handles[0], key).ok());
  for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
}

// A store with one partition's offset in it: something was projected.
void project_something(const std::string& path) {
  auto store = views::ViewStore::open_primary(path);
  views::Batch batch(*store);
  batch.put(views::Family::offsets, std::string("annals.registry") + '\0' + "0000",
            views::encode_offset(7));
  ASSERT_TRUE(store->write(batch).ok());
}

std::string refusal(const std::string& path) {
  try {
    views::ViewStore::open_primary(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(opened)";
}

TEST(ViewStoreFormat, ANewStoreIsStampedAndOpensAgain) {
  testing::TempDir dir;
  project_something(dir / "store");
  EXPECT_NO_THROW(views::ViewStore::open_primary(dir / "store"));
  EXPECT_NO_THROW(views::ViewStore::open_secondary(dir / "store", dir / "own"));
}

TEST(ViewStoreFormat, AStoreWrittenBeforeTheStampIsRefusedWithTheRebuild) {
  testing::TempDir dir;
  project_something(dir / "store");
  restamp(dir / "store", nullptr);
  std::string why = refusal(dir / "store");
  EXPECT_NE(why.find("holds views of format 1; this build reads format " +
                     std::to_string(views::kFormatVersion)),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("fresh store"), std::string::npos) << why;
  EXPECT_THROW(views::ViewStore::open_secondary(dir / "store", dir / "own"), std::runtime_error);
}

TEST(ViewStoreFormat, AStoreOfAnotherFormatIsRefused) {
  testing::TempDir dir;
  project_something(dir / "store");
  std::string other;
  views::append_u32(other, views::kFormatVersion + 1);
  restamp(dir / "store", &other);
  EXPECT_NE(refusal(dir / "store").find("format " + std::to_string(views::kFormatVersion + 1)),
            std::string::npos);
}

TEST(ViewStoreFormat, AnEmptyStoreWithoutAStampIsNew) {
  testing::TempDir dir;
  views::ViewStore::open_primary(dir / "store");  // stamped, nothing projected
  restamp(dir / "store", nullptr);
  EXPECT_NO_THROW(views::ViewStore::open_primary(dir / "store"));
}

// compact() leaves every family in one sorted run: what was written in three flushes is one
// table, and reads back unchanged.
TEST(ViewStoreCompact, EveryFlushEndsInTheLastLevelWithItsValues) {
  testing::TempDir dir;
  auto store = views::ViewStore::open_primary(dir / "store");
  for (int flush = 0; flush < 3; ++flush) {
    views::Batch batch(*store);
    for (int k = 0; k < 100; ++k)
      batch.put(views::Family::figures, "dc" + std::string(1, '\0') + std::to_string(k),
                std::to_string(flush));
    ASSERT_TRUE(store->write(batch).ok());
    store->flush_memtables(0, true);
  }
  auto tables = [&] {
    int n = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir / "store"))
      n += f.path().extension() == ".sst";
    return n;
  };
  ASSERT_GE(tables(), 3);  // a table per flush of the figures, besides the stamp's
  store->compact();
  EXPECT_LE(tables(), 2);  // one for the figures, one for the stamp
  views::Reader reader(*store);
  std::string value;
  for (int k = 0; k < 100; ++k) {
    ASSERT_TRUE(
        reader.get(views::Family::figures, "dc" + std::string(1, '\0') + std::to_string(k), value));
    EXPECT_EQ(value, "2");
  }
}

// A reader over a batch ends at iterate_upper_bound for the batch's own writes too, not only
// for the store's (RocksDB's overlay bounds only the store's part).
TEST(ViewStoreReader, ABatchsOwnWritesEndAtTheUpperBound) {
  testing::TempDir dir;
  auto store = views::ViewStore::open_primary(dir / "store");
  views::Batch stored(*store);
  stored.put(views::Family::registry, std::string("da") + '\0' + "1", "x");
  ASSERT_TRUE(store->write(stored).ok());
  views::Batch batch(*store);
  batch.put(views::Family::registry, std::string("da") + '\0' + "2", "y");
  batch.put(views::Family::registry, std::string("db") + '\0' + "1", "z");
  std::string end = std::string("da") + '\1';
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  auto it = views::Reader(batch).iterator(views::Family::registry, ro);
  std::string seen;
  for (it->Seek(std::string("da") + '\0'); it->Valid(); it->Next()) seen += it->value().ToString();
  EXPECT_EQ(seen, "xy");
}

}  // namespace
}  // namespace annals
