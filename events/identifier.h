// The two shapes of identifier in the contract: event ids (UUIDs, producer-chosen) and
// entity ids (opaque, stable: districts, schools, clusters, teachers, students).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace annals {

// 8-4-4-4-12 hexadecimal digits, either case.
bool is_uuid(std::string_view s);

// 1-64 characters of A-Z a-z 0-9 . _ : - , the first a letter or digit.
bool is_identifier(std::string_view s);

// The 16 bytes of a UUID (for compact keys); nullopt when not a UUID.
std::optional<std::array<std::uint8_t, 16>> uuid_bytes(std::string_view s);

// A name-based UUID (version 8 layout, FNV-derived) from a namespace string and a name:
// the same inputs always give the same id. For demo and generated data, not for security.
std::string uuid_from_name(std::string_view space, std::string_view name);

inline constexpr const char* kUuidPattern =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
inline constexpr const char* kIdentifierPattern = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$";

}  // namespace annals
