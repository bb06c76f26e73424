// The RocksDB store that holds Annals' views. The projector opens it as the primary (the
// only writer); the audit service opens it as a secondary instance that follows the
// primary's MANIFEST and WAL, so reads never block the writer.
//
// Column families:
//   offsets      "<topic>\0<partition>" -> next offset (u64): what the views reflect
//   events       event id (16 bytes) -> position + binary event: every accepted event, once
//   district_log district order key -> event id: a district's audit trail, in apply order
//   registry     district order key -> view entry: registry events that shape the roster
//                (schools, clusters; not facility censuses and purchases)
//   timelines    timeline key -> view entry: each entity's events (schools, clusters,
//                teachers, students), in apply order
//   retractions  event id -> recorded_at (u64) + district of the first retraction
//   contributions "<district>\0<kind><entity>" -> what a student, teacher or school
//                contributes to the figures of schools, as counted (history/figures.h)
//   figures      "<district>\0<school>\0<date>" -> every figure of the school from that
//                date on: a step function kept minimal (no step equals the one before), so
//                a school's figures on any date are one seek
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/statistics.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include "events/entities.h"
#include "events/event.h"
#include "services/views/keys.h"

namespace annals::views {

enum class Family : int { offsets, events, district_log, registry, timelines, retractions, contributions, figures };
inline constexpr const char* kFamilyNames[] = {"offsets",   "events",      "district_log",  "registry",
                                               "timelines", "retractions", "contributions", "figures"};

// A projected event as the views hold it: the event, and when (if ever) it was retracted.
struct ViewEntry {
  std::optional<Timestamp> retracted_at;
  Event event;
  // In force for a reader at recorded time `as_of`: recorded by then, not yet retracted.
  bool visible_at(Timestamp as_of) const {
    return *event.envelope.recorded_at <= as_of && !(retracted_at && *retracted_at <= as_of);
  }
};
std::string encode_view_entry(std::optional<Timestamp> retracted_at, std::string_view event_binary);
std::optional<ViewEntry> decode_view_entry(std::string_view bytes);

// The entities whose timelines hold `event`: every entity it is about, except that a
// teacher's or student's event names schools only as places (a school's timeline holds what
// the registry and finance say about it).
std::vector<EntityRef> timeline_entities(const Event& event);

// Every place the views keep `event` (at `pos`) as a view entry: the registry view for
// registry events, and the timeline of each of its timeline_entities.
std::vector<std::pair<Family, std::string>> view_keys(const Event& event, const LogPosition& pos);

struct PartitionOffset {
  std::string topic;
  std::int32_t partition;
  std::int64_t next_offset;
};

class ViewStore {
 public:
  // Opens (creating if needed) the store at `path` for writing. Throws std::runtime_error.
  static std::unique_ptr<ViewStore> open_primary(const std::string& path);
  // Opens the store at `path` read-only as a secondary; `secondary_path` holds the
  // secondary's own info log. Throws std::runtime_error when the primary has never run.
  static std::unique_ptr<ViewStore> open_secondary(const std::string& path,
                                                   const std::string& secondary_path);
  ~ViewStore();

  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* family(Family f) { return handles_[int(f) + 1]; }
  std::shared_ptr<rocksdb::Statistics> statistics() { return statistics_; }

  // Secondary only: replays what the primary wrote since the last call.
  // A secondary reads what the primary wrote since the last call. Each call replays the
  // primary's live log and rereads its manifest (milliseconds), so it is skipped, and false
  // returned, when none of the primary's log, manifest or CURRENT files changed since.
  bool catch_up();

  // The primary writes its memtables to files when they hold at least `min_bytes`, so that
  // the write-ahead log stays short: every secondary replays the whole live log on each
  // catch-up. Called when the projector goes idle, and (with 0) when the store closes.
  void flush_memtables(std::uint64_t min_bytes, bool wait);

  // Every partition's next offset as the store records it.
  std::vector<PartitionOffset> offsets();

  // A stored event by id, with its log position; nullopt when never projected.
  std::optional<std::pair<LogPosition, Event>> find_event(std::string_view event_id);

 private:
  ViewStore() = default;
  static rocksdb::Options options(const std::shared_ptr<rocksdb::Statistics>& statistics);
  static std::vector<rocksdb::ColumnFamilyDescriptor> families(const rocksdb::Options& base);
  std::shared_ptr<rocksdb::Statistics> statistics_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // [0] is the default family
  bool primary_ = false;
  std::string path_;
  std::uint64_t primary_signature_ = 0;  // of the primary's files at the last catch-up
  std::unique_ptr<rocksdb::DB> db_;
};

// Reads the views, optionally through a write batch not yet written (a publishing service
// checks a batch's later events against its earlier ones this way). Implicit from a store.
class Reader {
 public:
  Reader(ViewStore& store, rocksdb::WriteBatchWithIndex* overlay = nullptr) : store_(store), overlay_(overlay) {}
  ViewStore& store() { return store_; }
  // An iterator over `family`; iterate_upper_bound in `options` also bounds the overlay.
  std::unique_ptr<rocksdb::Iterator> iterator(Family family, const rocksdb::ReadOptions& options);
  bool get(Family family, std::string_view key, std::string& value);

 private:
  ViewStore& store_;
  rocksdb::WriteBatchWithIndex* overlay_;
};

}  // namespace annals::views
