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
  void serialize(Archive& ar) {
    ar(days);
  }
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
  void serialize(Archive& ar) {
    ar(micros);
  }
};

// ---- Beijing days ---------------------------------------------------------------------
// Asia/Shanghai is UTC+8 all year (no daylight saving since 1991).

// The calendar day in Asia/Shanghai of the instant `t`.
Date beijing_date(Timestamp t);
// The first microsecond of `date` in Asia/Shanghai.
Timestamp start_of_beijing_day(Date date);
// The last microsecond of `date` in Asia/Shanghai: "as recorded on that day".
Timestamp end_of_beijing_day(Date date);
// Today in Asia/Shanghai: beijing_date(Timestamp::now()).
Date today_in_beijing();
// `date` moved by `months` calendar months (any sign), keeping its day of the month; a day
// past the 28th that the target month is too short for runs on into the following month
// (2019-01-31 + 1 month = 2019-03-03, 2020-01-30 + 1 month = 2020-03-01).
Date add_months(Date date, int months);
// add_months(date, 12 * years): 2020-02-29 + 1 year = 2021-03-01.
Date add_years(Date date, int years);

// The school year `d` falls in, named by its first calendar year: 1 September starts one.
inline std::int64_t school_year_of(Date d) {
  return d >= Date::from_ymd(d.year(), 9, 1) ? d.year() : d.year() - 1;
}

}  // namespace annals
