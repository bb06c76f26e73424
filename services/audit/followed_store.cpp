// Two secondary instances, swapped (services/audit/followed_store.h).
#include "services/audit/followed_store.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <stdexcept>

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

// Where `path` leads now (its links resolved). Throws std::runtime_error when it leads nowhere
// (a link being replaced, a store moved away): the caller tries again later.
std::string resolved(const std::string& path) {
  std::error_code ec;
  std::filesystem::path target = std::filesystem::canonical(path, ec);
  if (ec) throw std::runtime_error("the store " + path + " cannot be found: " + ec.message());
  return target.string();
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
  // The store the path leads to now, by its own name: a link moved meanwhile cannot make this
  // instance read another store's files.
  instance.target = resolved(path_);
  instance.logs = live_logs(instance.target);  // before opening: a flush in between reopens it
  instance.store = views::ViewStore::open_secondary(instance.target, instance.dir);
  // Notes the primary's files it has read; on failure the next catch-up reads them again.
  instance.store->catch_up();
}

std::shared_ptr<views::ViewStore> FollowedStore::serving() const {
  std::lock_guard lock(mu_);
  return serving_.store;
}

bool FollowedStore::catch_up() {
  // Only questions that took it while it was serving can hold the standby, and no new one
  // can take it: once nobody does, it stays free until it is published again.
  if (standby_.store.use_count() > 1) return false;
  try {
    if (!standby_.store || resolved(path_) != standby_.target ||
        live_logs(standby_.target) != standby_.logs) {
      open(standby_);  // across a flush, or onto another store: afresh (followed_store.h)
    } else if (rocksdb::Status s = standby_.store->catch_up(); !s.ok()) {
      report("catching up with " + standby_.target + ": " + s.ToString());
      return false;
    }
  } catch (const std::exception& e) {
    report(e.what());
    return false;
  }
  report("");
  // Each has read at least the primary's files as its signature describes them, and the
  // standby's are the files as they are now: the same signature, the same state.
  bool moved = standby_.target != serving_.target;
  if (!moved && standby_.store->read_through() == serving_.store->read_through()) return false;
  {
    std::lock_guard lock(mu_);
    std::swap(serving_, standby_);
  }
  if (moved) std::cerr << "annals-audit: now serving the store " << serving_.target << std::endl;
  return true;
}

std::string FollowedStore::serving_target() const {
  std::lock_guard lock(mu_);
  return serving_.target;
}

void FollowedStore::report(const std::string& error) {
  if (error == reported_) return;
  reported_ = error;
  if (!error.empty())
    std::cerr << "annals-audit: the views are not followed (tried again): " << error << std::endl;
}

}  // namespace annals
