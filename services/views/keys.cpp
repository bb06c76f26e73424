#include "services/views/keys.h"

namespace annals::views {

void append_u32(std::string& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(char((v >> s) & 0xff));
}
void append_u64(std::string& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(char((v >> s) & 0xff));
}
std::uint32_t read_u32(std::string_view b) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | std::uint8_t(b[i]);
  return v;
}
std::uint64_t read_u64(std::string_view b) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | std::uint8_t(b[i]);
  return v;
}

namespace {
constexpr std::uint32_t kDateBias = 0x80000000u;
constexpr std::uint64_t kTimeBias = 0x8000000000000000ull;
std::uint32_t biased(Date d) { return std::uint32_t(d.days) ^ kDateBias; }
std::uint64_t biased(Timestamp t) { return std::uint64_t(t.micros) ^ kTimeBias; }
}  // namespace

void append_position(std::string& out, const LogPosition& pos) {
  out.push_back(char(pos.topic));
  append_u32(out, std::uint32_t(pos.partition));
  append_u64(out, std::uint64_t(pos.offset));
}

LogPosition read_position(std::string_view b) {
  return LogPosition{System(std::uint8_t(b[0])), std::int32_t(read_u32(b.substr(1))),
                     std::int64_t(read_u64(b.substr(5)))};
}

std::string district_prefix(std::string_view district) {
  std::string k(district);
  k.push_back('\0');
  return k;
}

std::string district_order_key(std::string_view district, Date effective, Timestamp recorded,
                               const LogPosition& pos) {
  std::string k = district_prefix(district);
  append_u32(k, biased(effective));
  append_u64(k, biased(recorded));
  append_position(k, pos);
  return k;
}

bool parse_district_order_key(std::string_view key, DistrictOrder& out) {
  auto nul = key.find('\0');
  if (nul == std::string_view::npos || key.size() != nul + 1 + 4 + 8 + kPositionBytes) return false;
  out.district = key.substr(0, nul);
  std::string_view rest = key.substr(nul + 1);
  out.effective = Date{std::int32_t(read_u32(rest) ^ kDateBias)};
  out.recorded = Timestamp{std::int64_t(read_u64(rest.substr(4)) ^ kTimeBias)};
  out.pos = read_position(rest.substr(12));
  return true;
}

std::string district_after_date(std::string_view district, Date date) {
  std::string k = district_prefix(district);
  append_u32(k, biased(Date{date.days + 1}));
  return k;
}

std::string entity_prefix(std::string_view district, char kind, std::string_view id) {
  std::string k = district_prefix(district);
  k.push_back(kind);
  k.append(id);
  k.push_back('\0');
  return k;
}

std::string timeline_key(std::string_view district, char kind, std::string_view id, Date effective,
                         Timestamp recorded, const LogPosition& pos) {
  std::string k = entity_prefix(district, kind, id);
  append_u32(k, biased(effective));
  append_u64(k, biased(recorded));
  append_position(k, pos);
  return k;
}

std::string entity_after_date(std::string_view district, char kind, std::string_view id, Date date) {
  std::string k = entity_prefix(district, kind, id);
  append_u32(k, biased(Date{date.days + 1}));
  return k;
}

std::string offset_key(std::string_view topic, std::int32_t partition) {
  std::string k(topic);
  k.push_back('\0');
  append_u32(k, std::uint32_t(partition));
  return k;
}

}  // namespace annals::views
