// How an event type describes its fields once, for every codec and for its JSON Schema.
//
// Each payload struct has
//     template <class Self, class Visitor> static void fields(Self& self, Visitor& v);
// calling v(name, self.member, rule) per field in contract order. The JSON decoder, the JSON
// encoder, the cereal archive and the schema generator are visitors, so the C++ types and
// the published schemas cannot drift apart. A std::optional member is an optional field;
// every other member is required.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "events/bounds.h"
#include "events/enums.h"
#include "events/time.h"

namespace annals {

// Constraints a field carries into its decoder and its schema.
struct Rule {
  const char* doc = "";
  std::optional<std::int64_t> min{};
  std::optional<std::int64_t> max{};
  bool id = false;       // an opaque identifier: [A-Za-z0-9][A-Za-z0-9._:-]{0,63}
  bool uuid = false;     // an RFC 4122 UUID in its 8-4-4-4-12 hex form
  bool min_one = false;  // arrays: at least one item
};

inline constexpr Rule kId{.doc = "stable identifier", .id = true};

// An area in square metres with two decimal places, held exactly as hundredths of m².
struct Area {
  std::int64_t centi = 0;
  auto operator<=>(const Area&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(centi);
  }
};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

// A struct that describes its fields (a payload or a nested record such as a new school).
struct AnyFieldVisitor {
  template <class... A>
  void operator()(A&&...) {}
};
template <class T>
concept Described = requires(T& t, AnyFieldVisitor& v) {
  T::fields(t, v);
};

}  // namespace annals
