#include "services/history/figures.h"

#include <cereal/archives/binary.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <limits>
#include <sstream>

#include "services/history/timeline.h"

namespace annals {

std::int64_t total(const Figures& f, Section section, Measure measure) {
  std::int64_t n = 0;
  for (auto it = f.lower_bound({section, measure, 0}); it != f.end() && it->first.section == section &&
                                                       it->first.measure == measure;
       ++it)
    n += it->second;
  return n;
}

namespace {

// figures: "<district>\0<school>\0<section><measure><grade><date>" -> value from that date on.
constexpr std::size_t kSeriesBytes = 3;

std::string school_prefix(const std::string& district, const std::string& school) {
  std::string k = views::district_prefix(district) + school;
  k.push_back('\0');
  return k;
}

std::string series_key(const std::string& district, const Contribution& c) {
  std::string k = school_prefix(district, c.school_id);
  k.push_back(char(c.series.section));
  k.push_back(char(c.series.measure));
  k.push_back(char(c.series.grade));
  return k;
}

std::string step_key(const std::string& series, Date d) {
  std::string k = series;
  views::append_u32(k, std::uint32_t(d.days) ^ 0x80000000u);
  return k;
}

std::string series_end(const std::string& series) { return series + std::string(5, '\xff'); }

std::int64_t value_of(const rocksdb::Slice& v) {
  return v.size() == 8 ? std::int64_t(views::read_u64(std::string_view(v.data(), v.size()))) : 0;
}
std::string encode_value(std::int64_t n) {
  std::string v;
  views::append_u64(v, std::uint64_t(n));
  return v;
}

// Adds `delta` to the step function `series` from `date` on, keeping it minimal.
void add_from(views::ViewStore& store, rocksdb::WriteBatchWithIndex& batch, const std::string& series, Date date,
              std::int64_t delta) {
  auto* cf = store.family(views::Family::figures);
  std::string start = step_key(series, date);
  std::string end = series_end(series);
  rocksdb::ReadOptions ro;
  views::Reader reader(store, &batch);
  std::int64_t before = 0;  // the value just before `date`
  {
    auto it = reader.iterator(views::Family::figures, ro);
    it->SeekForPrev(start);
    if (it->Valid() && it->key() == rocksdb::Slice(start)) it->Prev();
    if (it->Valid() && it->key().starts_with(series) && it->key().compare(start) < 0) before = value_of(it->value());
  }
  std::vector<std::pair<std::string, std::int64_t>> steps;  // every step from `date` on
  {
    auto it = reader.iterator(views::Family::figures, ro);
    for (it->Seek(start); it->Valid() && it->key().compare(end) < 0 && it->key().starts_with(series); it->Next())
      steps.emplace_back(it->key().ToString(), value_of(it->value()));
  }
  if (steps.empty() || steps.front().first != start) steps.insert(steps.begin(), {start, before});
  for (auto& [key, value] : steps) value += delta;
  // Steps after the first keep their differences; only the first may now equal `before`.
  if (steps.front().second == before) batch.Delete(cf, steps.front().first);
  else batch.Put(cf, steps.front().first, encode_value(steps.front().second));
  for (std::size_t i = 1; i < steps.size(); ++i) batch.Put(cf, steps[i].first, encode_value(steps[i].second));
}

std::string contributions_key(const std::string& district, const EntityRef& entity) {
  std::string k = views::district_prefix(district);
  k.push_back(char(entity.kind));
  k += entity.id;
  return k;
}

constexpr Date kEndOfTime{std::numeric_limits<std::int32_t>::max() - 1};

void restate(views::ViewStore& store, rocksdb::WriteBatchWithIndex& batch, const std::string& district,
             const EntityRef& entity, int depth) {
  if (entity.kind == EntityKind::cluster || depth > 32) return;
  std::string key = contributions_key(district, entity);
  std::vector<Contribution> before, after;
  std::string stored;
  if (views::Reader(store, &batch).get(views::Family::contributions, key, stored)) {
    std::istringstream in(stored);
    cereal::BinaryInputArchive ar(in);
    ar(before);
  }
  auto entries = timeline(views::Reader(store, &batch), district, entity.kind, entity.id, kEndOfTime, Timestamp::max());
  after = contributions_of(views::Reader(store, &batch), district, entity, entries, Timestamp::max());
  if (before != after) {
    for (const auto& c : before) {
      add_from(store, batch, series_key(district, c), c.from, -c.value);
      if (c.to) add_from(store, batch, series_key(district, c), *c.to, c.value);
    }
    for (const auto& c : after) {
      add_from(store, batch, series_key(district, c), c.from, c.value);
      if (c.to) add_from(store, batch, series_key(district, c), *c.to, -c.value);
    }
    if (after.empty()) {
      batch.Delete(store.family(views::Family::contributions), key);
    } else {
      std::ostringstream out;
      {
        cereal::BinaryOutputArchive ar(out);
        ar(after);
      }
      batch.Put(store.family(views::Family::contributions), key, out.str());
    }
  }
  // The facilities of an absorbed school moved to the survivor: restate it too.
  if (entity.kind == EntityKind::school)
    for (const auto& entry : entries)
      if (const auto* m = std::get_if<SchoolMerged>(&entry.event.data))
        if (m->surviving_id != entity.id) restate(store, batch, district, {EntityKind::school, m->surviving_id}, depth + 1);
}

}  // namespace

void restate(views::ViewStore& store, rocksdb::WriteBatchWithIndex& batch, const std::string& district,
             const EntityRef& entity) {
  restate(store, batch, district, entity, 0);
}

Figures figures_on(views::Reader reader, const std::string& district, const std::string& school, Date at) {
  Figures out;
  std::string prefix = school_prefix(district, school);
  rocksdb::ReadOptions ro;
  auto it = reader.iterator(views::Family::figures, ro);
  it->Seek(prefix);
  // Series by series: jump to the last step on or before `at`, then past the series.
  while (it->Valid() && it->key().starts_with(prefix) && it->key().size() == prefix.size() + kSeriesBytes + 4) {
    std::string series = it->key().ToString().substr(0, prefix.size() + kSeriesBytes);
    it->SeekForPrev(step_key(series, at));
    if (it->Valid() && it->key().starts_with(series)) {
      if (std::int64_t n = value_of(it->value()))
        out[{Section(std::uint8_t(series[prefix.size()])), Measure(std::uint8_t(series[prefix.size() + 1])),
             std::uint8_t(series[prefix.size() + 2])}] = n;
    }
    it->Seek(series_end(series));
  }
  return out;
}

std::map<std::string, Figures> figures_as_recorded(views::Reader reader, const std::string& district, Date at,
                                                   Timestamp as_of) {
  std::map<std::string, Figures> out;
  for (EntityKind kind : {EntityKind::school, EntityKind::teacher, EntityKind::student}) {
    std::string prefix = views::district_prefix(district);
    prefix.push_back(char(kind));
    rocksdb::ReadOptions ro;
    ro.prefix_same_as_start = true;
    auto it = reader.iterator(views::Family::timelines, ro);
    std::string current;
    std::vector<views::ViewEntry> entries;
    auto flush = [&] {
      if (current.empty()) return;
      for (const auto& c : contributions_of(reader, district, {kind, current}, entries, as_of))
        if (c.from <= at && (!c.to || at < *c.to)) out[c.school_id][c.series] += c.value;
      entries.clear();
    };
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      std::string_view id = key.substr(prefix.size(), key.find('\0', prefix.size()) - prefix.size());
      if (id != current) {
        flush();
        current = std::string(id);
      }
      auto entry = views::decode_view_entry(std::string_view(it->value().data(), it->value().size()));
      if (entry && entry->event.envelope.effective_date <= at && entry->visible_at(as_of)) entries.push_back(std::move(*entry));
    }
    flush();
  }
  for (auto it = out.begin(); it != out.end();) {
    std::erase_if(it->second, [](const auto& kv) { return kv.second == 0; });
    it = it->second.empty() ? out.erase(it) : std::next(it);
  }
  return out;
}

}  // namespace annals
