#include "events/csv_codec.h"

#include <charconv>
#include <cstdint>
#include <map>
#include <set>

#include "events/event.h"

namespace annals {

using nlohmann::json;

bool split_csv_line(std::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(cur));
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  fields.push_back(std::move(cur));
  return !quoted;
}

namespace {

// A cell a spreadsheet would run as a formula: text (not a number) that starts with one of
// = + - @ or a tab or carriage return (the OWASP list for CSV injection).
bool formula_like(std::string_view text) {
  if (text.empty() || std::string_view("=+-@\t\r").find(text[0]) == std::string_view::npos)
    return false;
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  return ec != std::errc() || end != text.data() + text.size();
}

// A cell csv_cell writes after an apostrophe: formula-like text, also when it already starts
// with apostrophes ("'=x" is written "''=x"), so that removing one on import gives back
// exactly the text that was exported.
bool guarded(std::string_view text) {
  std::size_t start = text.find_first_not_of('\'');
  return start != std::string_view::npos && formula_like(text.substr(start));
}

// True when `s` is UTF-8 as RFC 3629 defines it (no overlong forms, no surrogates): what a
// JSON document may hold.
bool is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t more = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      more = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      more = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      more = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= more) return false;
    for (std::size_t k = 1; k <= more; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += more + 1;
  }
  return true;
}

std::vector<std::string> split_list(const std::string& cell) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= cell.size()) {
    std::size_t end = cell.find(';', start);
    if (end == std::string::npos) end = cell.size();
    if (end > start) out.push_back(cell.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The JSON value of one cell for a field of type T; false when it cannot be one.
template <class T>
bool cell_value(const std::string& cell, json& out) {
  if constexpr (is_optional<T>::value) {
    return cell_value<typename T::value_type>(cell, out);
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
    if (ec != std::errc() || p != cell.data() + cell.size()) return false;
    out = v;
  } else if constexpr (std::is_same_v<T, bool>) {
    if (cell == "true" || cell == "1" || cell == "是") out = true;
    else if (cell == "false" || cell == "0" || cell == "否") out = false;
    else return false;
  } else if constexpr (std::is_same_v<T, Area>) {
    json n = json::parse(cell, nullptr, false);
    if (!n.is_number()) return false;
    out = n;
  } else if constexpr (is_vector<T>::value) {
    if constexpr (Described<typename T::value_type>) {
      return false;
    } else {
      out = json::array();
      for (const auto& item : split_list(cell)) out.push_back(item);
    }
  } else if constexpr (Described<T>) {
    return false;
  } else {
    out = cell;  // strings, dates, timestamps and enum names are JSON strings
  }
  return true;
}

template <class T>
void fill_object(const std::map<std::string, std::string>& cells, json& object,
                 std::set<std::string>& used, std::vector<Violation>& violations,
                 const std::string& pointer) {
  T probe{};
  auto visit = [&](const char* name, auto& member, const Rule&) {
    auto it = cells.find(name);
    if (it == cells.end()) return;
    used.insert(name);
    if (it->second.empty()) return;  // absent
    json value;
    if (cell_value<std::decay_t<decltype(member)>>(it->second, value))
      object[name] = std::move(value);
    else
      violations.push_back(
          {pointer + "/" + name, "cannot be read from the CSV cell '" + it->second + "'"});
  };
  T::fields(probe, visit);
}

}  // namespace

json csv_row_to_json(const std::vector<std::string>& header, const std::vector<std::string>& row,
                     std::vector<Violation>& violations) {
  std::map<std::string, std::string> cells;
  for (std::size_t i = 0; i < header.size(); ++i) {
    std::string cell = i < row.size() ? row[i] : "";
    if (cell.size() > 1 && cell[0] == '\'' && guarded(std::string_view(cell).substr(1)))
      cell.erase(0, 1);  // the apostrophe csv_cell put before a formula-like cell
    cells[header[i]] = std::move(cell);
  }
  if (row.size() != header.size())
    violations.push_back({"", "the row has " + std::to_string(row.size()) + " cells, the header " +
                                  std::to_string(header.size())});
  // A file saved in another encoding (GBK, as Excel often does) cannot become a document.
  for (const auto& [column, value] : cells)
    if (!is_utf8(value))
      violations.push_back({"/" + column, "is not UTF-8 text: save the CSV file as UTF-8"});
  json doc = json::object();
  std::set<std::string> used{"type"};
  fill_object<Envelope>(cells, doc, used, violations, "");
  doc["type"] = cells["type"];
  json data = json::object();
  bool known = false;
  for_each_payload_type([&]<class T>(std::type_identity<T>) {
    if (known || cells["type"] != T::kType) return;
    known = true;
    if constexpr (HasPrevious<T>) {
      if (cells["schema_version"] == std::to_string(T::Previous::kVersion)) {
        fill_object<typename T::Previous>(cells, data, used, violations, "/data");
        return;
      }
    }
    fill_object<T>(cells, data, used, violations, "/data");
  });
  doc["data"] = std::move(data);
  for (const auto& [column, value] : cells)
    if (!used.count(column) && !value.empty())
      violations.push_back({"/" + column, "is not a field of " + cells["type"]});
  return doc;
}

std::string csv_cell(std::string_view text) {
  std::string with_apostrophe;
  if (guarded(text)) {
    with_apostrophe = "'" + std::string(text);
    text = with_apostrophe;
  }
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace annals
