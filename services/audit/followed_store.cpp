// Two secondary instances, swapped (services/audit/followed_store.h).
#include "services/audit/followed_store.h"

#include <algorithm>
#include <filesystem>

namespace annals {
namespace {

// The names of the primary's write-ahead logs, sorted: a flush starts a new one.
std::vector<std::string> live_logs(const std::string& path) {
  std::vector<std::string> logs;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".log") logs.push_back(it->path().filename().string());
  std::sort(logs.begin(), logs.end());
  return logs;
}

}  // namespace

FollowedStore::FollowedStore(const std::string& path, const std::string& own) : path_(path) {
  serving_.dir = own + "/a";
  standby_.dir = own + "/b";
  open(serving_);
  open(standby_);
}

void FollowedStore::open(Instance& instance) {
  instance.store.reset();  // its directory is free before the new instance takes it
  std::filesystem::create_directories(instance.dir);
  instance.logs = live_logs(path_);  // before opening: a flush in between reopens it again
  instance.store = views::ViewStore::open_secondary(path_, instance.dir);
  instance.store->catch_up();  // notes the primary's files it has read
}

std::shared_ptr<views::ViewStore> FollowedStore::serving() const {
  std::lock_guard lock(mu_);
  return serving_.store;
}

bool FollowedStore::catch_up() {
  // Only questions that took it while it was serving can hold the standby, and no new one
  // can take it: once nobody does, it stays free until it is published again.
  if (standby_.store.use_count() > 1) return false;
  if (live_logs(path_) != standby_.logs) {
    open(standby_);  // across a flush: afresh (followed_store.h)
  } else if (!standby_.store->catch_up()) {
    // It failed (tried again next time), or none of the primary's files changed since the
    // standby's own last catch-up: then it shows what the serving one shows.
    return false;
  }
  std::lock_guard lock(mu_);
  std::swap(serving_, standby_);
  return true;
}

}  // namespace annals
