// One projector's store as the audit service reads it, so that no question waits for another
// or for the catch-up (docs/architecture.md, "Reading while the projector writes").
//
// Two RocksDB secondary instances of the same store: questions read the *serving* one; the
// *standby* catches up with the primary (replaying its MANIFEST and WAL) only once no
// question holds it any more, and is then published as the serving one in a single pointer
// swap. A question holds the instance it started on until it ends, so it sees one state of
// the views throughout, however long it runs; a slow question only delays the next swap.
// The serving state never goes back: the standby is always caught up past it before a swap.
//
// A secondary instance that catches up across a flush of the primary can keep answering
// from its own memtable the values the flush replaced, until the primary writes again
// (RocksDB 7.8: the active memtable is only retired when the new log brings data; found by
// tests/audit/followed_store_test.cpp). So when the primary's set of write-ahead logs
// changed since the standby last read it (a flush, or the primary reopened), the standby is
// opened afresh instead of caught up.
//
// The path may be a symbolic link to the store (deploy/local/upgrade): when it is pointed at
// another store (a new version's, rebuilt beside the serving one), the standby is opened on
// that store and published at once, and the older instance follows on the next call, so the
// service switches stores without a restart and without a failed question.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "services/views/view_store.h"

namespace annals {

class FollowedStore {
 public:
  // Opens both instances of the primary store at `path`; `own` is this process's directory
  // for them (each keeps its info log in a subdirectory). Throws std::runtime_error when the
  // primary has never run.
  FollowedStore(const std::string& path, const std::string& own);

  // The instance questions read now. Hold the pointer for the whole question.
  std::shared_ptr<views::ViewStore> serving() const;

  // Catches the standby up with the primary and, when it then shows more than the serving
  // instance, makes it the serving one: returns whether it did. Does nothing while a
  // question still holds the standby. Once the primary stops writing, at most two calls
  // that find the standby free make the serving instance show everything (the two may have
  // been opened or caught up at different moments). A failed catch-up or reopening is
  // written to the log (once until it changes or succeeds) and tried again on the next
  // call. Called by one thread at a time (the audit service's follower).
  bool catch_up();

  // The store the serving instance reads (the path with its links resolved).
  std::string serving_target() const;

 private:
  struct Instance {
    std::shared_ptr<views::ViewStore> store;  // null after a failed reopening
    std::string dir;                          // its own directory
    std::vector<std::string> logs;            // the primary's live logs when it last read them
    std::string target;                       // the store the path led to when it was opened
  };
  // Opens `instance` afresh.
  void open(Instance& instance);

  // Logs `error` unless it is the one logged last; an empty one clears it.
  void report(const std::string& error);

  std::string path_;
  std::string reported_;   // the failure logged last, until a catch-up succeeds
  mutable std::mutex mu_;  // guards the swap of serving_ only
  Instance serving_;
  Instance standby_;  // touched by the follower only
};

}  // namespace annals
