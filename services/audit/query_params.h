// The audit API's query parameters, read from their raw text. Each parser is pure (no
// request, no clock, no store): it returns the value, or the exact message of the 400 answer
// the audit service gives when the parameter is malformed. tests/fuzz/query_params_fuzz.cpp
// runs them on arbitrary bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "events/time.h"

namespace annals {

// A parsed query parameter: `value`, or `error` (the 400 answer's message) when malformed.
template <class T>
struct Param {
  std::optional<T> value;
  std::string error;  // empty exactly when value is set
  explicit operator bool() const { return value.has_value(); }
  const T& operator*() const { return *value; }
  const T* operator->() const { return &*value; }
};

// A date parameter (?at=, ?from=, ?to=): exactly "YYYY-MM-DD" naming a real calendar day.
// `name` is the parameter's name; the message quotes it and `text`.
Param<Date> parse_date_param(std::string_view name, std::string_view text);

// A recorded-time parameter (?recorded_at=, ?from_recorded_at=, ?to_recorded_at=): an RFC
// 3339 timestamp, or a date meaning the end of that day in Beijing (UTC+8), i.e. its last
// microsecond. The message quotes `name` and `text`.
Param<Timestamp> parse_recorded_param(std::string_view name, std::string_view text);

struct Period {
  Date from;
  Date to;
};
// ?from= and ?to= together: each a date as parse_date_param reads it, `today` when absent
// (nullopt); `to` not before `from`. The message is that of the first wrong one: from, then
// to, then their order.
Param<Period> parse_period(std::optional<std::string_view> from, std::optional<std::string_view> to,
                           Date today);

// ?limit=: a number from 1 to 1000 in decimal digits only (no sign, space or suffix).
Param<std::size_t> parse_limit(std::string_view text);

// The audit trail's opaque cursor (the `next` of a page, sent back as ?after=): the
// lowercase hexadecimal of the district order key (services/views/format.h) of the page's
// last event.
std::string encode_cursor(std::string_view key);

// ?after=: a cursor of `district`'s trail; the value is the district order key it names.
// Hex digits of either case; a trailing odd digit is ignored. An error when the text is not
// hexadecimal, or the bytes are not a district order key of `district`.
Param<std::string> parse_cursor(std::string_view text, std::string_view district);

// ?type= (repeatable): each value a comma-separated list of event types; the set of every
// name given, empty names dropped. Never an error: an unknown type just matches nothing.
std::set<std::string> parse_types(const std::vector<std::string>& values);

// ?year=: a year from 1900 to 2200, the whole text read as std::stoi reads it (so leading
// white space and a '+' are accepted). The message quotes `text`.
Param<int> parse_year(std::string_view text);

// A tree size (?tree_size=): a number of leaves, decimal digits only, at most 2^53 (what a
// JSON reader keeps exactly). The message quotes `name` and `text`.
Param<std::uint64_t> parse_tree_size(std::string_view name, std::string_view text);

// The sizes of a district's four logs (?sizes=, ?first=, ?second=: registry, personnel,
// enrollment and finance, comma-separated, each as parse_tree_size reads it). The message
// quotes `name` and `text`.
Param<std::array<std::uint64_t, 4>> parse_log_sizes(std::string_view name, std::string_view text);

// ?step=: "year" or "month". The message quotes `text`.
Param<std::string> parse_step(std::string_view text);

// ?format= (or the .csv / .xlsx suffix of the path): "json", "csv" or "xlsx". The message
// quotes `text`.
Param<std::string> parse_format(std::string_view text);

// What every question about a district on a date shares, once parsed: the district (known
// to the record), ?at= and ?recorded_at=.
struct DistrictAt {
  std::string district;
  Date at;
  Timestamp as_of = Timestamp::max();
};

}  // namespace annals
