// The JSON event decoder (events/json_codec.h) on arbitrary bytes, as a submission and as a
// record from the log. Beyond not crashing:
//   - `event` is set exactly when there is no violation; at most kMaxViolations are listed
//     and none is counted as omitted when none is listed;
//   - every violation's pointer and message are bounded and valid UTF-8 (they are answered
//     as JSON and written to logs);
//   - a decoded event is at its type's current schema version, and encoding it then
//     decoding that (same origin) gives the same event, whose encoding is the same text;
//   - its binary form (events/binary_codec.h) decodes to the same event.
#include <cstddef>
#include <cstdint>

#include "events/binary_codec.h"
#include "events/bounds.h"
#include "events/json_codec.h"
#include "tests/fuzz/fuzz_support.h"

namespace annals {
namespace {

constexpr std::size_t kMaxQuoteBytes = 1024;  // far above any message the decoder writes

std::string describe(const Decoded& d) {
  std::string out;
  for (const auto& v : d.violations) out += "[" + v.pointer + "] " + v.message + "; ";
  return fuzz::excerpt(out, 600);
}

void check_violations(const Decoded& d) {
  FUZZ_CHECK(d.event.has_value() == d.violations.empty(), describe(d));
  FUZZ_CHECK(d.violations.size() <= kMaxViolations, describe(d));
  FUZZ_CHECK(!d.violations.empty() || d.omitted == 0, describe(d));
  for (const auto& v : d.violations) {
    FUZZ_CHECK(fuzz::valid_utf8(v.pointer) && fuzz::valid_utf8(v.message),
               fuzz::excerpt(v.pointer + " " + v.message));
    FUZZ_CHECK(v.pointer.size() <= kMaxQuoteBytes && v.message.size() <= kMaxQuoteBytes,
               fuzz::excerpt(v.pointer + " " + v.message));
  }
}

void check_round_trip(const Event& event, Origin origin) {
  std::int64_t version =
      std::visit([](const auto& p) -> std::int64_t { return std::decay_t<decltype(p)>::kVersion; },
                 event.data);
  FUZZ_CHECK(event.envelope.schema_version == version, type_name(event.data));
  std::string once = encode_event(event);
  Decoded again = decode_event(once, origin);
  FUZZ_CHECK(again.event.has_value(),
             "encoding does not decode: " + fuzz::excerpt(once, 2000) + " -> " + describe(again));
  FUZZ_CHECK(*again.event == event,
             "encoding decodes to another event: " + fuzz::excerpt(once, 2000));
  FUZZ_CHECK(encode_event(*again.event) == once, fuzz::excerpt(once, 2000));

  auto stored = decode_binary(encode_binary(event));
  FUZZ_CHECK(stored.has_value() && *stored == event,
             "binary round trip: " + fuzz::excerpt(once, 2000));
}

}  // namespace
}  // namespace annals

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace annals;
  std::string_view text = fuzz::text_of(data, size);
  for (Origin origin : {Origin::submission, Origin::log}) {
    Decoded d = decode_event(text, origin);
    check_violations(d);
    if (d.event) check_round_trip(*d.event, origin);
  }
  return 0;
}
