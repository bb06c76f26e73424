// The binary codec (events/binary_codec.h, how events are kept in RocksDB) on arbitrary
// bytes, as a corrupt or hostile store would hand them over. Beyond not crashing, throwing
// or allocating without bound (the run sets -malloc_limit_mb far below what an unbounded
// length prefix would ask for):
//   - bytes that decode give an event whose encoding decodes to the same event, and that
//     encoding is a fixed point (encoding the event decoded from it gives it again);
//   - the event can be written as JSON, as the audit service writes every stored event it
//     answers with (strings that are not UTF-8 make that throw a json::type_error: allowed).
//     decode_binary refuses dates and instants outside the record's window, so every
//     decoded event can be written.
#include <cstddef>
#include <cstdint>

#include "events/binary_codec.h"
#include "events/json_codec.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace annals;
  auto event = decode_binary(fuzz::text_of(data, size));
  if (!event) return 0;
  std::string bytes = encode_binary(*event);
  auto again = decode_binary(bytes);
  FUZZ_CHECK(again.has_value(), "the encoding of a decoded event does not decode");
  FUZZ_CHECK(*again == *event, "the encoding of a decoded event decodes to another event");
  FUZZ_CHECK(encode_binary(*again) == bytes, "encoding is not a fixed point");
  try {
    (void)encode_event(*event);
  } catch (const nlohmann::json::type_error&) {}
  return 0;
}
