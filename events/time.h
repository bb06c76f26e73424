// The two clocks of Annals.
//
// Date: a calendar day in Asia/Shanghai (effective time), stored as days since 1970-01-01.
// Timestamp: an instant in UTC (recorded time), stored as microseconds since the epoch.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace annals {

struct Date {
  std::int32_t days = 0;  // days since 1970-01-01
  auto operator<=>(const Date&) const = default;

  // Parses exactly "YYYY-MM-DD" naming a real calendar day; nullopt otherwise.
  static std::optional<Date> parse(std::string_view text);
  static Date from_ymd(int year, unsigned month, unsigned day);
  std::string to_string() const;
  int year() const;

  template <class Archive>
  void serialize(Archive& ar) { ar(days); }
};

struct Timestamp {
  std::int64_t micros = 0;  // microseconds since 1970-01-01T00:00:00Z
  auto operator<=>(const Timestamp&) const = default;

  // Parses RFC 3339 ("2019-09-01T08:30:00Z", "2019-09-01T16:30:00.25+08:00"); nullopt
  // when malformed or not a real instant.
  static std::optional<Timestamp> parse(std::string_view text);
  static Timestamp now();
  static Timestamp max() { return Timestamp{INT64_MAX}; }
  // "YYYY-MM-DDTHH:MM:SS.ffffffZ", always UTC with six fractional digits.
  std::string to_string() const;

  template <class Archive>
  void serialize(Archive& ar) { ar(micros); }
};

}  // namespace annals
