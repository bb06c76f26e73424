// Events from the tabular exports municipal systems already produce: one event per CSV row.
//
// Columns are the envelope's field names (id, type, schema_version, district,
// effective_date, source, correlation_id, source_recorded_at) and the payload's field names
// (school_id, name, stages, ...), in any order; columns a type does not have must be empty.
// Lists are separated by ';' ("primary;junior"); an empty cell is an absent optional field.
// The row becomes the same JSON document a producer would have sent, so it goes through
// exactly the same validation. Nested records (a split's new_schools) cannot be written in
// one row: such types are NDJSON-only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/json_codec.h"

namespace annals {

// One CSV field as RFC 4180 writes it: quoted when it holds a comma, quote or line break.
// Text that a spreadsheet would run as a formula (it starts with = + - @, a tab or a
// carriage return and is not a number), also after apostrophes of its own, is written after
// one more apostrophe, which spreadsheets show as text; csv_row_to_json removes that one.
std::string csv_cell(std::string_view text);

// Splits one CSV record (RFC 4180: quotes, doubled quotes, commas inside quotes). Returns
// false when a quoted field is not closed on this line.
bool split_csv_line(std::string_view line, std::vector<std::string>& fields);

// Builds the event document of one row; violations (pointer "/<column>") when a cell is not
// UTF-8, cannot be read as its field's type, or the type has no such field.
nlohmann::json csv_row_to_json(const std::vector<std::string>& header,
                               const std::vector<std::string>& row,
                               std::vector<Violation>& violations);

}  // namespace annals
