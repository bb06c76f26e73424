// The CSV codec (events/csv_codec.h) on arbitrary text, read as `annals import` reads a CSV
// file: lines split at '\n', the first (without Excel's BOM) the header, blank lines skipped.
// Beyond not crashing or throwing:
//   - a record split_csv_line accepts, written back cell by cell with csv_cell and joined
//     with ',', splits into the same cells, each as it was or after the apostrophe csv_cell
//     puts before formula-like text; and every such cell, written with csv_cell as a text
//     field, is read back by csv_row_to_json exactly as it was (export then import loses
//     nothing);
//   - a row with no violation becomes a document whose JSON text can be written (valid
//     UTF-8: `annals import` sends doc.dump());
//   - when that document decodes as a submitted event, the event written as a CSV row (the
//     columns of its JSON form; lists joined with ';', an empty list as ";") reads back
//     through csv_row_to_json and the decoder as the same event.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

#include "events/csv_codec.h"
#include "events/json_codec.h"
#include "tests/fuzz/fuzz_support.h"

namespace annals {
namespace {

using nlohmann::json;

std::string joined(const std::vector<std::string>& cells) {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + csv_cell(cells[i]);
  return line;
}

void check_cells_round_trip(const std::vector<std::string>& cells) {
  std::string line = joined(cells);
  std::vector<std::string> again;
  FUZZ_CHECK(split_csv_line(line, again), fuzz::excerpt(line));
  FUZZ_CHECK(again.size() == cells.size(), fuzz::excerpt(line));
  for (std::size_t i = 0; i < cells.size(); ++i) {
    FUZZ_CHECK(again[i] == cells[i] || again[i] == "'" + cells[i], fuzz::excerpt(line));
    if (cells[i].empty() || !fuzz::valid_utf8(cells[i])) continue;
    // The cell as the name of a renamed school: a text field, read back verbatim.
    std::vector<std::string> header{"type", "name"}, row;
    std::string written = "school.renamed," + csv_cell(cells[i]);
    FUZZ_CHECK(split_csv_line(written, row), fuzz::excerpt(written));
    std::vector<Violation> violations;
    json doc = csv_row_to_json(header, row, violations);
    FUZZ_CHECK(violations.empty() && doc["data"]["name"] == cells[i],
               "written " + fuzz::excerpt(written) + ", read back " +
                   fuzz::excerpt(doc["data"].value("name", std::string("(none)"))));
  }
}

// One CSV cell for a JSON value of an event; nullopt when CSV cannot hold it.
std::optional<std::string> cell_of(const json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;  // an empty cell is an absent field
    return s;
  }
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  if (v.is_array()) {
    if (v.empty()) return ";";
    std::string out;
    for (const auto& item : v) {
      if (!item.is_string()) return std::nullopt;  // nested records are NDJSON-only
      const auto& s = item.get_ref<const std::string&>();
      if (s.empty() || s.find(';') != std::string::npos) return std::nullopt;
      out += (out.empty() ? "" : ";") + s;
    }
    return out;
  }
  return std::nullopt;
}

using Table = std::pair<std::vector<std::string>, std::vector<std::string>>;  // header, row

// The event as a CSV header and row; nullopt when CSV cannot hold it.
std::optional<Table> csv_of(const Event& e) {
  json j = event_to_json(e);
  std::map<std::string, std::string> cells;
  auto put = [&](const std::string& column, const json& v) {
    auto cell = cell_of(v);
    if (!cell || cells.count(column)) return false;
    cells[column] = *cell;
    return true;
  };
  for (const auto& [k, v] : j.items())
    if (k != "data" && !put(k, v)) return std::nullopt;
  for (const auto& [k, v] : j["data"].items())
    if (!put(k, v)) return std::nullopt;
  Table out;
  for (const auto& [k, v] : cells) {
    out.first.push_back(k);
    out.second.push_back(v);
  }
  return out;
}

void check_event_round_trip(const Event& event) {
  auto csv = csv_of(event);
  if (!csv) return;
  // Through the text of the two lines, as a file would carry them.
  std::string header_line = joined(csv->first), row_line = joined(csv->second);
  std::vector<std::string> header, row;
  FUZZ_CHECK(split_csv_line(header_line, header) && split_csv_line(row_line, row),
             fuzz::excerpt(header_line + "\n" + row_line));
  std::vector<Violation> violations;
  json doc = csv_row_to_json(header, row, violations);
  std::string detail = fuzz::excerpt(header_line + "\n" + row_line, 2000);
  for (const auto& v : violations) detail += " [" + v.pointer + "] " + v.message;
  FUZZ_CHECK(violations.empty(), detail);
  Decoded again = decode_event(doc.dump(), Origin::submission);
  for (const auto& v : again.violations) detail += " [" + v.pointer + "] " + v.message;
  FUZZ_CHECK(again.event.has_value(), detail);
  FUZZ_CHECK(*again.event == event, detail);
}

void import_row(const std::vector<std::string>& header, std::string_view line) {
  std::vector<std::string> row;
  std::vector<Violation> violations;
  if (split_csv_line(line, row)) check_cells_round_trip(row);
  else violations.push_back({"", "a quoted cell is not closed"});
  json doc = csv_row_to_json(header, row, violations);
  if (!violations.empty()) return;  // a reject, written with invalid UTF-8 replaced
  std::string text;
  try {
    text = doc.dump();
  } catch (const json::exception& e) {
    FUZZ_CHECK(false, std::string("a row without violations is not JSON text: ") + e.what());
  }
  Decoded d = decode_event(text, Origin::submission);
  if (d.event) check_event_round_trip(*d.event);
}

}  // namespace
}  // namespace annals

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace annals;
  std::string_view text = fuzz::text_of(data, size);
  std::vector<std::string> header;
  bool first = true;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (first) {
      if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
      if (split_csv_line(line, header)) check_cells_round_trip(header);
      first = false;
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    import_row(header, line);
  }
  return 0;
}
