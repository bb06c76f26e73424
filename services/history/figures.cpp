// Reading the figures: one seek on current knowledge, a fold of the district as recorded at
// an earlier time (services/history/figures.h).
#include "services/history/figures.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

#include "events/bounds.h"
#include "services/history/timeline.h"

namespace annals {

namespace {

// figures_on with an iterator of the figures family, reused across schools.
Figures figures_with(rocksdb::Iterator& it, const std::string& district, const std::string& school,
                     Date at) {
  std::string prefix = views::figures_prefix(district, school);
  it.Seek(views::figures_step_key(prefix, at));  // latest first: the step in force on `at`
  if (!it.Valid() ||
      !views::is_figures_step(std::string_view(it.key().data(), it.key().size()), prefix))
    return {};
  return views::decode_figures(std::string_view(it.value().data(), it.value().size()));
}

// Adds the changes of `district` learned in (after, before) about dates in [from, to] to
// `out`, with `sign`, reading each class only where its changes can be (services/views/format.h).
void add_learned(views::Reader reader, const std::string& district, Date from, Date to,
                 Timestamp after, Timestamp before, int sign, std::map<std::string, Figures>& out) {
  auto it = reader.iterator(views::Family::learned, rocksdb::ReadOptions());
  for (const auto& range : views::learned_ranges(district, from, to, after, before)) {
    for (it->Seek(range.begin); it->Valid() && it->key().compare(range.end) < 0; it->Next()) {
      auto key = views::parse_learned_key(std::string_view(it->key().data(), it->key().size()),
                                          range.prefix_size);
      if (!key || key->date < from || to < key->date) continue;
      out[std::string(key->school)][key->series] +=
          sign * views::decode_count(std::string_view(it->value().data(), it->value().size()));
    }
  }
}

}  // namespace

Figures figures_on(views::Reader reader, const std::string& district, const std::string& school,
                   Date at) {
  return figures_with(*reader.iterator(views::Family::figures, rocksdb::ReadOptions()), district,
                      school, at);
}

std::map<std::string, Figures> figures_at(views::Reader reader, const std::string& district,
                                          const std::vector<std::string>& schools, Date at,
                                          Timestamp as_of) {
  std::map<std::string, Figures> changes;
  Date on = at;
  if (as_of != Timestamp::max()) {
    // After the day of `as_of`, the record knew only what it had learned ahead of the date.
    on = std::min(at, beijing_date(as_of));
    add_learned(reader, district, kFirstDate, on, as_of, Timestamp::max(), -1, changes);
    if (on < at)
      add_learned(reader, district, Date{on.days + 1}, at, Timestamp{INT64_MIN},
                  Timestamp{as_of.micros + 1}, 1, changes);
  }
  std::map<std::string, Figures> out;
  auto it = reader.iterator(views::Family::figures, rocksdb::ReadOptions());
  for (const auto& id : schools) {
    Figures f = figures_with(*it, district, id, on);
    if (auto c = changes.find(id); c != changes.end())
      for (const auto& [series, n] : c->second)
        if ((f[series] += n) == 0) f.erase(series);
    if (!f.empty()) out.emplace(id, std::move(f));
  }
  return out;
}

namespace {

// Adds to `out` what every entity of `kind` in the district contributes on `at`, as
// recorded at `as_of`: one pass over the kind's timelines, entity by entity.
void add_kind_as_recorded(views::Reader reader, const std::string& district, EntityKind kind,
                          Date at, Timestamp as_of, std::map<std::string, Figures>& out) {
  std::string prefix = views::kind_prefix(district, kind);
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
    std::string_view id = views::timeline_entity_id(key, prefix.size());
    if (id != current) {
      flush();
      current = std::string(id);
    }
    auto entry = views::decode_view_entry(std::string_view(it->value().data(), it->value().size()));
    // Every entry, whatever its date: an allocation counts from the start of its fiscal year,
    // before the day it was made (contributions.cpp).
    if (entry && entry->visible_at(as_of)) entries.push_back(std::move(*entry));
  }
  flush();
}

}  // namespace

std::map<std::string, Figures> figures_as_recorded(views::Reader reader,
                                                   const std::string& district, Date at,
                                                   Timestamp as_of) {
  std::map<std::string, Figures> out;
  for (EntityKind kind : {EntityKind::school, EntityKind::teacher, EntityKind::student})
    add_kind_as_recorded(reader, district, kind, at, as_of, out);
  for (auto it = out.begin(); it != out.end();) {
    it->second.drop_zeros();
    it = it->second.empty() ? out.erase(it) : std::next(it);
  }
  return out;
}

}  // namespace annals
