// Key layouts of the RocksDB views. Integers are big-endian (and biased where they may be
// negative) so that byte order is numeric order; district ids never contain '\0', which
// ends the district part of a key and is what the prefix extractor cuts at.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "events/enums.h"
#include "events/time.h"

namespace annals::views {

// Where a record sits in the log: its topic (by source system), partition and offset. Events
// of one date and one recorded_at apply in this order.
struct LogPosition {
  System topic = System::registry;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  auto operator<=>(const LogPosition&) const = default;
};

inline constexpr std::size_t kPositionBytes = 13;
void append_position(std::string& out, const LogPosition& pos);
LogPosition read_position(std::string_view bytes);  // the first kPositionBytes

void append_u32(std::string& out, std::uint32_t v);
void append_u64(std::string& out, std::uint64_t v);
std::uint32_t read_u32(std::string_view bytes);
std::uint64_t read_u64(std::string_view bytes);

// "<district>\0": the prefix of every district-scoped key.
std::string district_prefix(std::string_view district);

// "<district>\0<effective date><recorded_at><position>": the order in which a district's
// events apply (DOMAIN.md: by effective date, then recorded_at, then log position).
std::string district_order_key(std::string_view district, Date effective, Timestamp recorded,
                               const LogPosition& pos);

struct DistrictOrder {
  std::string_view district;
  Date effective;
  Timestamp recorded;
  LogPosition pos;
};
// Parses a district_order_key; false when the bytes are not one.
bool parse_district_order_key(std::string_view key, DistrictOrder& out);

// Smallest key of `district` with effective date > `date`: the end of "on or before date".
std::string district_after_date(std::string_view district, Date date);

// "<district>\0<kind><entity id>\0": the prefix of one entity's timeline.
std::string entity_prefix(std::string_view district, char kind, std::string_view id);

// "<entity prefix><effective date><recorded_at><position>": an entity's timeline in apply order.
std::string timeline_key(std::string_view district, char kind, std::string_view id, Date effective,
                         Timestamp recorded, const LogPosition& pos);

// Smallest timeline key of the entity with effective date > `date`.
std::string entity_after_date(std::string_view district, char kind, std::string_view id, Date date);

// "<topic>\0<partition>": the offsets view.
std::string offset_key(std::string_view topic, std::int32_t partition);

}  // namespace annals::views
