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

// Every family, or every family but the offsets (how far each partition was read).
ViewsChecksum checksum(ViewStore& store, bool include_offsets = true);

}  // namespace annals::views
