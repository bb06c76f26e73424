// The binary form of events (cereal): how events are kept in RocksDB. Compact, versioned
// (a cereal class version for the layout, the schema version for the payload), and
// decodable after the catalogue grows.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "events/event.h"

namespace annals {

// Appends the binary form of `event` to `out`.
void encode_binary(const Event& event, std::string& out);
std::string encode_binary(const Event& event);

// Decodes what encode_binary wrote (this or an earlier layout version). nullopt when the
// bytes are truncated or corrupt; never throws.
std::optional<Event> decode_binary(std::string_view bytes);

}  // namespace annals
