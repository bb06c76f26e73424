// What every fuzz target shares: a property check that stops the run with a message (the
// targets are built with NDEBUG, so assert() would be silent), and small helpers.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

// Fails the run (libFuzzer keeps the input as a crash artifact) when `cond` is false.
#define FUZZ_CHECK(cond, detail)                                                                   \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "\nfuzz: property failed at %s:%d: %s\nfuzz: %s\n", __FILE__, __LINE__, \
                   #cond, std::string(detail).c_str());                                            \
      std::abort();                                                                                \
    }                                                                                              \
  } while (0)

namespace annals::fuzz {

// The bytes libFuzzer gives, as text.
inline std::string_view text_of(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// True when `s` can be written as a JSON string without replacement: valid UTF-8 (what
// nlohmann's strict dump accepts).
inline bool valid_utf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// The deepest nesting of arrays and objects in `j` (a scalar is 0), without recursion.
inline std::size_t depth_of(const nlohmann::json& j) {
  std::size_t deepest = 0;
  std::vector<std::pair<const nlohmann::json*, std::size_t>> todo{{&j, 0}};
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    deepest = std::max(deepest, d + 1);
    for (const auto& child : *v) todo.push_back({&child, d + 1});
  }
  return deepest;
}

// A short printable excerpt of `s` for a failure message.
inline std::string excerpt(std::string_view s, std::size_t max = 300) {
  std::string out;
  for (char c : s.substr(0, max)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || u >= 0x80) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace annals::fuzz
