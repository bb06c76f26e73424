// Random but valid events of every type, driven by the same field lists as the codecs: a
// generator that cannot forget a field.
#pragma once

#include <random>
#include <string>

#include "events/event.h"
#include "events/identifier.h"

namespace annals::testing {

class ArbitraryFields {
 public:
  explicit ArbitraryFields(std::uint64_t seed) : rng_(seed) {}

  template <class T>
  void operator()(const char*, T& member, const Rule& rule) {
    fill(member, rule);
  }

  std::string text(std::size_t max_len) {
    static const char* pieces[] = {"东城", "史家", "小学", "中学",  "a", "Z",
                                   "9",    " ",    "学区", "\"q\"", "\\"};
    std::string s;
    std::size_t n = 1 + rng_() % max_len;
    for (std::size_t i = 0; i < n; ++i) s += pieces[rng_() % std::size(pieces)];
    return s;
  }
  std::string identifier() { return "id-" + std::to_string(rng_() % 100000); }
  std::uint64_t next() { return rng_(); }

  template <class T>
  void fill(T& v, const Rule& rule) {
    if constexpr (std::is_same_v<T, std::string>) {
      v = rule.uuid ? uuid_from_name("arbitrary", std::to_string(rng_()))
          : rule.id ? identifier()
                    : text(12);
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
      std::int64_t lo = rule.min.value_or(-1'000'000'000),
                   hi = rule.max.value_or(1'000'000'000'000);
      v = lo + std::int64_t(rng_() % std::uint64_t(hi - lo + 1));
    } else if constexpr (std::is_same_v<T, bool>) {
      v = rng_() & 1;
    } else if constexpr (std::is_same_v<T, Date>) {
      v = Date{std::int32_t(rng_() % 40000) - 5000};
    } else if constexpr (std::is_same_v<T, Timestamp>) {
      v = Timestamp{std::int64_t(rng_() % 4'000'000'000'000'000ull)};
    } else if constexpr (std::is_same_v<T, Area>) {
      v = Area{std::int64_t(rng_() % 100'000'000)};
    } else if constexpr (NamedEnum<T>) {
      v = T(rng_() % std::size(EnumNames<T>::names));
    } else if constexpr (is_optional<T>::value) {
      if (rng_() % 3 == 0) {
        v.reset();
      } else {
        typename T::value_type inner{};
        fill(inner, rule);
        v = std::move(inner);
      }
    } else if constexpr (is_vector<T>::value) {
      v.clear();
      std::size_t n = 1 + rng_() % 4;
      for (std::size_t i = 0; i < n; ++i) {
        typename T::value_type item{};
        fill(item, rule);
        if constexpr (!Described<typename T::value_type>) {
          if (std::find(v.begin(), v.end(), item) != v.end()) continue;  // items are unique
        }
        v.push_back(std::move(item));
      }
    } else {
      T::fields(v, *this);
    }
  }

 private:
  std::mt19937_64 rng_;
};

// An arbitrary valid event of payload type T; recorded_at is set (as in the log).
template <class T>
Event arbitrary_event(std::uint64_t seed) {
  ArbitraryFields gen(seed);
  Event e;
  Envelope::fields(e.envelope, gen);
  e.envelope.recorded_at = Timestamp{std::int64_t(gen.next() % 4'000'000'000'000'000ull)};
  e.envelope.schema_version = T::kVersion;
  T payload{};
  T::fields(payload, gen);
  e.data = std::move(payload);
  return e;
}

}  // namespace annals::testing
