// The on-disk format of the views: every column family, every key and every value layout.
// This file is their one owner; nothing else lays out or parses a stored byte.
//
// Do not change these layouts or the values of the enums they store: they are on disk, and a
// store built by one version is read by the next. A change of format is a new family or a
// new value layout, and a rebuild from the log (docs/architecture.md, "The storage format").
// tests/projector/demo_city_views_test.cpp holds the checksum of the demo city's views.
//
// Integers are big-endian, and biased where they may be negative, so that byte order is
// numeric order. District ids never contain '\0', which ends the district part of a key and
// is where the prefix extractors cut (services/views/view_store.cpp).
//
//   family         key                                         value
//   offsets        "<topic>\0" partition:u32                   next offset:u64
//   events         event id (16 bytes of the UUID)             position + binary event
//   district_log   district order key                          event id (16 bytes)
//   registry       district order key                          view entry
//   timelines      timeline key                                view entry
//   retractions    event id (16 bytes)                         first recorded_at:u64 + district
//   contributions  "<district>\0" kind:char "<entity id>"      a school: cereal
//   vector<Contribution>;
//                                                               a student or teacher: the fold of
//                                                               its timeline (PersonFold, below)
//   figures        "<district>\0<school>\0" ~date:u32          (section, measure, grade, n:u64)*
//   versions       contributions key "\0" part:u8 recorded_at:u64  cereal vector<Contribution>
//   learned        learned key                                 n:u64
//   event_counts   "<district>\0" date:u32 "<event type>"       n:u64
//   learned_log    learned log key                             event id (16 bytes) "<event type>"
//   registry_checkpoints  "<district>\0" date:u32                stamp:u64 + cereal RegistryState
//   merkle_nodes   "<district>\0" log:u8 level:u8 index:u64     node hash (32 bytes); at level 0
//                  (levels 0 and >= kFirstStoredMerkleLevel)    + through:u64 + event id (16)
//                  "<district>\0" log:u8 0xff                   the log's size:u64
//
//   position            topic:u8 (System) partition:u32 offset:u64        (13 bytes)
//   district order key  "<district>\0" date:u32 recorded_at:u64 position   (apply order)
//   timeline key        "<district>\0" kind:char "<id>\0" date:u32 recorded_at:u64 position
//   view entry          0 | 1 retracted_at:u64, then the binary event (events/binary_codec.h)
//   learned key         "<district>\0" lag:u8 recorded_at:u64 date:u32 "<school>\0" section:u8
//                       measure:u8 grade:u8
//   learned log key     "<district>\0" lag:u8 recorded_at:u64 date:u32 position
//
// versions and learned are the figures on the recorded clock (services/history/README.md,
// "Both clocks without a fold"): an entity's contributions change at each recorded time of
// its history (a version: what changed then, removed contributions with negated values), and
// each version adds to `learned`, per school, series and date, the change of the figures
// from that date on, learned at that time, kept under the lag class of (recorded time, date).
// learned_log files every event the same way, so that the events recorded on one side of a
// time about dates on the other (the causes of an as-recorded diff) are read, not walked.
//
// A student's or teacher's contributions are kept as the fold of their timeline: its record,
// its contributions so far and where the fold stands (the last entry's timeline key past the
// entity prefix, the latest recorded_at, whether any entry is retracted), in the cereal layout
// that services/history/figures.h owns (PersonFold, encode_person_fold), so that the projector
// folds an event appended to the timeline into it without reading the timeline.
//
// registry_checkpoints hold the roster folded from the registry family: on each 1 January
// after the district's first registry entry up to its last, the RegistryState of every entry
// in force effective before that day, on current knowledge (services/history/registry_state.h
// owns its cereal layout), stamped with the latest recorded or retraction time among the
// entries it folded. A reader at a recorded time on or after the stamp may start from it.
//
// merkle_nodes hold the verifiable log of each district (services/transparency/
// transparency_log.h, docs/verifiable-log.md): one Merkle tree per district and topic (a
// "log", by System), its leaves the district's accepted events in the topic's offset order;
// the hash of every leaf and of every complete subtree of at least 2^kFirstStoredMerkleLevel
// leaves (the few levels between are hashed from the leaves when read: they would double the
// writes of an append for a few leaf reads per root or proof), by level and index, each leaf
// with the latest recorded_at
// among the leaves up to it ("through", never decreasing: the size of a log as it was at a
// recorded time is found by bisection) and its event's id. An event's leaf is found by
// bisection too, on the positions of the leaves' events (a log is in offset order).
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/entities.h"
#include "events/event.h"
#include "services/views/series.h"

namespace annals::views {

// ---- Format ---------------------------------------------------------------------------

// The format of the views this build writes and reads, stamped in a new store under the
// default family's key kFormatKey (u32). A store of another format, or one written before the
// stamp (format 1), is refused when opened: project the log into a fresh store.
//   2: the learned family's 90 lag classes (ahead and late) and learned_log (issue 14).
//   3: registry_checkpoints (issue 14).
//   4: the figures' step dates inverted, latest first (issue 14).
//   5: merkle_nodes and merkle_leaves, the verifiable log (issue 15).
//   6: merkle_nodes without levels 1 to kFirstStoredMerkleLevel - 1, and no merkle_leaves
//      (issue 15).
//   7: the measures classes, largest_class and entry_admissions; the district's facts
//      (budgets, disabled children's census, senior-high quotas) in the registry family and
//      its checkpoints (issue 18).
//   8: a student's or teacher's contributions kept as the fold of their timeline (issue 16).
inline constexpr std::uint32_t kFormatVersion = 8;
inline constexpr std::string_view kFormatKey = "format";

// ---- Column families ------------------------------------------------------------------

// Append only: a family is opened by its name, and its position indexes the store's handles.
enum class Family : int {
  offsets,
  events,
  district_log,
  registry,
  timelines,
  retractions,
  contributions,
  figures,
  versions,
  learned,
  event_counts,
  learned_log,
  registry_checkpoints,
  merkle_nodes,
};
inline constexpr const char* kFamilyNames[] = {"offsets",
                                               "events",
                                               "district_log",
                                               "registry",
                                               "timelines",
                                               "retractions",
                                               "contributions",
                                               "figures",
                                               "versions",
                                               "learned",
                                               "event_counts",
                                               "learned_log",
                                               "registry_checkpoints",
                                               "merkle_nodes"};
inline constexpr int kFamilies = int(std::size(kFamilyNames));
static_assert(kFamilies == int(Family::merkle_nodes) + 1,
              "a family without a name, or a name too many");
static_assert(std::string_view(kFamilyNames[int(Family::events)]) == "events");
static_assert(std::string_view(kFamilyNames[int(Family::retractions)]) == "retractions");
static_assert(std::string_view(kFamilyNames[int(Family::figures)]) == "figures");

// Enum values the keys and values store. Do not change them: they are on disk.
static_assert(std::uint8_t(System::registry) == 0 && std::uint8_t(System::personnel) == 1 &&
              std::uint8_t(System::enrollment) == 2 && std::uint8_t(System::finance) == 3 &&
              std::uint8_t(System::platform) == 4);
static_assert(char(EntityKind::school) == 's' && char(EntityKind::cluster) == 'c' &&
              char(EntityKind::teacher) == 't' && char(EntityKind::student) == 'p');
static_assert(std::uint8_t(Section::primary) == 0 && std::uint8_t(Section::whole) == 2);
static_assert(std::uint8_t(Measure::students) == 0 && std::uint8_t(Measure::floor_area) == 9 &&
              std::uint8_t(Measure::operating_funds) == 15 &&
              std::uint8_t(Measure::subsidy_funds) == 19 && std::uint8_t(kLastMeasure) == 26);

// ---- Integers -------------------------------------------------------------------------

// Appends `v` big-endian (4 or 8 bytes).
void append_u32(std::string& out, std::uint32_t v);
void append_u64(std::string& out, std::uint64_t v);
// Reads a big-endian integer from the first 4 or 8 bytes; the caller checks the size.
std::uint32_t read_u32(std::string_view bytes);
std::uint64_t read_u64(std::string_view bytes);

// ---- Log positions --------------------------------------------------------------------

// Where a record sits in the log: its topic (by source system), partition and offset. Events
// of one date and one recorded_at apply in this order.
struct LogPosition {
  System topic = System::registry;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  auto operator<=>(const LogPosition&) const = default;
};

inline constexpr std::size_t kPositionBytes = 13;
// Appends the kPositionBytes of `pos`.
void append_position(std::string& out, const LogPosition& pos);
// Reads a position from the first kPositionBytes; the caller checks the size.
LogPosition read_position(std::string_view bytes);

// ---- Keys -----------------------------------------------------------------------------

// "<district>\0": the prefix of every district-scoped key.
std::string district_prefix(std::string_view district);

// "<district>\0<effective date><recorded_at><position>": the order in which a district's
// events apply (docs/domain.md, "Apply order": by effective date, then recorded_at, then
// log position). The key of the district_log and registry families.
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

// Smallest district order key of `district` with effective date > `date`: the end of "on or
// before date".
std::string district_after_date(std::string_view district, Date date);

// The district a district-scoped key belongs to: its bytes up to the first '\0'.
std::string_view district_of_key(std::string_view key);
// The smallest key past every key of `district` ("<district>\1"): where the next district's
// keys start, for skipping from district to district.
std::string past_district(std::string_view district);

// "<district>\0<kind><entity id>\0": the prefix of one entity's timeline.
std::string entity_prefix(std::string_view district, EntityKind kind, std::string_view id);

// "<entity prefix><effective date><recorded_at><position>": an entity's timeline in apply order.
// The part after the entity prefix is timeline_order's.
std::string timeline_key(std::string_view district, EntityKind kind, std::string_view id,
                         Date effective, Timestamp recorded, const LogPosition& pos);

// "<effective date><recorded_at><position>": where an entry stands in any entity's timeline
// (its timeline key past the entity prefix), in the same byte order.
std::string timeline_order(Date effective, Timestamp recorded, const LogPosition& pos);

// Smallest timeline key of the entity with effective date > `date`.
std::string entity_after_date(std::string_view district, EntityKind kind, std::string_view id,
                              Date date);

// "<district>\0<kind>": the prefix of every timeline of one kind of entity in a district.
std::string kind_prefix(std::string_view district, EntityKind kind);
// The entity id of a timeline key that starts with kind_prefix (of `prefix_size` bytes).
std::string_view timeline_entity_id(std::string_view key, std::size_t prefix_size);

// "<topic>\0<partition>": the offsets family's key.
std::string offset_key(std::string_view topic, std::int32_t partition);
// Parses an offsets key; false when the bytes are not one.
bool parse_offset_key(std::string_view key, std::string& topic, std::int32_t& partition);

// The events and retractions families' key: the 16 bytes of a UUID in text form; nullopt
// when `uuid` is not one.
std::optional<std::string> event_key(std::string_view uuid);

// "<district>\0<kind><entity id>": the contributions family's key.
std::string contributions_key(std::string_view district, const EntityRef& entity);

// "<district>\0<school>\0": the prefix of one school's figures steps.
std::string figures_prefix(std::string_view district, std::string_view school);
// "<figures prefix><date>": the key of the step that starts on `date`. The date is stored
// inverted (the bitwise not of the biased date), so a school's steps run latest first and the
// step in force on a date is the first key at or after that date's: one forward Seek
// (RocksDB's SeekForPrev, which the ascending layout needed, cost twice as much).
std::string figures_step_key(std::string_view prefix, Date date);
// True when `key` is a step key of the school whose prefix is `prefix`.
bool is_figures_step(std::string_view key, std::string_view prefix);
// The date a step key of `prefix` starts on.
Date figures_step_date(std::string_view key, std::size_t prefix_size);

// contributions_key(district, entity) + "\0" + part: the prefix of every version of the part
// of the entity's history that system `part` writes (a school's facilities are the
// registry's, its funds the finance system's).
std::string versions_prefix(std::string_view district, const EntityRef& entity, System part);
// The versions family's key: the entity's version at recorded time `at`.
std::string version_key(std::string_view prefix, Timestamp at);
// The recorded time of a version key of `prefix` (of `prefix_size` bytes).
Timestamp version_time(std::string_view key, std::size_t prefix_size);

// The class of a change learned at `learned` about `date` (whose first microsecond in
// Beijing is `start`), by how far ahead of or behind its date it was learned:
//   ahead (learned <= start): class bit_width(whole seconds from `learned` to `start`), so a
//     change of ahead class c was learned less than 2^c seconds before `start`;
//   late (learned > start): class kAheadClasses + bit_width(whole seconds from `start` to
//     `learned`), so a change of late class kAheadClasses + c was learned less than 2^c
//     seconds after `start`.
// A question "learned after T about dates up to D" or "learned by T about dates after D"
// then reads, per class, only the window of recorded times its class allows
// (learned_class_bound, learned_class_floor): services/history/README.md.
std::uint8_t learned_class(Timestamp learned, Date date);
inline constexpr int kAheadClasses = 45;  // bit_width of an int64 count of seconds: 0..44
inline constexpr int kLearnedClasses = 2 * kAheadClasses;
// The latest recorded time (exclusive) at which a change of class `lag` about a date on or
// before `date` can have been learned (saturated at Timestamp::max()).
Timestamp learned_class_bound(std::uint8_t lag, Date date);
// The earliest recorded time (exclusive) after which a change of class `lag` about a date on
// or after `date` can have been learned.
Timestamp learned_class_floor(std::uint8_t lag, Date date);
// "<district>\0" lag: the prefix of one lag class's changes in a district.
std::string learned_prefix(std::string_view district, std::uint8_t lag);
// learned_prefix(district, lag) + `learned`: where the class's changes learned at or after
// `learned` begin.
std::string learned_from(std::string_view district, std::uint8_t lag, Timestamp learned);
// The learned family's key.
std::string learned_key(std::string_view district, Timestamp learned, Date date,
                        std::string_view school, const Series& series);
// A learned key taken apart; nullopt when the bytes after `prefix_size` are not one.
struct LearnedKey {
  Timestamp learned;
  Date date;
  std::string_view school;  // into the key
  Series series;
};
std::optional<LearnedKey> parse_learned_key(std::string_view key, std::size_t prefix_size);

// The key ranges [begin, end) of the learned (or learned_log) family that hold every change
// of `district` about a date in [from, to] learned in (after, before): one per lag class
// whose window is not empty, each holding besides only changes of its class learned in that
// window (about dates near [from, to]); the caller checks each key's date.
struct LearnedRange {
  std::size_t prefix_size;
  std::string begin, end;
};
std::vector<LearnedRange> learned_ranges(std::string_view district, Date from, Date to,
                                         Timestamp after, Timestamp before);

// The learned_log family's key: the event at `pos`, about `date`, recorded at `recorded`,
// under its lag class (learned_class); its prefixes are learned_prefix and learned_from's.
std::string learned_log_key(std::string_view district, Timestamp recorded, Date date,
                            const LogPosition& pos);
struct LearnedEvent {
  Timestamp recorded;
  Date date;
  LogPosition pos;
  std::string_view id;    // the events family's key, into the value
  std::string_view type;  // into the value
};
// A learned_log entry taken apart; nullopt when the bytes are not one.
std::optional<LearnedEvent> parse_learned_log(std::string_view key, std::size_t prefix_size,
                                              std::string_view value);
// The learned_log family's value: the event's id key (16 bytes) and its type name.
std::string learned_log_value(std::string_view id, std::string_view type);

// The event_counts family's key: how many events of `type` the district has effective on
// `date` (recorded, retracted or not).
std::string event_count_key(std::string_view district, Date date, std::string_view type);
// The date and type of an event_counts key of the district whose prefix has `prefix_size`
// bytes; false when the bytes are not one.
bool parse_event_count_key(std::string_view key, std::size_t prefix_size, Date& date,
                           std::string_view& type);

// The registry_checkpoints family's key: the checkpoint of `district` on `date`.
std::string registry_checkpoint_key(std::string_view district, Date date);
// The date of a registry_checkpoints key whose district prefix has `prefix_size` bytes;
// nullopt when the bytes are not one.
std::optional<Date> registry_checkpoint_date(std::string_view key, std::size_t prefix_size);

// The merkle_nodes family's key of node (level, index) of the district's log of `log` (a
// topic's system), and of the log's size.
std::string merkle_node_key(std::string_view district, System log, int level, std::uint64_t index);
std::string merkle_size_key(std::string_view district, System log);

// ---- Values ---------------------------------------------------------------------------

// offsets: the next offset to read.
std::string encode_offset(std::int64_t next_offset);
std::optional<std::int64_t> decode_offset(std::string_view value);

// events: where the event sits in the log, then the event in the binary codec.
std::string encode_event_value(const LogPosition& pos, std::string_view event_binary);
struct EventValue {
  LogPosition pos;
  std::string_view binary;  // into the decoded bytes
};
// Parses an events value; nullopt when it is shorter than a position.
std::optional<EventValue> parse_event_value(std::string_view value);

// retractions: when the event was first retracted, and by a retraction of which district.
std::string encode_retraction(Timestamp first_retracted, std::string_view district);
struct Retraction {
  Timestamp first;
  std::string_view district;  // into the decoded bytes
};
std::optional<Retraction> parse_retraction(std::string_view value);
// The one rule every reader of a retraction follows: a stored retraction retracts an event
// of `district` for a reader at recorded time `as_of` when it came from that district and
// was recorded by then. A retraction from another district is void.
bool applies(std::string_view retraction_value, std::string_view district, Timestamp as_of);

// registry and timelines: a projected event as the views hold it, and when (if ever) it was
// retracted.
struct ViewEntry {
  std::optional<Timestamp> retracted_at;
  Event event;
  // In force for a reader at recorded time `as_of`: recorded by then, not yet retracted.
  bool visible_at(Timestamp as_of) const {
    return *event.envelope.recorded_at <= as_of && !(retracted_at && *retracted_at <= as_of);
  }
};
std::string encode_view_entry(std::optional<Timestamp> retracted_at, std::string_view event_binary);
// Nullopt when the bytes are not a view entry of an event with a recorded_at.
std::optional<ViewEntry> decode_view_entry(std::string_view bytes);

// contributions: everything an entity contributes to the figures, in order.
std::string encode_contributions(const std::vector<Contribution>& contributions);
std::vector<Contribution> decode_contributions(std::string_view value);

// learned: a signed count, 8 bytes.
std::string encode_count(std::int64_t n);
std::int64_t decode_count(std::string_view value);

// figures: every non-zero series of the school from the step's date on, 11 bytes each.
std::string encode_figures(const Figures& figures);
Figures decode_figures(std::string_view value);

// registry_checkpoints: the stamp, then the state's bytes.
std::string encode_registry_checkpoint(Timestamp stamp, std::string_view state);
struct RegistryCheckpoint {
  Timestamp stamp;
  std::string_view state;  // into the value
};
// Nullopt when the value is shorter than a stamp.
std::optional<RegistryCheckpoint> parse_registry_checkpoint(std::string_view value);

// merkle_nodes: a leaf, its node hash (32 bytes) then through and the event's id key; a node
// above the leaves is only its hash; a size is a u64 (encode_count's layout, unsigned).
inline constexpr std::size_t kMerkleHashBytes = 32;
// The lowest level of inner nodes merkle_nodes holds: a node of a level below it (of 2 to 8
// leaves) is hashed from its leaves when read.
inline constexpr int kFirstStoredMerkleLevel = 4;
std::string encode_merkle_leaf(std::string_view hash, Timestamp through, std::string_view id);
struct MerkleLeaf {
  std::string_view hash;  // into the value
  Timestamp through;
  std::string_view id;  // into the value
};
// Nullopt when the value is not a leaf's.
std::optional<MerkleLeaf> parse_merkle_leaf(std::string_view value);

// ---- Where an event is kept -----------------------------------------------------------

// The entities whose timelines hold `event`: every entity it is about, except that a
// teacher's or student's event names schools only as places (a school's timeline holds what
// the registry and finance say about it).
std::vector<EntityRef> timeline_entities(const Event& event);

// Every place the views keep `event` (at `pos`) as a view entry: the registry family for
// registry events that shape the roster, and the timeline of each of its timeline_entities.
std::vector<std::pair<Family, std::string>> view_keys(const Event& event, const LogPosition& pos);

}  // namespace annals::views
