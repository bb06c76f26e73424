// The event contract's bounds: what a value may be before anything is stored or echoed.
// One file owns them; the JSON decoder (events/json_codec.cpp) enforces them and the JSON
// Schema generator (events/schema.cpp) publishes them, so a producer's own validator and
// the platform agree. Each maximum is above any real figure of a Chinese county or city by
// at least an order of magnitude, and low enough that no sum the views keep can overflow
// (docs/contract.md, "Bounds of the contract").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/time.h"

namespace annals {

// Free text (names, reasons, cities): 1-200 characters, none of them a control character
// (C0, DEL, C1) or a bidirectional control (U+061C, U+200E, U+200F, U+202A-U+202E,
// U+2066-U+2069), which could hide or reorder what a terminal or a page shows.
inline constexpr std::size_t kMaxTextChars = 200;

// The effective and recorded dates the record accepts: 1900-01-01 to 2099-12-31 (schools in the
// record were founded before 1950).
inline constexpr int kFirstYear = 1900;
inline constexpr int kLastYear = 2099;
inline const Date kFirstDate = Date::from_ymd(kFirstYear, 1, 1);  // the record's first day
inline constexpr const char* kWindowMessage = "must be between 1900-01-01 and 2099-12-31";

// Money and counts (the maxima of the contract's integer fields).
inline constexpr std::int64_t kMaxAllocationFen = 1'000'000'000'000;  // 10 billion yuan
inline constexpr std::int64_t kMaxBudgetFen = 100'000'000'000'000;    // 1 trillion yuan
inline constexpr std::int64_t kMaxEquipmentFen = 100'000'000'000;     // 1 billion yuan
inline constexpr std::int64_t kMaxClassrooms = 10'000;
inline constexpr std::int64_t kMaxClasses = 1'000;  // in one grade of one school
inline constexpr std::int64_t kMaxClassSize = 200;  // pupils in one class
inline constexpr std::int64_t kMaxDistrictChildren = 10'000'000;
inline constexpr std::int64_t kMaxComputers = 1'000'000;
inline constexpr std::int64_t kMaxBooks = 100'000'000;
// Areas: at most 10 km² per school and event, held as hundredths of m².
inline constexpr std::int64_t kMaxAreaCenti = 10'000'000'00;

// Violations listed for one event; the rest are counted ("violations_omitted").
inline constexpr std::size_t kMaxViolations = 50;

// Characters as JSON Schema counts them (code points of valid UTF-8).
std::size_t code_points(std::string_view s);

// The first forbidden character of free text, as "U+XXXX"; nullopt when there is none.
// `s` is valid UTF-8 (the JSON parser checked it).
std::optional<std::string> first_forbidden_char(std::string_view s);

// True when the date (or the instant's UTC date) lies in the record's window.
bool in_record_window(Date d);
bool in_record_window(Timestamp t);

// `s` with every forbidden character written as \uXXXX (the JSON and ECMA-262 escape), cut
// after `max_chars` characters (then "...").
std::string escape_forbidden(std::string_view s, std::size_t max_chars = SIZE_MAX);

// Outside text made safe to quote in an answer or a terminal: escape_forbidden, at most 64
// characters.
std::string excerpt(std::string_view s);

// The regular expression (ECMA-262, as JSON Schema uses) of free text without forbidden
// characters, for the published schemas.
extern const char* const kFreeTextPattern;

}  // namespace annals
