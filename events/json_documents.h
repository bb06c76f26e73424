// How a body of outside JSON becomes event documents, within explicit bounds: one JSON
// object, a JSON array of objects, or NDJSON (one object per line). The bounds are checked
// on the raw bytes before anything is parsed, so a hostile body costs one linear scan:
//
//   - nesting deeper than max_depth is refused (nlohmann's copy and dump recurse, so a
//     document 500,000 levels deep would overflow the stack);
//   - more than max_documents documents are refused before any is parsed;
//   - a body over max_bytes is refused.
//
// Used by the publishing services (services/publisher), `annals import` and the JSON event
// decoder itself (events/json_codec.h checks the depth of every record it reads from Kafka).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace annals {

// The contract's bounds on one request body (docs/contract.md, "Bounds of the contract").
struct DocumentLimits {
  std::size_t max_documents = 100000;  // events in one request
  std::size_t max_depth = 16;          // nesting of one event document (a batch adds one)
  std::size_t max_bytes = 64u << 20;   // the body
};

struct Documents {
  bool batch = false;  // an array or NDJSON: the answer is one result per document
  // One per document, in order; a document that did not parse is a discarded json
  // (is_discarded()) with the reason in `errors` at the same index ("" when it parsed).
  std::vector<nlohmann::json> documents;
  std::vector<std::string> errors;
};

// Why a whole body was refused: 400 (not JSON, too deep, empty batch) or 413 (too large,
// too many documents); `message` never quotes the body.
struct DocumentsError {
  int status;
  std::string message;
};

// Splits `body` (NDJSON when `ndjson`, otherwise one JSON value) into documents. An NDJSON
// line that is not JSON, or nested too deep, is a discarded document with its reason; the
// same in a single body or an array is a DocumentsError. Blank NDJSON lines are skipped.
// Never throws.
std::variant<Documents, DocumentsError> split_documents(std::string_view body, bool ndjson,
                                                        const DocumentLimits& limits = {});

// The deepest nesting of arrays and objects in `text` (strings skipped, escapes honoured);
// stops counting once past `stop_after`, returning a value over it. Malformed text gives
// the depth of what was read: the parser reports the syntax error.
std::size_t json_depth(std::string_view text, std::size_t stop_after);

// Parses one JSON value of at most `max_depth` nesting. On failure returns a discarded
// json and sets `error` to the reason (the parser's own words, or the depth bound).
nlohmann::json parse_bounded(std::string_view text, std::size_t max_depth, std::string& error);

}  // namespace annals
