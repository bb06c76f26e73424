#include "events/json_documents.h"

#include <algorithm>

namespace annals {
namespace {

using nlohmann::json;

// What one pass over raw JSON text learns before it is parsed.
struct Shape {
  std::size_t depth = 0;      // deepest nesting (capped just past the limit)
  std::size_t top_items = 0;  // values in a top-level array (0 when it is not one)
};

Shape scan(std::string_view text, std::size_t stop_after) {
  Shape shape;
  std::size_t depth = 0;
  bool in_string = false, escaped = false, top_array = false, item_open = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (depth == 0 && c == '[') top_array = true;
        if (depth == 1 && top_array && !item_open) ++shape.top_items, item_open = true;
        if (++depth > shape.depth) shape.depth = depth;
        if (shape.depth > stop_after) return shape;
        continue;
      case ']':
      case '}':
        if (depth > 0) --depth;
        continue;
      case ',':
        if (depth == 1) item_open = false;
        continue;
      case ' ':
      case '\t':
      case '\r':
      case '\n': continue;
      default: break;
    }
    if (depth == 1 && top_array && !item_open) ++shape.top_items, item_open = true;
  }
  return shape;
}

// The parser's message, bounded: it can quote the token it stopped at, which may be long.
std::string bounded_reason(std::string what) {
  constexpr std::size_t kMax = 200;
  if (what.size() > kMax) {
    std::size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(what[cut]) & 0xC0) == 0x80) --cut;
    what.resize(cut);
    what += "...";
  }
  // ASCII only: the parser quotes the bytes it stopped at, which may be invalid UTF-8 or an
  // escape sequence, and the reason goes into answers, logs and Kafka headers.
  for (char& c : what)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) c = '?';
  return what;
}

std::string too_deep(std::size_t max_depth) {
  return "nested deeper than " + std::to_string(max_depth) + " levels of arrays and objects";
}

}  // namespace

std::size_t json_depth(std::string_view text, std::size_t stop_after) {
  return scan(text, stop_after).depth;
}

json parse_bounded(std::string_view text, std::size_t max_depth, std::string& error) {
  error.clear();
  // JSON text has no raw NUL, not even in a string; nlohmann's parser would take one for the
  // end of the input and read `[]\0garbage` as `[]`.
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    error = "not valid JSON: a NUL byte at offset " + std::to_string(nul);
    return json(json::value_t::discarded);
  }
  if (json_depth(text, max_depth) > max_depth) {
    error = "an event is " + too_deep(max_depth);
    return json(json::value_t::discarded);
  }
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    error = "not valid JSON: " + bounded_reason(e.what());
  }
  return json(json::value_t::discarded);
}

std::variant<Documents, DocumentsError> split_documents(std::string_view body, bool ndjson,
                                                        const DocumentLimits& limits) {
  if (body.size() > limits.max_bytes)
    return DocumentsError{413,
                          "the body is larger than " + std::to_string(limits.max_bytes) + " bytes"};
  const std::string too_many =
      "a request holds at most " + std::to_string(limits.max_documents) + " events";
  Documents out;
  std::string error;
  if (ndjson) {
    out.batch = true;
    auto blank = [](std::string_view line) {
      return line.find_first_not_of(" \t\r") == std::string_view::npos;
    };
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start < body.size();) {
      std::size_t end = std::min(body.find('\n', start), body.size());
      std::string_view line = body.substr(start, end - start);
      start = end + 1;
      if (blank(line)) continue;
      if (lines.size() == limits.max_documents) return DocumentsError{413, too_many};
      lines.push_back(line);
    }
    if (lines.empty()) return DocumentsError{400, "the batch is empty"};
    for (std::string_view line : lines) {
      out.documents.push_back(parse_bounded(line, limits.max_depth, error));
      out.errors.push_back(error);
    }
    return out;
  }
  // An array holds the documents one level down: each may nest max_depth levels.
  Shape shape = scan(body, limits.max_depth + 1);
  bool array = body.find_first_not_of(" \t\r\n") != std::string_view::npos &&
               body[body.find_first_not_of(" \t\r\n")] == '[';
  if (shape.depth > limits.max_depth + (array ? 1 : 0))
    return DocumentsError{400, "an event is " + too_deep(limits.max_depth)};
  if (shape.top_items > limits.max_documents) return DocumentsError{413, too_many};
  json doc = parse_bounded(body, limits.max_depth + 1, error);
  if (doc.is_discarded()) return DocumentsError{400, error};
  out.batch = doc.is_array();
  if (out.batch && doc.empty()) return DocumentsError{400, "the batch is empty"};
  if (!out.batch) doc = json::array({std::move(doc)});
  for (auto& d : doc) {
    out.documents.push_back(std::move(d));
    out.errors.emplace_back();
  }
  return out;
}

}  // namespace annals
