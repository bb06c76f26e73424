#include "services/history/figures.h"

#include <cereal/archives/binary.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <algorithm>
#include <iterator>
#include <limits>
#include <set>
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

std::string contributions_key(const std::string& district, const EntityRef& entity) {
  std::string k = views::district_prefix(district);
  k.push_back(char(entity.kind));
  k += entity.id;
  return k;
}

constexpr Date kEndOfTime{std::numeric_limits<std::int32_t>::max() - 1};

void restate(views::ViewStore& store, rocksdb::WriteBatchWithIndex& batch, const std::string& district,
             const EntityRef& entity, FigureChanges& changes, std::set<std::string>& restated) {
  if (entity.kind == EntityKind::cluster) return;
  // Each school once per call: hand-made records can make mergers that go round in circles.
  if (entity.kind == EntityKind::school && !restated.insert(entity.id).second) return;
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
  std::sort(after.begin(), after.end());
  if (before != after) {
    // Only what differs: a promotion ends one interval and starts another; the rest stays.
    std::vector<Contribution> gone, came;
    std::set_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(gone));
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(came));
    for (const auto& c : gone) changes.add(district, c, -1);
    for (const auto& c : came) changes.add(district, c, +1);
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
        if (m->surviving_id != entity.id)
          restate(store, batch, district, {EntityKind::school, m->surviving_id}, changes, restated);
}

}  // namespace

void restate(views::ViewStore& store, rocksdb::WriteBatchWithIndex& batch, const std::string& district,
             const EntityRef& entity, FigureChanges& changes) {
  std::set<std::string> restated;
  restate(store, batch, district, entity, changes, restated);
}

void FigureChanges::add(const std::string& district, const Contribution& c, std::int64_t sign) {
  auto& series = deltas_[series_key(district, c)];
  series[c.from] += sign * c.value;
  if (c.to) series[*c.to] -= sign * c.value;
}

void FigureChanges::write(views::ViewStore& store, rocksdb::WriteBatchWithIndex& batch) {
  auto* cf = store.family(views::Family::figures);
  views::Reader reader(store, &batch);
  rocksdb::ReadOptions ro;
  auto it = reader.iterator(views::Family::figures, ro);
  for (auto& [series, deltas] : deltas_) {
    std::erase_if(deltas, [](const auto& kv) { return kv.second == 0; });
    if (deltas.empty()) continue;
    const std::string start = step_key(series, deltas.begin()->first);
    // The value in force just before the first change; it stays.
    std::int64_t before = 0;
    it->SeekForPrev(start);
    if (it->Valid() && it->key() == rocksdb::Slice(start)) it->Prev();
    if (it->Valid() && it->key().starts_with(series) && it->key().compare(start) < 0) before = value_of(it->value());
    // Every step from the first change on, as stored.
    std::map<Date, std::int64_t> stored;
    const std::string end = series_end(series);
    for (it->Seek(start); it->Valid() && it->key().starts_with(series) && it->key().compare(end) < 0; it->Next()) {
      std::string_view k(it->key().data(), it->key().size());
      stored[Date{std::int32_t(views::read_u32(k.substr(series.size())) ^ 0x80000000u)}] = value_of(it->value());
    }
    // Walk the union of stored steps and changes: old value, plus the changes so far.
    std::set<Date> dates;
    for (const auto& [d, v] : stored) dates.insert(d);
    for (const auto& [d, v] : deltas) dates.insert(d);
    std::int64_t old_value = before, added = 0, previous = before;
    for (Date d : dates) {
      if (auto s = stored.find(d); s != stored.end()) old_value = s->second;
      if (auto c = deltas.find(d); c != deltas.end()) added += c->second;
      const std::int64_t now = old_value + added;
      const bool exists = stored.count(d) > 0;
      if (now == previous) {
        if (exists) batch.Delete(cf, step_key(series, d));  // no longer a step
      } else if (!exists || stored[d] != now) {
        batch.Put(cf, step_key(series, d), encode_value(now));
      }
      previous = now;
    }
  }
  deltas_.clear();
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
