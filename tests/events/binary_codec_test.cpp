#include "events/binary_codec.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "support/arbitrary_event.h"

namespace annals {
namespace {

RC_GTEST_PROP(BinaryCodec, EveryTypeRoundTripsUnchanged, (std::uint64_t seed)) {
  for_each_payload_type([&]<class T>(std::type_identity<T>) {
    Event e = testing::arbitrary_event<T>(seed);
    auto back = decode_binary(encode_binary(e));
    RC_ASSERT(back.has_value());
    RC_ASSERT(*back == e);
  });
}

TEST(BinaryCodec, EncodingIsDeterministic) {
  Event e = testing::arbitrary_event<SchoolMerged>(42);
  EXPECT_EQ(encode_binary(e), encode_binary(e));
}

TEST(BinaryCodec, TruncatedOrCorruptBytesAreRefusedNotThrown) {
  std::string bytes = encode_binary(testing::arbitrary_event<SchoolOpened>(7));
  for (std::size_t n = 0; n < bytes.size(); n += 3)
    EXPECT_FALSE(decode_binary(std::string_view(bytes).substr(0, n))) << n;
  std::string wrong_type = bytes;
  wrong_type[12] = 'X';  // the type name, after the layout version and its length
  EXPECT_FALSE(decode_binary(wrong_type));
}

}  // namespace
}  // namespace annals
