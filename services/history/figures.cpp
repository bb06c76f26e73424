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

Unit unit_of(Measure m) {
  if (m == Measure::floor_area || m == Measure::sports_area) return Unit::m2;
  if (m == Measure::equipment_value || m >= Measure::operating_funds) return Unit::yuan;
  return Unit::count;
}

double natural(Measure m, std::int64_t n) { return unit_of(m) == Unit::count ? double(n) : double(n) / 100; }

std::int64_t total_of(const Figures& f, Measure measure) {
  return total(f, Section::primary, measure) + total(f, Section::junior, measure) + total(f, Section::whole, measure);
}

namespace {

// figures: "<district>\0<school>\0<date>" -> every series of the school from that date on
// (3 bytes of series, 8 of value, per non-zero series). One step per date on which anything
// of the school changed; no step equals the one before. A school on a date is one seek.
std::string school_prefix(const std::string& district, const std::string& school) {
  std::string k = views::district_prefix(district) + school;
  k.push_back('\0');
  return k;
}

std::string step_key(const std::string& school, Date d) {
  std::string k = school;
  views::append_u32(k, std::uint32_t(d.days) ^ 0x80000000u);
  return k;
}

Date step_date(std::string_view key, std::size_t prefix) {
  return Date{std::int32_t(views::read_u32(key.substr(prefix)) ^ 0x80000000u)};
}

std::string encode_figures(const Figures& f) {
  std::string v;
  for (const auto& [series, n] : f) {
    if (!n) continue;
    v.push_back(char(series.section));
    v.push_back(char(series.measure));
    v.push_back(char(series.grade));
    views::append_u64(v, std::uint64_t(n));
  }
  return v;
}

Figures decode_figures(const rocksdb::Slice& bytes) {
  Figures f;
  std::string_view v(bytes.data(), bytes.size());
  for (std::size_t i = 0; i + 11 <= v.size(); i += 11)
    f[{Section(std::uint8_t(v[i])), Measure(std::uint8_t(v[i + 1])), std::uint8_t(v[i + 2])}] =
        std::int64_t(views::read_u64(v.substr(i + 3, 8)));
  return f;
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
  auto& school = deltas_[school_prefix(district, c.school_id)];
  school[c.from][c.series] += sign * c.value;
  if (c.to) school[*c.to][c.series] -= sign * c.value;
}

void FigureChanges::write(views::ViewStore& store, rocksdb::WriteBatchWithIndex& batch) {
  auto* cf = store.family(views::Family::figures);
  views::Reader reader(store, &batch);
  rocksdb::ReadOptions ro;
  auto it = reader.iterator(views::Family::figures, ro);
  for (auto& [school, deltas] : deltas_) {
    for (auto d = deltas.begin(); d != deltas.end();) {
      std::erase_if(d->second, [](const auto& kv) { return kv.second == 0; });
      d = d->second.empty() ? deltas.erase(d) : std::next(d);
    }
    if (deltas.empty()) continue;
    const std::string start = step_key(school, deltas.begin()->first);
    // The figures in force just before the first change; they stay.
    Figures before;
    it->SeekForPrev(start);
    if (it->Valid() && it->key() == rocksdb::Slice(start)) it->Prev();
    if (it->Valid() && it->key().starts_with(school) && it->key().size() == school.size() + 4) before = decode_figures(it->value());
    // Every step from the first change on, as stored.
    std::map<Date, Figures> stored;
    for (it->Seek(start); it->Valid() && it->key().starts_with(school) && it->key().size() == school.size() + 4; it->Next())
      stored[step_date(std::string_view(it->key().data(), it->key().size()), school.size())] = decode_figures(it->value());
    // Walk the union of stored steps and changes: the old figures plus the changes so far.
    std::set<Date> dates;
    for (const auto& [d, f] : stored) dates.insert(d);
    for (const auto& [d, f] : deltas) dates.insert(d);
    Figures old_figures = before, added, previous = before;
    for (Date d : dates) {
      if (auto s = stored.find(d); s != stored.end()) old_figures = s->second;
      if (auto c = deltas.find(d); c != deltas.end())
        for (const auto& [series, n] : c->second) added[series] += n;
      Figures now = old_figures;
      for (const auto& [series, n] : added) now[series] += n;
      std::erase_if(now, [](const auto& kv) { return kv.second == 0; });
      auto s = stored.find(d);
      if (now == previous) {
        if (s != stored.end()) batch.Delete(cf, step_key(school, d));  // no longer a step
      } else if (s == stored.end() || s->second != now) {
        batch.Put(cf, step_key(school, d), encode_figures(now));
      }
      previous = std::move(now);
    }
  }
  deltas_.clear();
}

Figures figures_on(views::Reader reader, const std::string& district, const std::string& school, Date at) {
  std::string prefix = school_prefix(district, school);
  rocksdb::ReadOptions ro;
  auto it = reader.iterator(views::Family::figures, ro);
  it->SeekForPrev(step_key(prefix, at));
  if (!it->Valid() || !it->key().starts_with(prefix) || it->key().size() != prefix.size() + 4) return {};
  return decode_figures(it->value());
}

std::map<std::string, Figures> figures_as_recorded(views::Reader reader, const std::string& district, Date at,
                                                   Timestamp as_of) {
  std::map<std::string, Figures> out;
  for (EntityKind kind : {EntityKind::school, EntityKind::teacher, EntityKind::student}) {
    std::string prefix = views::district_prefix(district);
    prefix.push_back(char(kind));
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;  // across the kind's entities, past the entity prefix
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
