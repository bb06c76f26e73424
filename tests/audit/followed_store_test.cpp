// Reading while the projector writes (services/audit/followed_store.h), on real RocksDB: a
// question keeps the state it started with, a catch-up never waits for it, and the serving
// state only moves forward.
#include "services/audit/followed_store.h"

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace annals {
namespace {

std::string value_of(views::ViewStore& store, const std::string& key) {
  std::string value;
  return views::Reader(store).get(views::Family::figures, key, value) ? value : "(none)";
}

void put(views::ViewStore& primary, const std::string& key, const std::string& value) {
  views::Batch batch(primary);
  batch.put(views::Family::figures, key, value);
  ASSERT_TRUE(primary.write(batch).ok());
}

TEST(FollowedStore, AQuestionKeepsItsStateWhileNewQuestionsSeeTheNewOne) {
  testing::TempDir dir;
  auto primary = views::ViewStore::open_primary(dir / "store");
  put(*primary, "k", "1");
  FollowedStore followed(dir / "store", dir / "own");
  auto slow_question = followed.serving();
  EXPECT_EQ(value_of(*slow_question, "k"), "1");

  put(*primary, "k", "2");
  EXPECT_TRUE(followed.catch_up());  // the standby is free: caught up and swapped in
  EXPECT_EQ(value_of(*followed.serving(), "k"), "2");
  EXPECT_EQ(value_of(*slow_question, "k"), "1");  // one state for the whole question

  put(*primary, "k", "3");
  // The standby is the slow question's instance: no catch-up until it ends, and the serving
  // state stays where it was rather than wait.
  EXPECT_FALSE(followed.catch_up());
  EXPECT_EQ(value_of(*followed.serving(), "k"), "2");
  slow_question.reset();
  EXPECT_TRUE(followed.catch_up());
  EXPECT_EQ(value_of(*followed.serving(), "k"), "3");
}

TEST(FollowedStore, NothingNewNoSwapAndNeverBackwards) {
  testing::TempDir dir;
  auto primary = views::ViewStore::open_primary(dir / "store");
  put(*primary, "k", "1");
  FollowedStore followed(dir / "store", dir / "own");
  EXPECT_FALSE(followed.catch_up());  // both instances already show everything
  for (int i = 2; i < 8; ++i) {
    put(*primary, "k", std::to_string(i));
    if (i % 2) primary->flush_memtables(0, true);  // through the MANIFEST as well as the WAL
    EXPECT_TRUE(followed.catch_up());
    EXPECT_EQ(value_of(*followed.serving(), "k"), std::to_string(i));
    followed.catch_up();  // the other instance catches up too (or had nothing to do)
    EXPECT_EQ(value_of(*followed.serving(), "k"), std::to_string(i));
  }
}

// The two instances are opened one after the other while the projector may be writing, so
// the standby can start ahead of the serving one; once the writes stop it must still be
// published, or the audit service answers from the older state until the next write (found
// in CI: a quiet stack served an empty store for a minute). The writer writes until the
// standby's directory appears (it is made just before the standby opens, after the serving
// instance read the primary), then once more: the serving instance never sees that write.
TEST(FollowedStore, AStandbyOpenedAheadOfTheServingOneIsPublishedThoughNothingIsWrittenSince) {
  testing::TempDir dir;
  auto primary = views::ViewStore::open_primary(dir / "store");
  put(*primary, "k", "0");
  int last = 0;
  std::thread writer([&] {
    while (!std::filesystem::exists(dir.path() / "own" / "b"))
      put(*primary, "k", std::to_string(++last));
    put(*primary, "k", std::to_string(++last));
  });
  FollowedStore followed(dir / "store", dir / "own");
  writer.join();
  EXPECT_NE(value_of(*followed.serving(), "k"), std::to_string(last));  // the premise
  EXPECT_TRUE(followed.catch_up());
  EXPECT_EQ(value_of(*followed.serving(), "k"), std::to_string(last));
  followed.catch_up();  // the other instance catches up too: still the last write
  EXPECT_EQ(value_of(*followed.serving(), "k"), std::to_string(last));
}

// An upgrade (deploy/local/upgrade) points the store's path, a link, at another store rebuilt
// beside it: the next catch-up publishes the new store, though it is no further along by any
// signature, and a question begun on the old one keeps it to its end.
TEST(FollowedStore, ALinkPointedAtAnotherStoreIsFollowedThere) {
  testing::TempDir dir;
  auto old_store = views::ViewStore::open_primary(dir / "old");
  put(*old_store, "k", "old");
  std::filesystem::create_directory_symlink("old", dir.path() / "views");
  FollowedStore followed(dir / "views", dir / "own");
  EXPECT_EQ(followed.serving_target(), std::filesystem::canonical(dir.path() / "old").string());
  auto question = followed.serving();
  auto new_store = views::ViewStore::open_primary(dir / "new");
  put(*new_store, "k", "new");
  std::filesystem::create_directory_symlink("new", dir.path() / "views.next");
  std::filesystem::rename(dir.path() / "views.next", dir.path() / "views");

  EXPECT_TRUE(followed.catch_up());
  EXPECT_EQ(value_of(*followed.serving(), "k"), "new");
  EXPECT_EQ(followed.serving_target(), std::filesystem::canonical(dir.path() / "new").string());
  EXPECT_EQ(value_of(*question, "k"), "old");
  question.reset();
  followed.catch_up();  // the other instance moves to the new store too
  put(*new_store, "k", "newer");
  EXPECT_TRUE(followed.catch_up());
  EXPECT_EQ(value_of(*followed.serving(), "k"), "newer");
  std::filesystem::remove_all(dir.path() / "old");  // the old store retired
  put(*new_store, "k", "newest");
  EXPECT_TRUE(followed.catch_up());
  EXPECT_EQ(value_of(*followed.serving(), "k"), "newest");
}

}  // namespace
}  // namespace annals
