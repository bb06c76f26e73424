// The binary codec (events/binary_codec.h, how events are kept in RocksDB) on arbitrary
// bytes, as a corrupt or hostile store would hand them over. Beyond not crashing, throwing
// or allocating without bound (the run sets -malloc_limit_mb far below what an unbounded
// length prefix would ask for):
//   - bytes that decode give an event whose encoding decodes to the same event, and that
//     encoding is a fixed point (encoding the event decoded from it gives it again);
//   - the event can be written as JSON, as the audit service writes every stored event it
//     answers with (strings that are not UTF-8 make that throw a json::type_error: allowed).
//     KNOWN, reported, not checked: Timestamp::to_string (events/time.cpp) overflows a signed
//     integer for an instant less than INT64_MIN + 999999 microseconds, which only corrupt
//     bytes can hold; such events skip this check until it is fixed there.
#include <cstddef>
#include <cstdint>
#include <limits>

#include "events/binary_codec.h"
#include "events/json_codec.h"
#include "tests/fuzz/fuzz_support.h"

namespace annals {
namespace {

// Finds a timestamp that Timestamp::to_string cannot write (see KNOWN above).
struct ExtremeTimestamp {
  bool found = false;
  template <class M>
  void operator()(const char*, const M& member, const Rule&) { check(member); }
  template <class M>
  void check(const M& m) {
    if constexpr (std::is_same_v<M, Timestamp>) {
      found = found || m.micros < std::numeric_limits<std::int64_t>::min() + 999'999;
    } else if constexpr (is_optional<M>::value) {
      if (m) check(*m);
    } else if constexpr (is_vector<M>::value) {
      for (const auto& item : m) check(item);
    } else if constexpr (Described<M>) {
      M::fields(m, *this);
    }
  }
};

bool has_extreme_timestamp(const Event& e) {
  ExtremeTimestamp finder;
  finder.check(e.envelope);
  std::visit([&](const auto& payload) { finder.check(payload); }, e.data);
  return finder.found;
}

}  // namespace
}  // namespace annals

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace annals;
  auto event = decode_binary(fuzz::text_of(data, size));
  if (!event) return 0;
  std::string bytes = encode_binary(*event);
  auto again = decode_binary(bytes);
  FUZZ_CHECK(again.has_value(), "the encoding of a decoded event does not decode");
  FUZZ_CHECK(*again == *event, "the encoding of a decoded event decodes to another event");
  FUZZ_CHECK(encode_binary(*again) == bytes, "encoding is not a fixed point");
  if (has_extreme_timestamp(*event)) return 0;
  try {
    (void)encode_event(*event);
  } catch (const nlohmann::json::type_error&) {
  }
  return 0;
}
