#include "services/views/checksum.h"

#include <cstdio>
#include <cstring>
#include <memory>

namespace annals::views {
namespace {
void mix(std::uint64_t& h, const char* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) h = (h ^ std::uint8_t(data[i])) * 1099511628211ull;
  // Length-delimit so that ("ab","c") and ("a","bc") differ.
  for (int s = 0; s < 64; s += 8) h = (h ^ std::uint8_t(n >> s)) * 1099511628211ull;
}
}  // namespace

std::string ViewsChecksum::to_string() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016llx/%llu", static_cast<unsigned long long>(hash),
                static_cast<unsigned long long>(entries));
  return buf;
}

ViewsChecksum checksum(ViewStore& store, Covering covering) {
  ViewsChecksum out;
  out.hash = 1469598103934665603ull;
  for (int f = 0; f < kFamilies; ++f) {
    if (covering != Covering::everything && Family(f) == Family::offsets) continue;
    if (covering == Covering::meaning && Family(f) == Family::merkle_nodes) continue;
    mix(out.hash, kFamilyNames[f], std::strlen(kFamilyNames[f]));
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    auto it = Reader(store).iterator(Family(f), ro);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      mix(out.hash, it->key().data(), it->key().size());
      mix(out.hash, it->value().data(), it->value().size());
      ++out.entries;
    }
  }
  return out;
}

}  // namespace annals::views
