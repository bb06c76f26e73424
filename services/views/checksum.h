// A checksum of everything the views hold, family by family in key order: two stores with
// the same checksum hold the same views (a rebuilt store must match the live one).
#pragma once

#include <cstdint>
#include <string>

#include "services/views/view_store.h"

namespace annals::views {

struct ViewsChecksum {
  std::uint64_t hash = 0;  // FNV-1a 64 over (family, key, value) of every entry
  std::uint64_t entries = 0;
  bool operator==(const ViewsChecksum&) const = default;
  std::string to_string() const;
};

// What a checksum covers.
enum class Covering {
  everything,
  // Every family but the offsets (how far each partition was read): stores built from the
  // same records in other batches, or by a projector killed and restarted.
  content,
  // The content less the verifiable log (merkle_nodes), whose leaves are in
  // the order records arrived: what the events mean, equal for stores built from the same
  // records in any order, even one no partition gives (the arrival-order property tests).
  meaning,
};

ViewsChecksum checksum(ViewStore& store, Covering covering = Covering::everything);

}  // namespace annals::views
