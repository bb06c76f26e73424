// The on-disk format of the views (services/views/format.h).
#include "services/views/format.h"

#include <algorithm>
#include <bit>
#include <sstream>

#include <cereal/archives/binary.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "events/binary_codec.h"
#include "events/identifier.h"

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
// Dates and instants are biased so that byte order is numeric order for negative ones too.
constexpr std::uint32_t kDateBias = 0x80000000u;
constexpr std::uint64_t kTimeBias = 0x8000000000000000ull;
constexpr std::size_t kDateBytes = 4;
constexpr std::size_t kSeriesBytes = 3 + 8;  // section, measure, grade, value
void append_date(std::string& out, Date d) { append_u32(out, std::uint32_t(d.days) ^ kDateBias); }
Date read_date(std::string_view b) { return Date{std::int32_t(read_u32(b) ^ kDateBias)}; }
void append_time(std::string& out, Timestamp t) {
  append_u64(out, std::uint64_t(t.micros) ^ kTimeBias);
}
Timestamp read_time(std::string_view b) { return Timestamp{std::int64_t(read_u64(b) ^ kTimeBias)}; }
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
  append_date(k, effective);
  append_time(k, recorded);
  append_position(k, pos);
  return k;
}

bool parse_district_order_key(std::string_view key, DistrictOrder& out) {
  auto nul = key.find('\0');
  if (nul == std::string_view::npos || key.size() != nul + 1 + kDateBytes + 8 + kPositionBytes)
    return false;
  out.district = key.substr(0, nul);
  std::string_view rest = key.substr(nul + 1);
  out.effective = read_date(rest);
  out.recorded = read_time(rest.substr(kDateBytes));
  out.pos = read_position(rest.substr(kDateBytes + 8));
  return true;
}

std::string district_after_date(std::string_view district, Date date) {
  std::string k = district_prefix(district);
  append_date(k, Date{date.days + 1});
  return k;
}

std::string_view district_of_key(std::string_view key) { return key.substr(0, key.find('\0')); }

std::string past_district(std::string_view district) {
  std::string k(district);
  k.push_back('\x01');
  return k;
}

std::string entity_prefix(std::string_view district, EntityKind kind, std::string_view id) {
  std::string k = kind_prefix(district, kind);
  k.append(id);
  k.push_back('\0');
  return k;
}

std::string timeline_key(std::string_view district, EntityKind kind, std::string_view id,
                         Date effective, Timestamp recorded, const LogPosition& pos) {
  return entity_prefix(district, kind, id) + timeline_order(effective, recorded, pos);
}

std::string timeline_order(Date effective, Timestamp recorded, const LogPosition& pos) {
  std::string k;
  append_date(k, effective);
  append_time(k, recorded);
  append_position(k, pos);
  return k;
}

std::string entity_after_date(std::string_view district, EntityKind kind, std::string_view id,
                              Date date) {
  std::string k = entity_prefix(district, kind, id);
  append_date(k, Date{date.days + 1});
  return k;
}

std::string kind_prefix(std::string_view district, EntityKind kind) {
  std::string k = district_prefix(district);
  k.push_back(char(kind));
  return k;
}

std::string_view timeline_entity_id(std::string_view key, std::size_t prefix_size) {
  return key.substr(prefix_size, key.find('\0', prefix_size) - prefix_size);
}

std::string offset_key(std::string_view topic, std::int32_t partition) {
  std::string k(topic);
  k.push_back('\0');
  append_u32(k, std::uint32_t(partition));
  return k;
}

bool parse_offset_key(std::string_view key, std::string& topic, std::int32_t& partition) {
  auto nul = key.find('\0');
  if (nul == std::string_view::npos || key.size() != nul + 5) return false;
  topic = std::string(key.substr(0, nul));
  partition = std::int32_t(read_u32(key.substr(nul + 1)));
  return true;
}

std::optional<std::string> event_key(std::string_view uuid) {
  auto bytes = uuid_bytes(uuid);
  if (!bytes) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

std::string contributions_key(std::string_view district, const EntityRef& entity) {
  std::string k = kind_prefix(district, entity.kind);
  k += entity.id;
  return k;
}

std::string figures_prefix(std::string_view district, std::string_view school) {
  std::string k = district_prefix(district);
  k += school;
  k.push_back('\0');
  return k;
}

std::string figures_step_key(std::string_view prefix, Date date) {
  std::string k(prefix);
  append_u32(k, ~(std::uint32_t(date.days) ^ kDateBias));  // latest first
  return k;
}

bool is_figures_step(std::string_view key, std::string_view prefix) {
  return key.starts_with(prefix) && key.size() == prefix.size() + kDateBytes;
}

Date figures_step_date(std::string_view key, std::size_t prefix_size) {
  return Date{std::int32_t(~read_u32(key.substr(prefix_size)) ^ kDateBias)};
}

std::string encode_offset(std::int64_t next_offset) {
  std::string v;
  append_u64(v, std::uint64_t(next_offset));
  return v;
}

std::optional<std::int64_t> decode_offset(std::string_view value) {
  if (value.size() != 8) return std::nullopt;
  return std::int64_t(read_u64(value));
}

std::string encode_event_value(const LogPosition& pos, std::string_view event_binary) {
  std::string v;
  v.reserve(kPositionBytes + event_binary.size());
  append_position(v, pos);
  v += event_binary;
  return v;
}

std::optional<EventValue> parse_event_value(std::string_view value) {
  if (value.size() < kPositionBytes) return std::nullopt;
  return EventValue{read_position(value), value.substr(kPositionBytes)};
}

std::string encode_retraction(Timestamp first_retracted, std::string_view district) {
  std::string v;
  append_u64(v, std::uint64_t(first_retracted.micros));
  v += district;
  return v;
}

std::optional<Retraction> parse_retraction(std::string_view value) {
  if (value.size() < 8) return std::nullopt;
  return Retraction{Timestamp{std::int64_t(read_u64(value))}, value.substr(8)};
}

bool applies(std::string_view retraction_value, std::string_view district, Timestamp as_of) {
  auto r = parse_retraction(retraction_value);
  return r && r->district == district && r->first <= as_of;
}

std::string encode_view_entry(std::optional<Timestamp> retracted_at,
                              std::string_view event_binary) {
  std::string out;
  out.reserve(9 + event_binary.size());
  out.push_back(retracted_at ? 1 : 0);
  if (retracted_at) append_u64(out, std::uint64_t(retracted_at->micros));
  out.append(event_binary);
  return out;
}

std::optional<ViewEntry> decode_view_entry(std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  ViewEntry entry;
  std::size_t at = 1;
  if (bytes[0] == 1) {
    if (bytes.size() < 9) return std::nullopt;
    entry.retracted_at = Timestamp{std::int64_t(read_u64(bytes.substr(1)))};
    at = 9;
  }
  auto event = decode_binary(bytes.substr(at));
  if (!event || !event->envelope.recorded_at) return std::nullopt;
  entry.event = std::move(*event);
  return entry;
}

std::string encode_contributions(const std::vector<Contribution>& contributions) {
  std::ostringstream out;
  {
    cereal::BinaryOutputArchive ar(out);
    ar(contributions);
  }
  return out.str();
}

std::vector<Contribution> decode_contributions(std::string_view value) {
  std::vector<Contribution> out;
  std::istringstream in{std::string(value)};
  cereal::BinaryInputArchive ar(in);
  ar(out);
  return out;
}

std::string encode_figures(const Figures& figures) {
  std::string v;
  for (const auto& [series, n] : figures) {
    if (!n) continue;
    v.push_back(char(series.section));
    v.push_back(char(series.measure));
    v.push_back(char(series.grade));
    append_u64(v, std::uint64_t(n));
  }
  return v;
}

Figures decode_figures(std::string_view v) {
  Figures f;
  for (std::size_t i = 0; i + kSeriesBytes <= v.size(); i += kSeriesBytes) {
    Series s{Section(std::uint8_t(v[i])), Measure(std::uint8_t(v[i + 1])), std::uint8_t(v[i + 2])};
    auto n = std::int64_t(read_u64(v.substr(i + 3, 8)));
    if (f.empty() || std::prev(f.end())->first < s)
      f.append(s, n);  // encode_figures writes in series order
    else f[s] = n;
  }
  return f;
}

std::string merkle_node_key(std::string_view district, System log, int level, std::uint64_t index) {
  std::string k = district_prefix(district);
  k.push_back(char(log));
  k.push_back(char(std::uint8_t(level)));
  append_u64(k, index);
  return k;
}

std::string merkle_size_key(std::string_view district, System log) {
  std::string k = district_prefix(district);
  k.push_back(char(log));
  k.push_back(char(0xff));
  return k;
}

std::string encode_merkle_leaf(std::string_view hash, Timestamp through, std::string_view id) {
  std::string v(hash);
  append_time(v, through);
  v.append(id);
  return v;
}

std::optional<MerkleLeaf> parse_merkle_leaf(std::string_view value) {
  if (value.size() != kMerkleHashBytes + 8 + 16) return std::nullopt;
  return MerkleLeaf{value.substr(0, kMerkleHashBytes), read_time(value.substr(kMerkleHashBytes, 8)),
                    value.substr(kMerkleHashBytes + 8)};
}

std::string versions_prefix(std::string_view district, const EntityRef& entity, System part) {
  std::string k = contributions_key(district, entity);
  k.push_back('\0');
  k.push_back(char(part));
  return k;
}

std::string version_key(std::string_view prefix, Timestamp at) {
  std::string k(prefix);
  append_time(k, at);
  return k;
}

Timestamp version_time(std::string_view key, std::size_t prefix_size) {
  return read_time(key.substr(prefix_size, 8));
}

namespace {
// 2^c seconds in microseconds, for c up to 43: 2^43 s is past any span of the record (1900 to
// 2099 is under 2^33 s), so no change is in a class above 45 + 33 and none ahead above 33.
std::int64_t class_span(int c) { return (std::int64_t(1) << std::min(c, 43)) * 1'000'000; }
}  // namespace

std::uint8_t learned_class(Timestamp learned, Date date) {
  std::int64_t start = start_of_beijing_day(date).micros;
  if (learned.micros <= start)
    return std::uint8_t(std::bit_width(std::uint64_t(start - learned.micros) / 1'000'000u));
  return std::uint8_t(kAheadClasses +
                      std::bit_width(std::uint64_t(learned.micros - start) / 1'000'000u));
}

Timestamp learned_class_bound(std::uint8_t lag, Date date) {
  std::int64_t start = start_of_beijing_day(date).micros;
  if (lag < kAheadClasses)  // learned at least 2^(lag-1) seconds (0 for class 0) before a start
    return Timestamp{start - (lag == 0 ? 0 : class_span(lag - 1)) + 1};
  if (lag - kAheadClasses >= 43) return Timestamp::max();
  return Timestamp{start + class_span(lag - kAheadClasses)};
}

Timestamp learned_class_floor(std::uint8_t lag, Date date) {
  std::int64_t start = start_of_beijing_day(date).micros;
  if (lag < kAheadClasses) return Timestamp{start - class_span(lag)};
  return Timestamp{start};
}

std::string learned_prefix(std::string_view district, std::uint8_t lag) {
  std::string k = district_prefix(district);
  k.push_back(char(lag));
  return k;
}

std::string learned_from(std::string_view district, std::uint8_t lag, Timestamp learned) {
  std::string k = learned_prefix(district, lag);
  append_time(k, learned);
  return k;
}

std::string learned_key(std::string_view district, Timestamp learned, Date date,
                        std::string_view school, const Series& series) {
  std::string k = learned_prefix(district, learned_class(learned, date));
  append_time(k, learned);
  append_date(k, date);
  k.append(school);
  k.push_back('\0');
  k.push_back(char(series.section));
  k.push_back(char(series.measure));
  k.push_back(char(series.grade));
  return k;
}

std::optional<LearnedKey> parse_learned_key(std::string_view key, std::size_t prefix_size) {
  if (key.size() < prefix_size + 8 + kDateBytes + 1 + 3) return std::nullopt;
  std::string_view rest = key.substr(prefix_size);
  LearnedKey out;
  out.learned = read_time(rest);
  out.date = read_date(rest.substr(8));
  std::string_view tail = rest.substr(8 + kDateBytes);
  if (tail.size() < 4 || tail[tail.size() - 4] != '\0') return std::nullopt;
  out.school = tail.substr(0, tail.size() - 4);
  out.series = {Section(std::uint8_t(tail[tail.size() - 3])),
                Measure(std::uint8_t(tail[tail.size() - 2])), std::uint8_t(tail[tail.size() - 1])};
  return out;
}

std::vector<LearnedRange> learned_ranges(std::string_view district, Date from, Date to,
                                         Timestamp after, Timestamp before) {
  std::vector<LearnedRange> out;
  if (after == Timestamp::max()) return out;
  for (int c = 0; c < kLearnedClasses; ++c) {
    const auto lag = std::uint8_t(c);
    const Timestamp lo = std::max(after, learned_class_floor(lag, from));
    const Timestamp hi = std::min(before, learned_class_bound(lag, to));
    if (hi.micros <= lo.micros + 1) continue;
    out.push_back({district.size() + 2, learned_from(district, lag, Timestamp{lo.micros + 1}),
                   learned_from(district, lag, hi)});
  }
  return out;
}

std::string learned_log_key(std::string_view district, Timestamp recorded, Date date,
                            const LogPosition& pos) {
  std::string k = learned_from(district, learned_class(recorded, date), recorded);
  append_date(k, date);
  append_position(k, pos);
  return k;
}

std::optional<LearnedEvent> parse_learned_log(std::string_view key, std::size_t prefix_size,
                                              std::string_view value) {
  if (key.size() != prefix_size + 8 + kDateBytes + kPositionBytes || value.size() < 16)
    return std::nullopt;
  return LearnedEvent{read_time(key.substr(prefix_size)), read_date(key.substr(prefix_size + 8)),
                      read_position(key.substr(prefix_size + 8 + kDateBytes)), value.substr(0, 16),
                      value.substr(16)};
}

std::string learned_log_value(std::string_view id, std::string_view type) {
  std::string v(id);
  v.append(type);
  return v;
}

std::string event_count_key(std::string_view district, Date date, std::string_view type) {
  std::string k = district_prefix(district);
  append_date(k, date);
  k.append(type);
  return k;
}

bool parse_event_count_key(std::string_view key, std::size_t prefix_size, Date& date,
                           std::string_view& type) {
  if (key.size() <= prefix_size + kDateBytes) return false;
  date = read_date(key.substr(prefix_size));
  type = key.substr(prefix_size + kDateBytes);
  return true;
}

std::string encode_count(std::int64_t n) {
  std::string v;
  append_u64(v, std::uint64_t(n));
  return v;
}

std::int64_t decode_count(std::string_view value) {
  return value.size() == 8 ? std::int64_t(read_u64(value)) : 0;
}

std::vector<EntityRef> timeline_entities(const Event& event) {
  std::vector<EntityRef> out = entities_of(event.data);
  const System system = system_of(event.data);
  if (system == System::personnel || system == System::enrollment)
    std::erase_if(out, [](const EntityRef& ref) { return ref.kind == EntityKind::school; });
  return out;
}

std::vector<std::pair<Family, std::string>> view_keys(const Event& event, const LogPosition& pos) {
  std::vector<std::pair<Family, std::string>> out;
  const Envelope& e = event.envelope;
  // The registry family holds what shapes the roster, and the district's own facts (its
  // budgets, census and quotas: RegistryState::facts); facility censuses and purchases and
  // class counts (the bulk of registry events) reach the indicators through the school's
  // figures instead.
  const bool facilities = std::holds_alternative<SchoolFacilitiesSurveyed>(event.data) ||
                          std::holds_alternative<SchoolConstructionCompleted>(event.data) ||
                          std::holds_alternative<SchoolEquipmentPurchased>(event.data) ||
                          std::holds_alternative<SchoolClassesCounted>(event.data);
  const bool district_fact = std::holds_alternative<BudgetAppropriated>(event.data) ||
                             std::holds_alternative<DistrictDisabledChildrenCounted>(event.data) ||
                             std::holds_alternative<DistrictSeniorHighQuotaAllocated>(event.data);
  if ((system_of(event.data) == System::registry && !facilities) || district_fact)
    out.emplace_back(Family::registry,
                     district_order_key(e.district, e.effective_date, *e.recorded_at, pos));
  for (const auto& ref : timeline_entities(event))
    out.emplace_back(Family::timelines, timeline_key(e.district, ref.kind, ref.id, e.effective_date,
                                                     *e.recorded_at, pos));
  return out;
}

std::string registry_checkpoint_key(std::string_view district, Date date) {
  std::string k = district_prefix(district);
  append_date(k, date);
  return k;
}

std::optional<Date> registry_checkpoint_date(std::string_view key, std::size_t prefix_size) {
  if (key.size() != prefix_size + kDateBytes) return std::nullopt;
  return read_date(key.substr(prefix_size));
}

std::string encode_registry_checkpoint(Timestamp stamp, std::string_view state) {
  std::string v;
  append_time(v, stamp);
  v.append(state);
  return v;
}

std::optional<RegistryCheckpoint> parse_registry_checkpoint(std::string_view value) {
  if (value.size() < 8) return std::nullopt;
  return RegistryCheckpoint{read_time(value), value.substr(8)};
}

}  // namespace annals::views
