#include "events/time.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace annals {
namespace {

namespace chr = std::chrono;

// Reads exactly n decimal digits at text[pos]; -1 when any is not a digit.
int digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<chr::sys_days> parse_ymd(std::string_view t) {
  if (t.size() < 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  int y = digits(t, 0, 4), m = digits(t, 5, 2), d = digits(t, 8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  chr::year_month_day ymd{chr::year{y}, chr::month{unsigned(m)}, chr::day{unsigned(d)}};
  if (!ymd.ok()) return std::nullopt;
  return chr::sys_days{ymd};
}

}  // namespace

std::optional<Date> Date::parse(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  auto days = parse_ymd(text);
  if (!days) return std::nullopt;
  return Date{static_cast<std::int32_t>(days->time_since_epoch().count())};
}

Date Date::from_ymd(int year, unsigned month, unsigned day) {
  chr::sys_days d{chr::year_month_day{chr::year{year}, chr::month{month}, chr::day{day}}};
  return Date{static_cast<std::int32_t>(d.time_since_epoch().count())};
}

int Date::year() const { return int(chr::year_month_day{chr::sys_days{chr::days{days}}}.year()); }

std::string Date::to_string() const {
  chr::year_month_day ymd{chr::sys_days{chr::days{days}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()));
  return buf;
}

std::optional<Timestamp> Timestamp::parse(std::string_view t) {
  auto day = parse_ymd(t);
  if (!day || t.size() < 20 || (t[10] != 'T' && t[10] != 't') || t[13] != ':' || t[16] != ':')
    return std::nullopt;
  int hh = digits(t, 11, 2), mm = digits(t, 14, 2), ss = digits(t, 17, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t frac = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      if (n < 6) frac = frac * 10 + (t[pos] - '0'), ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (; n < 6; ++n) frac *= 10;
  }
  std::int64_t offset_s = 0;
  if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == t.size() && (t[pos] == '+' || t[pos] == '-') && t[pos + 3] == ':') {
    int oh = digits(t, pos + 1, 2), om = digits(t, pos + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (t[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != t.size()) return std::nullopt;
  std::int64_t secs =
      std::int64_t(day->time_since_epoch().count()) * 86400 + hh * 3600 + mm * 60 + ss - offset_s;
  return Timestamp{secs * 1'000'000 + frac};
}

Timestamp Timestamp::now() {
  return Timestamp{
      chr::duration_cast<chr::microseconds>(chr::system_clock::now().time_since_epoch()).count()};
}

std::string Timestamp::to_string() const {
  // Floor division without overflow, for every instant a corrupt store could hold.
  std::int64_t secs = micros / 1'000'000, frac = micros % 1'000'000;
  if (frac < 0) --secs, frac += 1'000'000;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  std::int64_t rem = secs - days * 86400;
  chr::year_month_day ymd{chr::sys_days{chr::days{days}}};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(rem / 3600), int(rem / 60 % 60),
                int(rem % 60), static_cast<long long>(frac));
  return buf;
}

Date beijing_date(Timestamp t) {
  constexpr std::int64_t kDay = 86400, kOffset = 8 * 3600;  // Asia/Shanghai: UTC+8
  std::int64_t secs = t.micros / 1'000'000 - (t.micros % 1'000'000 < 0 ? 1 : 0) + kOffset;
  return Date{static_cast<std::int32_t>(secs >= 0 ? secs / kDay : (secs - kDay + 1) / kDay)};
}

Timestamp start_of_beijing_day(Date date) {
  return Timestamp{(std::int64_t(date.days) * 86400 - 8 * 3600) * 1'000'000};
}

Timestamp end_of_beijing_day(Date date) {
  return Timestamp{(std::int64_t(date.days + 1) * 86400 - 8 * 3600) * 1'000'000 - 1};
}

Date today_in_beijing() { return beijing_date(Timestamp::now()); }

Date add_months(Date date, int months) {
  chr::year_month_day ymd{chr::sys_days{chr::days{date.days}}};
  int index = int(unsigned(ymd.month())) - 1 + months;  // months since January of ymd's year
  int years = index >= 0 ? index / 12 : (index - 11) / 12;
  unsigned day = unsigned(ymd.day());
  Date out =
      Date::from_ymd(int(ymd.year()) + years, unsigned(index - years * 12) + 1, std::min(day, 28u));
  if (day > 28) out.days += std::int32_t(day - 28);  // runs on when the month is short
  return out;
}

Date add_years(Date date, int years) { return add_months(date, 12 * years); }

}  // namespace annals
