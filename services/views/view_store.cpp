// Opening, configuring, reading and writing the views store (services/views/view_store.h).
#include "services/views/view_store.h"

#include <algorithm>
#include <cassert>
#include <filesystem>
#include <stdexcept>

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include "events/binary_codec.h"
#include "events/entities.h"
#include "events/identifier.h"

namespace annals::views {
namespace {

// Cuts a key after its `parts`-th NUL, so that prefix seeks and prefix bloom filters work per
// part: DistrictPrefix (1) is "<district>\0", EntityPrefix (2) is "<district>\0<entity>\0",
// one entity's timeline or one school's figures, so that the projector's timeline reads and
// the audit's per-school seeks skip every file holding nothing of the entity (iterating
// across entities then needs total_order_seek).
class NulPrefix : public rocksdb::SliceTransform {
 public:
  NulPrefix(const char* name, int parts) : name_(name), parts_(parts) {}
  const char* Name() const override { return name_; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    std::size_t n = prefix_size(key);
    return n ? rocksdb::Slice(key.data(), n)
             : key;  // not in the domain: RocksDB asks InDomain first
  }
  bool InDomain(const rocksdb::Slice& key) const override { return prefix_size(key) != 0; }

 private:
  std::size_t prefix_size(const rocksdb::Slice& key) const {
    std::size_t at = 0;
    for (int i = 0; i < parts_; ++i) {
      const void* nul = at < key.size() ? memchr(key.data() + at, 0, key.size() - at) : nullptr;
      if (!nul) return 0;
      at = std::size_t(static_cast<const char*>(nul) - key.data()) + 1;
    }
    return at;
  }
  const char* name_;
  int parts_;
};

void check(const rocksdb::Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.ToString());
}

// Refuses views of another format than this build's (format.h: kFormatVersion); stamps a new
// store when `stamp` (the primary). `handles` are the store's, the default family first.
void check_format(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                  const std::string& path, bool stamp) {
  std::string value;
  rocksdb::Status s = db.Get(rocksdb::ReadOptions(), handles[0],
                             rocksdb::Slice(kFormatKey.data(), kFormatKey.size()), &value);
  std::uint32_t found = 1;  // no stamp: a new store, or one written before stamps
  if (s.ok() && value.size() == 4) found = read_u32(value);
  else if (!s.IsNotFound())
    check(s.ok() ? rocksdb::Status::Corruption("format stamp") : s,
          "reading the format of " + path);
  if (s.ok() && found == kFormatVersion) return;
  std::unique_ptr<rocksdb::Iterator> it(
      db.NewIterator(rocksdb::ReadOptions(), handles[std::size_t(Family::offsets) + 1]));
  it->SeekToFirst();
  if (s.IsNotFound() && !it->Valid()) {  // nothing projected yet: a new store
    if (!stamp) return;
    std::string v;
    append_u32(v, kFormatVersion);
    check(db.Put(rocksdb::WriteOptions(), handles[0],
                 rocksdb::Slice(kFormatKey.data(), kFormatKey.size()), v),
          "stamping the format of " + path);
    return;
  }
  throw std::runtime_error("view store " + path + " holds views of format " +
                           std::to_string(found) + "; this build reads format " +
                           std::to_string(kFormatVersion) +
                           ": project the log into a fresh store (annals-projector --store NEW_DIR "
                           "--exit-when-caught-up), then serve that (README.md, \"Rebuild\")");
}

}  // namespace

rocksdb::Options ViewStore::options(const std::shared_ptr<rocksdb::Statistics>& statistics) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.IncreaseParallelism(2);
  o.max_open_files = 512;
  o.compression = rocksdb::kLZ4Compression;
  o.bottommost_compression = rocksdb::kZSTD;
  o.statistics = statistics;
  o.keep_log_file_num = 4;
  // Memory is bounded whatever the history: every family's memtables together flush past
  // 256 MB, and every family's blocks share one 256 MB cache (the defaults are 128 MB of
  // memtables and a cache of its own per family: over 1 GB for these nine families).
  o.db_write_buffer_size = 256u << 20;
  o.max_total_wal_size = 128u << 20;  // past it, the families holding the oldest log flush
  return o;
}

static std::shared_ptr<rocksdb::Cache> shared_block_cache() {
  static std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(256u << 20);
  return cache;
}

std::vector<rocksdb::ColumnFamilyDescriptor> ViewStore::families(const rocksdb::Options& base,
                                                                 const std::string& path) {
  std::vector<rocksdb::ColumnFamilyDescriptor> out;
  out.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(base));
  for (const char* name : kFamilyNames) {
    rocksdb::ColumnFamilyOptions cf(base);
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.block_cache = shared_block_cache();
    std::string n = name;
    if (n == "district_log" || n == "registry") {
      cf.prefix_extractor = std::make_shared<NulPrefix>("annals.DistrictPrefix", 1);
      table.whole_key_filtering = false;
    } else if (n == "timelines" || n == "figures") {
      cf.prefix_extractor = std::make_shared<NulPrefix>("annals.EntityPrefix", 2);
      table.whole_key_filtering = false;
    }
    // contributions: point lookups by entity only, so whole-key filters (the default).
    if (n == "events" || n == "retractions" || n == "contributions" ||
        n == "merkle_nodes") {  // point lookups by key: RocksDB's OptimizeForPointLookup, on the
                                // shared cache
      table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
      table.data_block_hash_table_util_ratio = 0.75;
      cf.memtable_prefix_bloom_size_ratio = 0.02;
      cf.memtable_whole_key_filtering = true;
    } else if (cf.prefix_extractor) {
      cf.memtable_prefix_bloom_size_ratio = 0.02;
    } else if (n == "versions" || n == "learned" || n == "event_counts") {
      // Also read by key on every event the projector applies, mostly keys it has not written
      // yet: a memtable bloom answers those misses without searching the memtable.
      cf.memtable_prefix_bloom_size_ratio = 0.02;
      cf.memtable_whole_key_filtering = true;
    }
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    out.emplace_back(n, cf);
  }
  std::vector<std::string> held;
  if (rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(base), path, &held).ok())
    for (const auto& name : held)
      if (std::none_of(out.begin(), out.end(), [&](const auto& d) { return d.name == name; }))
        out.emplace_back(name, rocksdb::ColumnFamilyOptions(base));
  return out;
}

std::unique_ptr<ViewStore> ViewStore::open_primary(const std::string& path) {
  std::unique_ptr<ViewStore> store(new ViewStore);
  store->statistics_ = rocksdb::CreateDBStatistics();
  rocksdb::Options o = options(store->statistics_);
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  check(rocksdb::DB::Open(rocksdb::DBOptions(o), path, families(o, path), &handles, &db),
        "opening view store " + path);
  store->db_.reset(db);
  store->handles_ = handles;
  store->path_ = path;
  check_format(*db, handles, path, true);
  store->primary_ = true;  // opened: its memtables flush on close
  return store;
}

std::unique_ptr<ViewStore> ViewStore::open_secondary(const std::string& path,
                                                     const std::string& secondary_path) {
  std::unique_ptr<ViewStore> store(new ViewStore);
  store->statistics_ = rocksdb::CreateDBStatistics();
  rocksdb::Options o = options(store->statistics_);
  o.max_open_files = -1;  // required of a secondary instance
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  check(rocksdb::DB::OpenAsSecondary(rocksdb::DBOptions(o), path, secondary_path, families(o, path),
                                     &handles, &db),
        "opening view store " + path + " as a secondary");
  store->db_.reset(db);
  store->handles_ = handles;
  store->path_ = path;
  check_format(*db, handles, path, false);
  return store;
}

ViewStore::~ViewStore() {
  if (primary_ && db_) flush_memtables(0, true);
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
}

void ViewStore::flush_memtables(std::uint64_t min_bytes, bool wait) {
  std::uint64_t bytes = 0;
  if (!db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &bytes) || bytes == 0 ||
      bytes < min_bytes)
    return;
  rocksdb::FlushOptions f;
  f.wait = wait;
  f.allow_write_stall = true;
  db_->Flush(f, handles_);  // best effort: on failure the log still holds every write
}

void ViewStore::compact() {
  flush_memtables(0, true);
  rocksdb::CompactRangeOptions o;
  o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (auto* h : handles_) check(db_->CompactRange(o, h, nullptr, nullptr), "compact the views");
}

rocksdb::Status ViewStore::catch_up() {
  // Name, size and modification time of every file a catch-up reads, taken before it reads
  // them: what it reads is at least what the signature describes (read_through()).
  std::uint64_t signature = 14695981039346656037ull;
  auto mix = [&](std::uint64_t v) { signature = (signature ^ v) * 1099511628211ull; };
  std::error_code ec;
  for (std::filesystem::directory_iterator it(path_, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& f = *it;
    std::string name = f.path().filename().string();
    if (!name.ends_with(".log") && !name.starts_with("MANIFEST-") && name != "CURRENT") continue;
    mix(std::hash<std::string>{}(name));
    mix(f.file_size(ec));
    mix(std::uint64_t(f.last_write_time(ec).time_since_epoch().count()));
  }
  if (ec) return rocksdb::Status::IOError("listing " + path_, ec.message());
  if (signature == primary_signature_) return rocksdb::Status::OK();
  rocksdb::Status s = db_->TryCatchUpWithPrimary();
  if (s.ok()) primary_signature_ = signature;
  return s;
}

std::optional<std::uint64_t> ViewStore::int_property(Family family, const std::string& name) {
  std::uint64_t v = 0;
  if (!db_->GetIntProperty(handle(family), name, &v)) return std::nullopt;
  return v;
}

rocksdb::Status ViewStore::write(Batch& batch) {
  rocksdb::Status s = write_staged(batch);
  if (s.ok())
    for (auto& staged : batch.staged_) staged.clear();
  return s;
}

rocksdb::Status ViewStore::write_staged(const Batch& batch) {
  assert(primary_ && &batch.store_ == this);
  // In key order per family: RocksDB's memtable inserts an ascending run next to the previous
  // insert instead of searching its skip list from the top each time.
  rocksdb::WriteBatch out;
  for (int f = 0; f < kFamilies; ++f)
    for (const auto& [key, value] : batch.staged_[std::size_t(f)]) {
      rocksdb::Status s =
          value ? out.Put(handle(Family(f)), key, *value) : out.Delete(handle(Family(f)), key);
      if (!s.ok()) return s;
    }
  return db_->Write(rocksdb::WriteOptions(), &out);
}

std::vector<PartitionOffset> ViewStore::offsets() { return Reader(*this).offsets(); }

std::optional<std::pair<LogPosition, Event>> ViewStore::find_event(std::string_view event_id) {
  auto stored = Reader(*this).event(event_id);
  if (!stored) return std::nullopt;
  return std::make_pair(stored->pos, std::move(stored->event));
}

Reader::Reader(Batch& batch) : store_(batch.store_), overlay_(&batch) {}

std::unique_ptr<rocksdb::Iterator> Reader::iterator(Family family,
                                                    const rocksdb::ReadOptions& options) {
  std::unique_ptr<rocksdb::Iterator> base(store_.db_->NewIterator(options, store_.handle(family)));
  if (!overlay_) return base;
  if (const Batch* beneath = overlay_->beneath_)
    base = merged_iterator(beneath->staged_[std::size_t(family)], std::move(base),
                           options.iterate_upper_bound);
  return merged_iterator(overlay_->staged_[std::size_t(family)], std::move(base),
                         options.iterate_upper_bound);
}

bool Reader::get(Family family, std::string_view key, std::string& value) {
  for (const Batch* batch : {overlay_, overlay_ ? overlay_->beneath_ : nullptr}) {
    if (!batch) continue;
    const StagedWrites& staged = batch->staged_[std::size_t(family)];
    if (auto at = staged.find(key); at != staged.end()) {
      if (!at->second) return false;  // removed in the batch
      value = *at->second;
      return true;
    }
  }
  rocksdb::Status s =
      store_.db_->Get({}, store_.handle(family), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.ok()) return true;
  if (s.IsNotFound()) return false;
  throw std::runtime_error("reading the views: " + s.ToString());
}

std::optional<StoredEvent> Reader::event_at_key(std::string_view key) {
  std::string value;
  if (!get(Family::events, key, value)) return std::nullopt;
  auto parsed = parse_event_value(value);
  if (!parsed) return std::nullopt;
  auto event = decode_binary(parsed->binary);
  if (!event) return std::nullopt;
  return StoredEvent{parsed->pos, std::move(*event)};
}

std::optional<StoredEvent> Reader::event(std::string_view uuid) {
  auto key = event_key(uuid);
  if (!key) return std::nullopt;
  return event_at_key(*key);
}

std::optional<Timestamp> Reader::retracted_at(std::string_view key, std::string_view district,
                                              Timestamp as_of) {
  std::string value;
  if (!get(Family::retractions, key, value) || !applies(value, district, as_of))
    return std::nullopt;
  return parse_retraction(value)->first;
}

std::vector<PartitionOffset> Reader::offsets() {
  std::vector<PartitionOffset> out;
  auto it = iterator(Family::offsets, {});
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    PartitionOffset p;
    auto next = decode_offset(std::string_view(it->value().data(), it->value().size()));
    if (!next || !parse_offset_key(std::string_view(it->key().data(), it->key().size()), p.topic,
                                   p.partition))
      continue;
    p.next_offset = *next;
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<std::string> Reader::districts(Family in) {
  std::vector<std::string> out;
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;  // across districts, past the prefix extractor
  auto it = iterator(in, ro);
  for (it->SeekToFirst(); it->Valid(); it->Seek(past_district(out.back())))
    out.emplace_back(district_of_key(std::string_view(it->key().data(), it->key().size())));
  return out;
}

bool Reader::has_district(std::string_view district) {
  return first_position(district).has_value();
}

std::optional<LogPosition> Reader::first_position(std::string_view district) {
  std::string prefix = district_prefix(district);
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = true;
  auto it = iterator(Family::district_log, ro);
  it->Seek(prefix);
  DistrictOrder order;
  if (!it->Valid() ||
      !parse_district_order_key(std::string_view(it->key().data(), it->key().size()), order) ||
      order.district != district)
    return std::nullopt;
  return order.pos;
}

void Batch::put(Family family, std::string_view key, std::string_view value) {
  stage(family, key, value);
}

void Batch::remove(Family family, std::string_view key) { stage(family, key, std::nullopt); }

void Batch::stage(Family family, std::string_view key, std::optional<std::string_view> value) {
  auto& staged = staged_[std::size_t(family)];
  auto at = staged.lower_bound(key);
  if (at == staged.end() || at->first != key) at = staged.emplace_hint(at, key, std::nullopt);
  if (value) at->second.emplace(*value);
  else at->second.reset();
}

bool Batch::empty() const {
  return std::all_of(staged_.begin(), staged_.end(), [](const auto& s) { return s.empty(); });
}

}  // namespace annals::views
