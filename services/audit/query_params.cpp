#include "services/audit/query_params.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "events/bounds.h"
#include "services/views/format.h"

namespace annals {
namespace {

template <class T>
Param<T> failed(std::string message) {
  return Param<T>{std::nullopt, std::move(message)};
}

std::string hex_decode(std::string_view text) {
  std::string out;
  auto digit = [](char c) { return c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0'; };
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    if (!hex(text[i]) || !hex(text[i + 1])) return {};
    out.push_back(char(digit(text[i]) * 16 + digit(text[i + 1])));
  }
  return out;
}

}  // namespace

Param<Date> parse_date_param(std::string_view name, std::string_view text) {
  if (auto d = Date::parse(text)) return {d, {}};
  return failed<Date>("query parameter '" + std::string(name) +
                      "' must be a date YYYY-MM-DD, got '" + excerpt(text) + "'");
}

Param<Timestamp> parse_recorded_param(std::string_view name, std::string_view text) {
  if (auto t = Timestamp::parse(text)) return {t, {}};
  if (auto d = Date::parse(text)) return {end_of_beijing_day(*d), {}};
  return failed<Timestamp>("query parameter '" + std::string(name) +
                           "' must be an RFC 3339 timestamp or a date YYYY-MM-DD, got '" +
                           excerpt(text) + "'");
}

Param<Period> parse_period(std::optional<std::string_view> from, std::optional<std::string_view> to,
                           Date today) {
  Period p{today, today};
  if (from) {
    auto f = parse_date_param("from", *from);
    if (!f) return failed<Period>(f.error);
    p.from = *f;
  }
  if (to) {
    auto t = parse_date_param("to", *to);
    if (!t) return failed<Period>(t.error);
    p.to = *t;
  }
  if (p.to < p.from)
    return failed<Period>("'to' (" + p.to.to_string() + ") is before 'from' (" +
                          p.from.to_string() + ")");
  return {p, {}};
}

Param<std::size_t> parse_limit(std::string_view text) {
  std::size_t limit = 0;
  bool digits = !text.empty();
  for (char c : text) {
    if (c < '0' || c > '9') digits = false;
    else if (limit <= 1000) limit = limit * 10 + std::size_t(c - '0');  // stops once past 1000
  }
  if (!digits || limit < 1 || limit > 1000)
    return failed<std::size_t>("query parameter 'limit' must be a number from 1 to 1000");
  return {limit, {}};
}

Param<std::uint64_t> parse_tree_size(std::string_view name, std::string_view text) {
  constexpr std::uint64_t kMax = std::uint64_t(1) << 53;
  std::uint64_t n = 0;
  bool digits = !text.empty() && text.size() <= 16;
  for (char c : text) {
    if (c < '0' || c > '9') digits = false;
    else if (digits) n = n * 10 + std::uint64_t(c - '0');
  }
  if (!digits || n > kMax)
    return failed<std::uint64_t>("query parameter '" + std::string(name) +
                                 "' must be a number of "
                                 "leaves (decimal digits, at most 2^53), not '" +
                                 excerpt(text) + "'");
  return {n, {}};
}

Param<std::array<std::uint64_t, 4>> parse_log_sizes(std::string_view name, std::string_view text) {
  std::array<std::uint64_t, 4> sizes{};
  std::size_t start = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    std::size_t comma = i + 1 < sizes.size() ? text.find(',', start) : text.size();
    auto size = comma == std::string_view::npos
                    ? Param<std::uint64_t>{}
                    : parse_tree_size(name, text.substr(start, comma - start));
    if (!size)
      return failed<std::array<std::uint64_t, 4>>(
          "query parameter '" + std::string(name) +
          "' must be the sizes of the registry, personnel, enrollment and finance logs, four "
          "numbers separated by commas, not '" +
          excerpt(text) + "'");
    sizes[i] = *size;
    start = comma + 1;
  }
  return {sizes, {}};
}

std::string encode_cursor(std::string_view key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Param<std::string> parse_cursor(std::string_view text, std::string_view district) {
  std::string key = hex_decode(text);
  views::DistrictOrder order;
  if (!views::parse_district_order_key(key, order) || order.district != district)
    return failed<std::string>("query parameter 'after' is not a cursor of this district's trail");
  return {std::move(key), {}};
}

std::set<std::string> parse_types(const std::vector<std::string>& values) {
  std::set<std::string> types;
  for (const std::string& t : values)
    for (std::size_t pos = 0; pos <= t.size();) {
      std::size_t comma = std::min(t.find(',', pos), t.size());
      if (comma > pos) types.insert(t.substr(pos, comma - pos));
      pos = comma + 1;
    }
  return types;
}

Param<int> parse_year(std::string_view text) {
  std::string y(text);
  int year = 0;
  try {
    std::size_t used = 0;
    year = std::stoi(y, &used);
    if (used != y.size() || year < 1900 || year > 2200) year = 0;
  } catch (const std::logic_error&) {  // invalid_argument, out_of_range
    year = 0;
  }
  if (!year)
    return failed<int>("query parameter 'year' must be a year such as 2019, got '" + excerpt(y) +
                       "'");
  return {year, {}};
}

Param<std::string> parse_step(std::string_view text) {
  if (text != "year" && text != "month")
    return failed<std::string>("query parameter 'step' must be year or month, got '" +
                               excerpt(text) + "'");
  return {std::string(text), {}};
}

Param<std::string> parse_format(std::string_view text) {
  if (text != "json" && text != "csv" && text != "xlsx")
    return failed<std::string>("query parameter 'format' must be json, csv or xlsx, got '" +
                               excerpt(text) + "'");
  return {std::string(text), {}};
}

}  // namespace annals
