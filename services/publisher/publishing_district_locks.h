// The publishing service's per-district locks: events of one district are checked and
// published one request at a time. Private to the service.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "services/publisher/publishing_service.h"

namespace annals {

// One mutex per district, created on first use (a city has tens of districts, a country
// thousands: the map stays small).
class PublishingService::DistrictLocks {
 public:
  // Locks every district in `districts` (sorted, so two requests cannot deadlock).
  std::vector<std::unique_lock<std::mutex>> lock(const std::set<std::string>& districts) {
    std::vector<std::unique_lock<std::mutex>> held;
    for (const auto& d : districts) {
      std::mutex* m;
      {
        std::lock_guard guard(mu_);
        auto& slot = by_district_[d];
        if (!slot) slot = std::make_unique<std::mutex>();
        m = slot.get();
      }
      held.emplace_back(*m);
    }
    return held;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> by_district_;
};

}  // namespace annals
