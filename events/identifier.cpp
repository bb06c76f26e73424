#include "events/identifier.h"

#include <cstdio>

namespace annals {
namespace {
int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool is_dash_at(std::size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }
}  // namespace

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (is_dash_at(i) ? s[i] != '-' : hex(s[i]) < 0) return false;
  return true;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != ':' && c != '-'))) return false;
  }
  return true;
}

std::optional<std::array<std::uint8_t, 16>> uuid_bytes(std::string_view s) {
  if (!is_uuid(s)) return std::nullopt;
  std::array<std::uint8_t, 16> out{};
  std::size_t k = 0;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    if (is_dash_at(i)) ++i;
    out[k++] = std::uint8_t(hex(s[i]) * 16 + hex(s[i + 1]));
  }
  return out;
}

std::string uuid_from_name(std::string_view space, std::string_view name) {
  auto fnv = [](std::string_view a, std::string_view b, std::uint64_t seed) {
    std::uint64_t h = 1469598103934665603ull ^ seed;
    for (char c : a) h = (h ^ std::uint8_t(c)) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (char c : b) h = (h ^ std::uint8_t(c)) * 1099511628211ull;
    return h;
  };
  std::uint64_t hi = fnv(space, name, 0), lo = fnv(space, name, 0x9e3779b97f4a7c15ull);
  hi = (hi & ~0xf000ull) | 0x8000ull;                         // version 8
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", unsigned(hi >> 32),
                unsigned((hi >> 16) & 0xffff), unsigned(hi & 0xffff), unsigned(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffull));
  return buf;
}

}  // namespace annals
