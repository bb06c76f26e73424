// Restating contributions and writing the figures' step functions
// (services/projector/restate.h).
#include "services/projector/restate.h"

#include <algorithm>
#include <cassert>
#include <iterator>
#include <limits>
#include <set>

#include "services/history/figures.h"
#include "services/history/timeline.h"

namespace annals {
namespace {

constexpr Date kEndOfTime{std::numeric_limits<std::int32_t>::max() - 1};

// Stages the new contributions of the entity under `key`, and the difference from `before`
// into `changes`.
void replace_contributions(views::Batch& batch, const std::string& district, const std::string& key,
                           const std::vector<Contribution>& before,
                           const std::vector<Contribution>& after, FigureChanges& changes) {
  // Only what differs: a promotion ends one interval and starts another; the rest stays.
  std::vector<Contribution> gone, came;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(gone));
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(came));
  for (const auto& c : gone) changes.add(district, c, -1);
  for (const auto& c : came) changes.add(district, c, +1);
  if (after.empty()) batch.remove(views::Family::contributions, key);
  else batch.put(views::Family::contributions, key, views::encode_contributions(after));
}

void restate(views::Batch& batch, const std::string& district, const EntityRef& entity,
             FigureChanges& changes, std::set<std::string>& restated) {
  if (entity.kind == EntityKind::cluster) return;
  // Each school once per call: hand-made records can make mergers that go round in circles.
  if (entity.kind == EntityKind::school && !restated.insert(entity.id).second) return;
  views::Reader reader(batch);
  std::string key = views::contributions_key(district, entity);
  std::vector<Contribution> before;
  std::string stored;
  if (reader.get(views::Family::contributions, key, stored))
    before = views::decode_contributions(stored);
  auto entries = timeline(reader, district, entity.kind, entity.id, kEndOfTime, Timestamp::max());
  auto after = contributions_of(reader, district, entity, entries, Timestamp::max());
  std::sort(after.begin(), after.end());
  if (before != after) replace_contributions(batch, district, key, before, after, changes);
  // The facilities of an absorbed school moved to the survivor: restate it too.
  if (entity.kind == EntityKind::school)
    for (const auto& entry : entries)
      if (const auto* m = std::get_if<SchoolMerged>(&entry.event.data))
        if (m->surviving_id != entity.id)
          restate(batch, district, {EntityKind::school, m->surviving_id}, changes, restated);
}

// Every step of the school with prefix `school` from `start` on, as stored, and the figures
// in force just before `start` into `before`.
std::map<Date, Figures> stored_steps(rocksdb::Iterator& it, const std::string& school,
                                     const std::string& start, Figures& before) {
  auto is_step = [&] {
    return it.Valid() &&
           views::is_figures_step(std::string_view(it.key().data(), it.key().size()), school);
  };
  it.SeekForPrev(start);
  if (it.Valid() && it.key() == rocksdb::Slice(start)) it.Prev();
  if (is_step())
    before = views::decode_figures(std::string_view(it.value().data(), it.value().size()));
  std::map<Date, Figures> stored;
  for (it.Seek(start); is_step(); it.Next())
    stored[views::figures_step_date(std::string_view(it.key().data(), it.key().size()),
                                    school.size())] =
        views::decode_figures(std::string_view(it.value().data(), it.value().size()));
  return stored;
}

// Stages the steps of one school: the union of its stored steps and its changes, walked in
// date order, the old figures plus the changes so far; a step equal to the one before goes.
void write_school(views::Batch& batch, rocksdb::Iterator& it, const std::string& school,
                  const std::map<Date, Figures>& deltas) {
  const std::string start = views::figures_step_key(school, deltas.begin()->first);
  Figures before;
  std::map<Date, Figures> stored = stored_steps(it, school, start, before);
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
      if (s != stored.end())
        batch.remove(views::Family::figures, views::figures_step_key(school, d));
    } else if (s == stored.end() || s->second != now) {
      batch.put(views::Family::figures, views::figures_step_key(school, d),
                views::encode_figures(now));
    }
    previous = std::move(now);
  }
}

}  // namespace

void restate(views::Batch& batch, const std::string& district, const EntityRef& entity,
             FigureChanges& changes) {
  std::set<std::string> restated;
  restate(batch, district, entity, changes, restated);
}

void FigureChanges::add(const std::string& district, const Contribution& c, std::int64_t sign) {
  assert(sign == 1 || sign == -1);
  assert(!c.to || c.from < *c.to);  // contributions_of never yields an empty interval
  auto& school = deltas_[views::figures_prefix(district, c.school_id)];
  school[c.from][c.series] += sign * c.value;
  if (c.to) school[*c.to][c.series] -= sign * c.value;
}

void FigureChanges::write(views::Batch& batch) {
  views::Reader reader(batch);
  rocksdb::ReadOptions ro;
  auto it = reader.iterator(views::Family::figures, ro);
  for (auto& [school, deltas] : deltas_) {
    for (auto d = deltas.begin(); d != deltas.end();) {
      std::erase_if(d->second, [](const auto& kv) { return kv.second == 0; });
      d = d->second.empty() ? deltas.erase(d) : std::next(d);
    }
    if (!deltas.empty()) write_school(batch, *it, school, deltas);
  }
  deltas_.clear();
}

}  // namespace annals
