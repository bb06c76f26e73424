#include "events/bounds.h"

#include <cstdio>

namespace annals {
namespace {

// Decodes the code point starting at s[i] (valid UTF-8) and advances i past it.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (i + len > s.size()) len = s.size() - i;  // never read past the end, even if malformed
  char32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
  for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (byte(i + k) & 0x3F);
  i += len;
  return cp;
}

bool forbidden(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

std::string u_plus(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", unsigned(cp));
  return buf;
}

}  // namespace

// The C1 and bidirectional controls are written as the characters themselves in an
// alternation, not as escapes in a class: a validator that matches bytes (std::regex, as
// valijson uses) and one that matches code points (ECMA-262) then read it the same way.
const char* const kFreeTextPattern =
    "^(?!.*(?:"
    "\u0080|\u0081|\u0082|\u0083|\u0084|\u0085|\u0086|\u0087|"
    "\u0088|\u0089|\u008A|\u008B|\u008C|\u008D|\u008E|\u008F|"
    "\u0090|\u0091|\u0092|\u0093|\u0094|\u0095|\u0096|\u0097|"
    "\u0098|\u0099|\u009A|\u009B|\u009C|\u009D|\u009E|\u009F|"
    "\u061C|\u200E|\u200F|\u202A|\u202B|\u202C|\u202D|\u202E|"
    "\u2066|\u2067|\u2068|\u2069"
    "))[^\\u0000-\\u001F\\u007F]+$";

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::optional<std::string> first_forbidden_char(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = next_code_point(s, i);
    if (forbidden(cp)) return u_plus(cp);
  }
  return std::nullopt;
}

bool in_record_window(Date d) {
  static const Date first = Date::from_ymd(kFirstYear, 1, 1);
  static const Date last = Date::from_ymd(kLastYear, 12, 31);
  return d >= first && d <= last;
}

bool in_record_window(Timestamp t) {
  constexpr std::int64_t kMicrosPerDay = 86'400'000'000;
  std::int64_t days = t.micros >= 0 ? t.micros / kMicrosPerDay : (t.micros + 1) / kMicrosPerDay - 1;
  return in_record_window(Date{static_cast<std::int32_t>(days)});
}

std::string escape_forbidden(std::string_view s, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0, i = 0;
  while (i < s.size()) {
    if (chars == max_chars) return out + "...";
    std::size_t start = i;
    char32_t cp = next_code_point(s, i);
    if (forbidden(cp)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u%04X", unsigned(cp));
      out += buf;
    } else {
      out.append(s.substr(start, i - start));
    }
    ++chars;
  }
  return out;
}

std::string excerpt(std::string_view s) { return escape_forbidden(s, 64); }

}  // namespace annals
