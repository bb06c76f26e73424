// Restating contributions and writing the figures' step functions
// (services/projector/restate.h).
#include "services/projector/restate.h"

#include <algorithm>
#include <cassert>
#include <iterator>
#include <limits>
#include <set>
#include <stdexcept>

#include "services/history/figures.h"
#include "services/history/timeline.h"

namespace annals {
namespace {

using Contributions = std::vector<Contribution>;

// Gathers the difference in the figures from contributions `before` to `after` (both sorted)
// into `changes`: only what differs (a promotion ends one interval and starts another; the
// rest stays).
void add_changes(const std::string& district, const Contributions& before,
                 const Contributions& after, FigureChanges& changes) {
  Contributions gone, came;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(gone));
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(came));
  for (const auto& c : gone) changes.add(district, c, -1);
  for (const auto& c : came) changes.add(district, c, +1);
}

// The contributions of `entity` that system `part` writes: a school's funds are the finance
// system's, its facilities the registry's; all of a student's or teacher's are their system's.
Contributions of_part(Contributions all, EntityKind kind, System part) {
  if (kind == EntityKind::school)
    std::erase_if(all, [part](const Contribution& c) {
      return is_money(c.series.measure) != (part == System::finance);
    });
  return all;
}

// A version: what changed from `before` to `after` (both sorted), removed contributions with
// negated values, sorted.
Contributions version_of(const Contributions& before, const Contributions& after) {
  Contributions out;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(out));
  for (auto& c : out) c.value = -c.value;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(out));
  std::sort(out.begin(), out.end());
  return out;
}

// Adds `sign` times what `version` (learned at `at`) changes in the figures to `learned`,
// by learned key.
void add_learned(std::map<std::string, std::int64_t>& learned, const std::string& district,
                 Timestamp at, const Contributions& version, std::int64_t sign) {
  for (const auto& c : version) {
    learned[views::learned_key(district, at, c.from, c.school_id, c.series)] += sign * c.value;
    if (c.to)
      learned[views::learned_key(district, at, *c.to, c.school_id, c.series)] -= sign * c.value;
  }
}

void write_learned(views::Batch& batch, const std::map<std::string, std::int64_t>& learned) {
  views::Reader reader(batch);
  std::string stored;
  for (const auto& [key, n] : learned) {
    if (n == 0) continue;
    std::int64_t now = n;
    if (reader.get(views::Family::learned, key, stored)) now += views::decode_count(stored);
    if (now == 0) batch.remove(views::Family::learned, key);
    else batch.put(views::Family::learned, key, views::encode_count(now));
  }
}

// The recorded times at which `part` of the entity's history changed: when each of its
// entries was recorded or retracted, and for a school's facilities, those of the schools it
// absorbed (their facilities move to it), to 8 mergers deep.
void add_version_times(views::Reader reader, const std::string& district, const std::string& school,
                       const std::vector<views::ViewEntry>& entries, System part,
                       std::set<Timestamp>& times, std::set<std::string>& seen) {
  for (const auto& entry : entries) {
    if (system_of(entry.event.data) != part) continue;
    times.insert(*entry.event.envelope.recorded_at);
    if (entry.retracted_at) times.insert(*entry.retracted_at);
    if (school.empty() || seen.size() > 8) continue;
    if (const auto* m = std::get_if<SchoolMerged>(&entry.event.data);
        m && m->surviving_id == school)
      for (const auto& absorbed : m->absorbed_ids)
        if (seen.insert(absorbed).second)
          add_version_times(reader, district, absorbed,
                            whole_timeline(reader, district, EntityKind::school, absorbed), part,
                            times, seen);
  }
}

// Stages the versions under `prefix` that differ between `stored` and `fresh` (each by recorded
// time) into the versions family, and what they change into the learned family.
void write_versions(views::Batch& batch, const std::string& district, const std::string& prefix,
                    const std::map<Timestamp, Contributions>& stored,
                    const std::map<Timestamp, Contributions>& fresh) {
  std::map<std::string, std::int64_t> changes;
  for (const auto& [at, version] : stored) {
    auto f = fresh.find(at);
    if (f != fresh.end() && f->second == version) continue;
    add_learned(changes, district, at, version, -1);
    if (f == fresh.end()) batch.remove(views::Family::versions, views::version_key(prefix, at));
  }
  for (const auto& [at, version] : fresh) {
    auto s = stored.find(at);
    if (s != stored.end() && s->second == version) continue;
    add_learned(changes, district, at, version, +1);
    batch.put(views::Family::versions, views::version_key(prefix, at),
              views::encode_contributions(version));
  }
  write_learned(batch, changes);
}

// Makes the versions of `part` of the entity from `learned.at` on again, and stages what
// changed into the versions and learned families. `before` and `after` are the part's
// contributions on current knowledge before and after this change.
void restate_versions(views::Batch& batch, const std::string& district, const EntityRef& entity,
                      Learned learned, const std::vector<views::ViewEntry>& whole,
                      const Contributions& before, const Contributions& after) {
  views::Reader reader(batch);
  const std::string prefix = views::versions_prefix(district, entity, learned.part);
  std::set<Timestamp> times;
  std::set<std::string> seen{entity.id};
  add_version_times(reader, district, entity.kind == EntityKind::school ? entity.id : "", whole,
                    learned.part, times, seen);
  // The stored versions from learned.at on. A student's or teacher's version is kept at the
  // recorded or retraction time of one of its entries (its own events restate it), so when
  // none is later than learned.at (an event in order: most of a rebuild) there is at most the
  // one at learned.at: a point read instead of a seek, which cost a fifth of a rebuild. Not so
  // a school (restated at the times of the schools it absorbed too), nor after a retraction
  // (an entry's retraction time may have moved earlier, past a version at the later one).
  std::map<Timestamp, Contributions> stored;
  if (entity.kind != EntityKind::school && !learned.retraction &&
      (times.empty() || *times.rbegin() <= learned.at)) {
    std::string value;
    if (reader.get(views::Family::versions, views::version_key(prefix, learned.at), value))
      stored[learned.at] = views::decode_contributions(value);
  } else {
    rocksdb::ReadOptions ro;
    auto it = reader.iterator(views::Family::versions, ro);
    for (it->Seek(views::version_key(prefix, learned.at));
         it->Valid() && it->key().starts_with(prefix); it->Next())
      stored[views::version_time(std::string_view(it->key().data(), it->key().size()),
                                 prefix.size())] =
          views::decode_contributions(std::string_view(it->value().data(), it->value().size()));
  }
  std::map<Timestamp, Contributions> fresh;
  if (stored.empty() && (times.empty() || *times.rbegin() <= learned.at)) {
    // In order: the one version at learned.at is what this change did to current knowledge.
    if (auto v = version_of(before, after); !v.empty()) fresh[learned.at] = std::move(v);
  } else {
    auto fold_at = [&](Timestamp v) {
      std::vector<views::ViewEntry> visible;
      for (const auto& entry : whole)
        if (system_of(entry.event.data) == learned.part && entry.visible_at(v))
          visible.push_back(entry);
      auto c = of_part(contributions_of(reader, district, entity, visible, v), entity.kind,
                       learned.part);
      std::sort(c.begin(), c.end());
      return c;
    };
    auto t = times.lower_bound(learned.at);
    Contributions previous = t == times.begin() ? Contributions{} : fold_at(*std::prev(t));
    for (; t != times.end(); ++t) {
      Contributions now = fold_at(*t);
      if (auto v = version_of(previous, now); !v.empty()) fresh[*t] = std::move(v);
      previous = std::move(now);
    }
  }
  write_versions(batch, district, prefix, stored, fresh);
}

// restate() for a student or teacher, whose contributions are kept as the fold of their
// timeline (services/history/figures.h, PersonFold). An event appended after every entry of the
// timeline, recorded after all of them, is folded into the kept fold: no timeline read, and the
// one version it makes is the difference it made. Anything else (an entry that sorts earlier
// or was recorded earlier, a retraction anywhere in the timeline) folds the timeline again.
void restate_person(views::Batch& batch, const std::string& district, const EntityRef& entity,
                    Learned learned, FigureChanges& changes, const Appended* appended) {
  views::Reader reader(batch);
  const std::string key = views::contributions_key(district, entity);
  std::string stored;
  std::optional<PersonFold> kept;
  if (reader.get(views::Family::contributions, key, stored)) {
    kept = decode_person_fold(stored);
    if (!kept || kept->kind() != entity.kind)
      throw std::runtime_error("the kept fold of " + entity.id + " of district " + district +
                               " does not decode: rebuild the views");
  }
  PersonFold fold = kept ? *kept : PersonFold(entity.kind);
  const Contributions before = fold.contributions();
  if (appended) {
    const Envelope& e = appended->event.envelope;
    std::string order = views::timeline_order(e.effective_date, *e.recorded_at, appended->pos);
    if (fold.clean && order > fold.last && fold.latest < learned.at) {
      fold.apply(appended->event);
      fold.last = std::move(order);
      fold.latest = learned.at;
      Contributions after = fold.contributions();
      add_changes(district, before, after, changes);
      batch.put(views::Family::contributions, key, encode_person_fold(fold));
      // No entry was recorded at or after learned.at: no version is stored from then on.
      std::map<Timestamp, Contributions> fresh;
      if (auto v = version_of(before, after); !v.empty()) fresh[learned.at] = std::move(v);
      write_versions(batch, district, views::versions_prefix(district, entity, learned.part), {},
                     fresh);
      return;
    }
  }
  std::string last;
  auto whole = whole_timeline(reader, district, entity.kind, entity.id, &last);
  fold = PersonFold(entity.kind);
  fold.last = std::move(last);
  for (const auto& entry : whole) {
    fold.latest = std::max(fold.latest, *entry.event.envelope.recorded_at);
    if (entry.retracted_at) fold.clean = false;
    if (entry.visible_at(Timestamp::max())) fold.apply(entry.event);
  }
  Contributions after = fold.contributions();
  add_changes(district, before, after, changes);
  batch.put(views::Family::contributions, key, encode_person_fold(fold));
  restate_versions(batch, district, entity, learned, whole, before, after);
}

void restate(views::Batch& batch, const std::string& district, const EntityRef& entity,
             Learned learned, FigureChanges& changes, std::set<std::string>& restated,
             const Appended* appended) {
  if (entity.kind == EntityKind::cluster) return;
  if (entity.kind != EntityKind::school) {
    restate_person(batch, district, entity, learned, changes, appended);
    return;
  }
  // Each school once per call: hand-made records can make mergers that go round in circles.
  if (!restated.insert(entity.id).second) return;
  views::Reader reader(batch);
  std::string key = views::contributions_key(district, entity);
  Contributions before;
  std::string stored;
  if (reader.get(views::Family::contributions, key, stored))
    before = views::decode_contributions(stored);
  auto whole = whole_timeline(reader, district, entity.kind, entity.id);
  std::vector<views::ViewEntry> entries;
  for (const auto& entry : whole)
    if (entry.visible_at(Timestamp::max())) entries.push_back(entry);
  auto after = contributions_of(reader, district, entity, entries, Timestamp::max());
  std::sort(after.begin(), after.end());
  if (before != after) {
    add_changes(district, before, after, changes);
    if (after.empty()) batch.remove(views::Family::contributions, key);
    else batch.put(views::Family::contributions, key, views::encode_contributions(after));
  }
  restate_versions(batch, district, entity, learned, whole,
                   of_part(before, entity.kind, learned.part),
                   of_part(after, entity.kind, learned.part));
  // The facilities of an absorbed school moved to the survivor: restate it too (even after a
  // retracted merger: before the retraction was recorded, they had moved).
  for (const auto& entry : whole)
    if (const auto* m = std::get_if<SchoolMerged>(&entry.event.data))
      if (m->surviving_id != entity.id)
        restate(batch, district, {EntityKind::school, m->surviving_id}, learned, changes, restated,
                nullptr);
}

// Every step of the school with prefix `school` from `start` on, as stored, and the figures
// in force just before `start` into `before`.
std::map<Date, Figures> stored_steps(rocksdb::Iterator& it, const std::string& school,
                                     const std::string& start, Figures& before) {
  auto is_step = [&] {
    return it.Valid() &&
           views::is_figures_step(std::string_view(it.key().data(), it.key().size()), school);
  };
  // A school's steps run latest first (services/views/format.h, figures_step_key): one
  // forward pass reads those from `start` on, then the one just before it.
  std::map<Date, Figures> stored;
  for (it.Seek(school); is_step(); it.Next()) {
    auto figures = views::decode_figures(std::string_view(it.value().data(), it.value().size()));
    if (it.key().compare(start) > 0) {
      before = std::move(figures);
      break;
    }
    stored[views::figures_step_date(std::string_view(it.key().data(), it.key().size()),
                                    school.size())] = std::move(figures);
  }
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
    now.drop_zeros();
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
             Learned learned, FigureChanges& changes, const Appended* appended) {
  std::set<std::string> restated;
  restate(batch, district, entity, learned, changes, restated, appended);
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
      d->second.drop_zeros();
      d = d->second.empty() ? deltas.erase(d) : std::next(d);
    }
    if (!deltas.empty()) write_school(batch, *it, school, deltas);
  }
  deltas_.clear();
}

}  // namespace annals
