// The RocksDB store that holds Annals' views, and the only ways to read and write it. The
// projector opens it as the primary (the only writer) and writes through a Batch; the audit
// service opens it as a secondary instance that follows the primary's MANIFEST and WAL, so
// reads never block the writer. Every read goes through a Reader.
//
// What each column family holds, and every key and value layout: services/views/format.h.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/statistics.h>

#include "events/entities.h"
#include "events/event.h"
#include "services/views/format.h"
#include "services/views/staged_writes.h"

namespace annals::views {

struct PartitionOffset {
  std::string topic;
  std::int32_t partition;
  std::int64_t next_offset;
};

// A stored event: the event, and where it sits in the log.
struct StoredEvent {
  LogPosition pos;
  Event event;
};

class Batch;

class ViewStore {
 public:
  // Opens (creating if needed) the store at `path` for writing; a new store is stamped with
  // kFormatVersion (format.h). Throws std::runtime_error, saying to rebuild, when the store
  // holds views of another format.
  static std::unique_ptr<ViewStore> open_primary(const std::string& path);
  // Opens the store at `path` read-only as a secondary; `secondary_path` holds the
  // secondary's own info log. Throws std::runtime_error when the primary has never run, or
  // when the store holds views of another format.
  static std::unique_ptr<ViewStore> open_secondary(const std::string& path,
                                                   const std::string& secondary_path);
  ~ViewStore();

  std::shared_ptr<rocksdb::Statistics> statistics() { return statistics_; }
  // A RocksDB integer property of one family ("rocksdb.estimate-num-keys", ...); nullopt
  // when RocksDB does not know it.
  std::optional<std::uint64_t> int_property(Family family, const std::string& name);

  // Primary only: writes everything `batch` staged, atomically (the views and the offsets
  // that cover them change together), and empties it. A failed write leaves the views as
  // they were and the batch as it was.
  rocksdb::Status write(Batch& batch);
  // Primary only: as write(), but leaves `batch` as it is, so that another thread may read
  // through it meanwhile (a batch staged on top of it, Batch's `beneath`).
  rocksdb::Status write_staged(const Batch& batch);

  // Secondary only: reads what the primary wrote since the last call, so that this instance
  // shows everything in the primary's files as they were when the call began. Each catch-up
  // replays the primary's live log and rereads its manifest (milliseconds), so it is skipped
  // when none of the primary's log, manifest or CURRENT files changed since the last one
  // (read_through() says which files those were). Not OK when the catch-up failed, or the
  // primary's directory could not be listed; the instance then shows what it showed.
  rocksdb::Status catch_up();

  // Secondary only: a signature of the primary's files (names, sizes, modification times) as
  // of the last successful catch_up(). Two instances of one primary with the same signature
  // show the same state, and one whose signature is that of the files now shows everything.
  std::uint64_t read_through() const { return primary_signature_; }

  // The primary writes its memtables to files when they hold at least `min_bytes`, so that
  // the write-ahead log stays short: every secondary replays the whole live log on each
  // catch-up. Called when the projector goes idle, and (with 0) when the store closes.
  void flush_memtables(std::uint64_t min_bytes, bool wait);

  // Primary only: flushes, then compacts every family into its last level, so that a read
  // consults one sorted run per family instead of every level and level-0 file a write-heavy
  // rebuild leaves (a figures seek on a fresh Beijing-scale rebuild went through five). Run
  // once when a rebuild has caught up, before the store is served; takes about a tenth of
  // the rebuild. Throws std::runtime_error when RocksDB fails.
  void compact();

  // Every partition's next offset as the store records it (Reader::offsets).
  std::vector<PartitionOffset> offsets();

  // A stored event by id, with its log position; nullopt when never projected.
  std::optional<std::pair<LogPosition, Event>> find_event(std::string_view event_id);

 private:
  friend class Reader;
  friend class Batch;
  ViewStore() = default;
  rocksdb::ColumnFamilyHandle* handle(Family f) { return handles_[std::size_t(f) + 1]; }
  static rocksdb::Options options(const std::shared_ptr<rocksdb::Statistics>& statistics);
  // This build's families, then any other the store at `path` holds (one of another format,
  // opened so that its stamp can be read and the store refused with the reason).
  static std::vector<rocksdb::ColumnFamilyDescriptor> families(const rocksdb::Options& base,
                                                               const std::string& path);
  std::shared_ptr<rocksdb::Statistics> statistics_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // [0] is the default family
  bool primary_ = false;
  std::string path_;
  std::uint64_t primary_signature_ = 0;  // of the primary's files at the last catch-up
  std::unique_ptr<rocksdb::DB> db_;
};

// Reads the views, optionally through a batch not yet written (the projector reads a
// batch's earlier records this way, and a publishing service checks a request's later
// events against its earlier ones). Cheap to copy; implicit from a store. Reads that fail
// for any reason but absence throw std::runtime_error: an error is never taken for absence.
class Reader {
 public:
  Reader(ViewStore& store) : store_(store) {}  // NOLINT(google-explicit-constructor)
  Reader(Batch& batch);                        // NOLINT(google-explicit-constructor)
  ViewStore& store() { return store_; }

  // An iterator over `family`; iterate_upper_bound in `options` also bounds the batch's own
  // writes (the iterator is invalid at or past it). Seeking past it is the caller's mistake.
  std::unique_ptr<rocksdb::Iterator> iterator(Family family, const rocksdb::ReadOptions& options);
  // The value of `key` in `family` into `value`; false when there is none.
  bool get(Family family, std::string_view key, std::string& value);

  // The event stored under `key` (format.h: event_key); nullopt when none is, or when the
  // stored bytes do not decode.
  std::optional<StoredEvent> event_at_key(std::string_view key);
  // The event with id `uuid` (text form); nullopt when never projected.
  std::optional<StoredEvent> event(std::string_view uuid);
  // When the event stored under `key` was first retracted, for a reader of `district` at
  // recorded time `as_of` (format.h: applies); nullopt when it was not by then.
  std::optional<Timestamp> retracted_at(std::string_view key, std::string_view district,
                                        Timestamp as_of);

  // Every partition's next offset as the views record it: how far they reflect the log.
  std::vector<PartitionOffset> offsets();
  // Every district with at least one event, in key order: with a key in `in`, a family whose
  // keys begin with the district (format.h: district_prefix).
  std::vector<std::string> districts(Family in = Family::district_log);
  // True when `district` has at least one event.
  bool has_district(std::string_view district);
  // The log position of the district's first event in apply order; nullopt when it has none.
  std::optional<LogPosition> first_position(std::string_view district);

 private:
  ViewStore& store_;
  const Batch* overlay_ = nullptr;
};

// The projector's write path: puts and deletes staged in memory (the latest under a key
// wins), readable through a Reader before they are written, and written at once by
// ViewStore::write (services/views/staged_writes.h).
//
// A batch may be staged on top of another (`beneath`) that ViewStore::write_staged writes on
// another thread meanwhile: its reads see its own writes, then those of the batch beneath,
// then the store, so staging the next batch need not wait for the write of the one before
// (services/projector/projector.cpp). `beneath` must stay unchanged until detach(), called
// once its write has succeeded.
class Batch {
 public:
  explicit Batch(ViewStore& store, const Batch* beneath = nullptr)
      : store_(store), beneath_(beneath) {}
  ViewStore& store() { return store_; }
  void put(Family family, std::string_view key, std::string_view value);
  void remove(Family family, std::string_view key);
  // True when nothing is staged.
  bool empty() const;
  // Stops reading through the batch beneath: it is in the store now.
  void detach() { beneath_ = nullptr; }

 private:
  friend class Reader;
  friend class ViewStore;
  // Stages `value` under `key`, or its removal (nullopt), replacing what was staged there.
  void stage(Family family, std::string_view key, std::optional<std::string_view> value);
  ViewStore& store_;
  const Batch* beneath_;
  std::array<StagedWrites, kFamilies> staged_;  // by Family
};

}  // namespace annals::views
