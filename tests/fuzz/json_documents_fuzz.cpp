// The request-body splitter (events/json_documents.h: one JSON object, an array of them, or
// NDJSON) on arbitrary bytes, each as NDJSON and as one JSON body, under the default bounds
// and under small ones (3 documents, depth 4, 4 KiB) that the fuzzer can reach. Beyond not
// crashing or throwing:
//   - a refusal is a 400 or a 413 with a bounded message; a body over max_bytes is a 413;
//   - otherwise there is at least one document, at most max_documents, with one error per
//     document, empty exactly when the document parsed, and every parsed document nested at
//     most max_depth levels;
//   - NDJSON gives one document per non-blank line, in order, each what parse_bounded gives
//     for that line;
//   - a JSON body gives what the parser gives for the whole body: its elements when it is
//     an array (then `batch`), the value itself otherwise;
//   - json_depth agrees with the depth of whatever the parser accepts (text without NUL
//     bytes: see check_depth).
#include <cstddef>
#include <cstdint>

#include "events/json_documents.h"
#include "tests/fuzz/fuzz_support.h"

namespace annals {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxMessageBytes = 512;

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

void check_split(std::string_view body, bool ndjson, const DocumentLimits& limits) {
  auto result = split_documents(body, ndjson, limits);
  std::string mode = ndjson ? "ndjson" : "json";
  if (auto* refused = std::get_if<DocumentsError>(&result)) {
    FUZZ_CHECK(refused->status == 400 || refused->status == 413, refused->message);
    FUZZ_CHECK(!refused->message.empty() && refused->message.size() <= kMaxMessageBytes,
               fuzz::excerpt(refused->message));
    return;
  }
  const Documents& docs = std::get<Documents>(result);
  FUZZ_CHECK(body.size() <= limits.max_bytes, mode + ": a body over max_bytes was accepted");
  FUZZ_CHECK(!docs.documents.empty() && docs.documents.size() <= limits.max_documents,
             mode + ": " + std::to_string(docs.documents.size()) + " documents");
  FUZZ_CHECK(docs.errors.size() == docs.documents.size(), mode);
  for (std::size_t i = 0; i < docs.documents.size(); ++i) {
    const json& d = docs.documents[i];
    FUZZ_CHECK(docs.errors[i].empty() == !d.is_discarded(), mode + ": " + docs.errors[i]);
    FUZZ_CHECK(docs.errors[i].size() <= kMaxMessageBytes, fuzz::excerpt(docs.errors[i]));
    if (!d.is_discarded())
      FUZZ_CHECK(fuzz::depth_of(d) <= limits.max_depth,
                 mode + ": document " + std::to_string(i) + " nested " +
                     std::to_string(fuzz::depth_of(d)) + " levels");
  }
  if (ndjson) {
    FUZZ_CHECK(docs.batch, "NDJSON is always a batch");
    std::size_t k = 0;
    for (std::size_t start = 0; start < body.size();) {
      std::size_t end = std::min(body.find('\n', start), body.size());
      std::string_view line = body.substr(start, end - start);
      start = end + 1;
      if (blank(line)) continue;
      FUZZ_CHECK(k < docs.documents.size(), "fewer documents than non-blank lines");
      std::string error;
      json expected = parse_bounded(line, limits.max_depth, error);
      FUZZ_CHECK(docs.errors[k] == error, docs.errors[k] + " | " + error);
      if (!expected.is_discarded()) FUZZ_CHECK(docs.documents[k] == expected, fuzz::excerpt(line));
      ++k;
    }
    FUZZ_CHECK(k == docs.documents.size(), "more documents than non-blank lines");
    return;
  }
  json whole = json::parse(body.begin(), body.end(), nullptr, false);
  FUZZ_CHECK(!whole.is_discarded(), "an accepted body the parser refuses: " + fuzz::excerpt(body));
  FUZZ_CHECK(docs.batch == whole.is_array(), fuzz::excerpt(body));
  if (whole.is_array()) FUZZ_CHECK(json(docs.documents) == whole, fuzz::excerpt(body));
  else FUZZ_CHECK(docs.documents.size() == 1 && docs.documents[0] == whole, fuzz::excerpt(body));
}

void check_depth(std::string_view text) {
  // nlohmann's parser takes a NUL byte for the end of the input (it reads `[]\0[[[` as `[]`)
  // while json_depth scans past it; parse_bounded refuses any NUL (events/json_documents.cpp),
  // so text with one is not compared.
  if (text.find('\0') != std::string_view::npos) return;
  json parsed = json::parse(text.begin(), text.end(), nullptr, false);
  if (parsed.is_discarded()) return;
  std::size_t real = fuzz::depth_of(parsed);
  for (std::size_t stop : {std::size_t(2), std::size_t(16)}) {
    std::size_t scanned = json_depth(text, stop);
    std::string detail = std::to_string(scanned) + " vs " + std::to_string(real);
    if (real <= stop) FUZZ_CHECK(scanned == real, detail);
    else FUZZ_CHECK(scanned > stop, detail);
  }
}

}  // namespace
}  // namespace annals

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace annals;
  std::string_view body = fuzz::text_of(data, size);
  const DocumentLimits small{.max_documents = 3, .max_depth = 4, .max_bytes = 4096};
  for (bool ndjson : {true, false}) {
    check_split(body, ndjson, DocumentLimits{});
    check_split(body, ndjson, small);
  }
  check_depth(body);
  return 0;
}
