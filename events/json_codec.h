// The JSON form of events: the public wire format of the event contract.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "events/event.h"

namespace annals {

// One reason a document is not a valid event, at the JSON pointer (RFC 6901) of the
// offending value ("" is the whole document).
struct Violation {
  std::string pointer;
  std::string message;
  // Machine-readable reason: "invalid" for the contract, a domain rule's name otherwise
  // (teacher_not_at_school, school_not_open, ...).
  std::string code = "invalid";
  bool operator==(const Violation&) const = default;
};

// Where a document comes from. A submission (from a producer) must not carry recorded_at,
// which the platform sets; a record from the log must carry it.
enum class Origin { submission, log };

struct Decoded {
  std::optional<Event> event;         // set exactly when violations is empty
  std::vector<Violation> violations;  // the first kMaxViolations found, in document order
  std::size_t omitted = 0;            // violations found past those (counted, not listed)
};

// Decodes and validates one event document against the contract and its bounds
// (events/bounds.h), upcasting an older schema_version of its type to the current one.
// Never throws; malformed JSON, invalid UTF-8 and nesting deeper than
// DocumentLimits::max_depth (events/json_documents.h) are violations at "". A violation's
// pointer and message quote at most a bounded, escaped excerpt of the input.
Decoded decode_event(std::string_view json, Origin origin);
Decoded decode_event(const nlohmann::json& doc, Origin origin);
inline Decoded decode_event(const std::string& json, Origin origin) {
  return decode_event(std::string_view(json), origin);
}

// The log's record of a submission: `submitted` (the document `event` was decoded from with
// Origin::submission) as its producer sent it, at its schema version, with the platform's
// recorded_at `at` added. Sets event.envelope.recorded_at to `at`, after which
// decode_event(record, Origin::log) gives back exactly `event` (tests/events/schema_test.cpp):
// a publishing service stages the event it checked instead of decoding its record again.
std::string logged_record(const nlohmann::json& submitted, Event& event, Timestamp at);

// The canonical JSON of an event at the current schema version of its type: compact, keys
// in lexicographic order, optional fields omitted when absent. Decoding it gives back `event`.
std::string encode_event(const Event& event);
nlohmann::json event_to_json(const Event& event);

// Current schema version of an event type; 0 when the type is unknown.
int current_version(std::string_view type);

}  // namespace annals
