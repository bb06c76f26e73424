// The roster of a district on a date: schools, their lineage, clusters
// (services/history/registry_state.h).
#include "services/history/registry_state.h"

#include <algorithm>
#include <memory>
#include <sstream>
#include <tuple>

#include <cereal/archives/binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <rocksdb/iterator.h>

#include "events/cereal_fields.h"
#include "services/history/timeline.h"

namespace annals {

std::string RegistryState::resolve(const std::string& school_id) const {
  std::string id = school_id;
  for (int hops = 0; hops < 64;
       ++hops) {  // bounded: a cycle of mergers is not possible in time order
    auto it = schools.find(id);
    if (it == schools.end() || !it->second.merged_into) break;
    id = *it->second.merged_into;
  }
  return id;
}

namespace {

SchoolRecord new_school(const SchoolProfile& p, Date on) {
  SchoolRecord s;
  static_cast<SchoolProfile&>(s) = p;
  s.opened_on = on;
  return s;
}

// One registry event applied to the state on its effective date, one handler per type.
// Events of other systems but the district's facts, and facilities and classes events (folded
// into the figures instead, services/history/contributions.cpp), change nothing here.
struct Applier {
  RegistryState& r;
  Date on;

  // The open school an event about `id` lands on (the survivor, for an absorbed school).
  SchoolRecord* open_school(const std::string& id) {
    auto it = r.schools.find(r.resolve(id));
    return it != r.schools.end() && it->second.open() ? &it->second : nullptr;
  }
  void operator()(const DistrictRegistered& d) { r.district = d; }
  void operator()(const SchoolOpened& d) {
    auto existing = r.schools.find(d.school_id);
    if (existing != r.schools.end() && existing->second.open() && !existing->second.name.empty())
      return;  // already open: a second opening changes nothing (the services refuse it)
    SchoolRecord s = new_school(d, on);
    s.township = d.township;
    if (existing != r.schools.end())
      s.absorbed = existing->second.absorbed;  // a reopening keeps its lineage
    r.schools[d.school_id] = std::move(s);
  }
  void operator()(const SchoolClosed& d) {
    auto it =
        r.schools.find(d.school_id);  // not resolved: closing a survivor by an old id is a mistake
    if (it == r.schools.end() || !it->second.open()) return;
    it->second.closed_on = on;
    it->second.closed_reason = d.reason;
    r.leave_clusters(it->second);
  }
  void operator()(const SchoolMerged& d) {
    SchoolRecord* survivor = open_school(d.surviving_id);
    if (!survivor) return;
    for (const auto& id : d.absorbed_ids) {
      auto it = r.schools.find(id);
      if (it == r.schools.end() || !it->second.open() || id == survivor->school_id) continue;
      it->second.closed_on = on;
      it->second.closed_reason = "merged into " + survivor->school_id;
      it->second.merged_into = survivor->school_id;
      survivor->absorbed.push_back({id, it->second.name, on});
      r.leave_clusters(it->second);
    }
  }
  void operator()(const SchoolSplit& d) {
    SchoolRecord* source = open_school(d.source_id);
    if (!source) return;
    std::string source_id = source->school_id;
    if (d.source_closes) {
      source->closed_on = on;
      source->closed_reason = "split";
      r.leave_clusters(*source);
    }
    for (const auto& n : d.new_schools) {
      if (r.schools.count(n.school_id)) continue;  // ids are never reused
      SchoolRecord s = new_school(n, on);
      s.split_from = source_id;
      r.schools[n.school_id] = std::move(s);
    }
  }
  void operator()(const SchoolStagesChanged& d) {
    if (auto* s = open_school(d.school_id)) s->stages = d.stages;
  }
  void operator()(const SchoolRenamed& d) {
    auto it = r.schools.find(d.school_id);
    if (it != r.schools.end() && it->second.open()) it->second.name = d.name;
  }
  void operator()(const ClusterCreated& d) {
    if (r.clusters.count(d.cluster_id) && !r.clusters[d.cluster_id].dissolved_on) return;
    ClusterRecord c;
    c.cluster_id = d.cluster_id;
    c.name = d.name;
    c.kind = d.kind;
    c.cycle_years = d.cycle_years;
    c.created_on = on;
    r.clusters[d.cluster_id] = std::move(c);
  }
  void operator()(const ClusterDissolved& d) {
    auto it = r.clusters.find(d.cluster_id);
    if (it == r.clusters.end() || it->second.dissolved_on) return;
    it->second.dissolved_on = on;
    for (const auto& [school, role] : it->second.members) {
      auto s = r.schools.find(school);
      if (s != r.schools.end()) s->second.clusters.erase(d.cluster_id);
    }
    it->second.members.clear();
  }
  void operator()(const SchoolJoinedCluster& d) {
    auto c = r.clusters.find(d.cluster_id);
    SchoolRecord* s = open_school(d.school_id);
    if (c == r.clusters.end() || c->second.dissolved_on || !s) return;
    c->second.members[s->school_id] = d.role;
    s->clusters[d.cluster_id] = d.role;
  }
  void operator()(const SchoolLeftCluster& d) {
    auto c = r.clusters.find(d.cluster_id);
    SchoolRecord* s = open_school(d.school_id);
    if (c == r.clusters.end() || !s) return;
    c->second.members.erase(s->school_id);
    s->clusters.erase(d.cluster_id);
  }
  void operator()(const BudgetAppropriated& d) { r.facts.budgets[d.fiscal_year] = d; }
  void operator()(const DistrictDisabledChildrenCounted& d) {
    r.facts.disabled_census[d.school_year] = d;
  }
  void operator()(const DistrictSeniorHighQuotaAllocated& d) {
    r.facts.quotas[d.admission_year] = d;
  }
  template <class Other>
  void operator()(const Other&) {}
};

}  // namespace

void RegistryState::apply(const Event& event) {
  ++events_applied;
  std::visit(Applier{*this, event.envelope.effective_date}, event.data);
}

void RegistryState::leave_clusters(SchoolRecord& school) {
  for (const auto& [cluster, role] : school.clusters) {
    auto c = clusters.find(cluster);
    if (c != clusters.end()) c->second.members.erase(school.school_id);
  }
  school.clusters.clear();
}

// A checkpoint's layout (services/views/format.h, registry_checkpoints). Fields are only
// ever appended, with kFormatVersion raised.
template <class Archive>
void serialize(Archive& ar, Absorption& a) {
  ar(a.school_id, a.name, a.on);
}
template <class Archive>
void serialize(Archive& ar, SchoolRecord& s) {
  ar(static_cast<SchoolProfile&>(s), s.township, s.opened_on, s.closed_on, s.closed_reason,
     s.merged_into, s.split_from, s.absorbed, s.clusters);
}
template <class Archive>
void serialize(Archive& ar, ClusterRecord& c) {
  ar(c.cluster_id, c.name, c.kind, c.cycle_years, c.created_on, c.dissolved_on, c.members);
}
template <class Archive>
void serialize(Archive& ar, DistrictFacts& f) {
  ar(f.budgets, f.disabled_census, f.quotas);
}

std::string encode_registry_state(const RegistryState& state) {
  std::ostringstream out;
  {
    cereal::BinaryOutputArchive ar(out);
    ar(state.district, state.schools, state.clusters, std::uint64_t(state.events_applied),
       state.facts);
  }
  return std::move(out).str();
}

std::optional<RegistryState> decode_registry_state(std::string_view bytes) {
  RegistryState state;
  std::uint64_t applied = 0;
  try {
    std::istringstream in{std::string(bytes)};
    cereal::BinaryInputArchive ar(in);
    ar(state.district, state.schools, state.clusters, applied, state.facts);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  state.events_applied = applied;
  return state;
}

namespace {

// Calls `visit(key, entry)` on the registry entries from `begin` up to `end` (registry keys;
// `end` excluded), in the record's order, until it returns false; entries that do not decode
// are skipped.
template <class Visit>
void scan_registry(views::Reader reader, const std::string& begin, const std::string& end,
                   Visit visit) {
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;  // a batch's own writes too (view_store.h)
  ro.prefix_same_as_start = true;
  auto it = reader.iterator(views::Family::registry, ro);
  for (it->Seek(begin); it->Valid(); it->Next()) {
    auto entry = views::decode_view_entry(std::string_view(it->value().data(), it->value().size()));
    if (entry && !visit(std::string_view(it->key().data(), it->key().size()), *entry)) return;
  }
}

// Folds into `state` the district's registry entries from `begin` (a registry key) to those
// effective on `at`, visible at `as_of`.
void fold(views::Reader reader, const std::string& district, const std::string& begin, Date at,
          Timestamp as_of, RegistryState& state) {
  scan_registry(reader, begin, views::district_after_date(district, at),
                [&](std::string_view, const views::ViewEntry& entry) {
                  if (entry.visible_at(as_of)) state.apply(entry.event);
                  return true;
                });
}

// The date of the district's latest checkpoint on or before `on` whose stamp is at most
// `as_of` (any stamp: Timestamp::max()).
std::optional<Date> latest_checkpoint(views::Reader reader, const std::string& district, Date on,
                                      Timestamp as_of) {
  std::string prefix = views::district_prefix(district);
  std::string end = views::registry_checkpoint_key(district, Date{on.days + 1});
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  ro.total_order_seek = true;
  auto it = reader.iterator(views::Family::registry_checkpoints, ro);
  std::optional<Date> found;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    if (!it->key().starts_with(prefix)) continue;
    auto date = views::registry_checkpoint_date(
        std::string_view(it->key().data(), it->key().size()), prefix.size());
    auto cp = views::parse_registry_checkpoint(
        std::string_view(it->value().data(), std::min<std::size_t>(it->value().size(), 8)));
    if (date && cp && cp->stamp <= as_of) found = date;
  }
  return found;
}

// The checkpoint of the district on `date`: its stamp and state; nullopt when unreadable.
std::optional<std::pair<Timestamp, RegistryState>> read_checkpoint(views::Reader reader,
                                                                   const std::string& district,
                                                                   Date date) {
  std::string value;
  if (!reader.get(views::Family::registry_checkpoints,
                  views::registry_checkpoint_key(district, date), value))
    return std::nullopt;
  auto cp = views::parse_registry_checkpoint(value);
  if (!cp) return std::nullopt;
  auto state = decode_registry_state(cp->state);
  if (!state) return std::nullopt;
  return std::make_pair(cp->stamp, std::move(*state));
}

Date new_year_after(Date d) { return Date::from_ymd(d.year() + 1, 1, 1); }

}  // namespace

RegistryState registry_state_folded(views::Reader reader, const std::string& district, Date at,
                                    Timestamp as_of) {
  RegistryState state;
  fold(reader, district, views::district_prefix(district), at, as_of, state);
  return state;
}

RegistryState registry_state(views::Reader reader, const std::string& district, Date at,
                             Timestamp as_of) {
  if (auto date = latest_checkpoint(reader, district, at, as_of))
    if (auto cp = read_checkpoint(reader, district, *date)) {
      // Every entry it folded is in force the same way at `as_of` (its stamp is earlier).
      fold(reader, district, views::district_after_date(district, Date{date->days - 1}), at, as_of,
           cp->second);
      return std::move(cp->second);
    }
  return registry_state_folded(reader, district, at, as_of);
}

namespace {

// The effective date of the district's first (or last) registry entry; nullopt when it has
// none.
std::optional<Date> entry_date(views::Reader reader, const std::string& district, bool last) {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  auto it = reader.iterator(views::Family::registry, ro);
  if (last) it->SeekForPrev(views::past_district(district));
  else it->Seek(views::district_prefix(district));
  views::DistrictOrder key;
  if (!it->Valid() ||
      !views::parse_district_order_key(std::string_view(it->key().data(), it->key().size()), key) ||
      key.district != district)
    return std::nullopt;
  return key.effective;
}

}  // namespace

void write_registry_checkpoints(views::Batch& batch, const std::string& district, Date from) {
  views::Reader reader(batch);
  // The checkpoints to stage are those on the new years after the latest checkpoint on or
  // before `from` (or after the first entry) up to the last entry: none, for an entry of the
  // district's latest year (what a live projector mostly sees), and then nothing is folded.
  auto last = entry_date(reader, district, true);
  if (!last) return;
  auto start = latest_checkpoint(reader, district, from, Timestamp::max());
  auto first = start ? start : entry_date(reader, district, false);
  if (!first || *last < new_year_after(*first)) return;
  const Date final_checkpoint = Date::from_ymd(last->year(), 1, 1);
  RegistryState state;
  Timestamp stamp{INT64_MIN};
  std::string begin = views::district_prefix(district);
  std::optional<Date> next;  // the next checkpoint's date
  if (auto date = start)
    if (auto cp = read_checkpoint(reader, district, *date)) {
      std::tie(stamp, state) = std::move(*cp);
      begin = views::district_after_date(district, Date{date->days - 1});
      next = new_year_after(*date);
    }
  scan_registry(reader, begin, views::past_district(district),
                [&](std::string_view k, const views::ViewEntry& entry) {
                  views::DistrictOrder key;
                  if (!views::parse_district_order_key(k, key)) return true;
                  if (!next) next = new_year_after(key.effective);
                  for (; *next <= key.effective; next = new_year_after(*next))
                    batch.put(
                        views::Family::registry_checkpoints,
                        views::registry_checkpoint_key(district, *next),
                        views::encode_registry_checkpoint(stamp, encode_registry_state(state)));
                  if (final_checkpoint < *next) return false;  // every checkpoint restaged
                  stamp = std::max({stamp, *entry.event.envelope.recorded_at,
                                    entry.retracted_at.value_or(Timestamp{INT64_MIN})});
                  if (entry.visible_at(Timestamp::max())) state.apply(entry.event);
                  return true;
                });
}

std::optional<SchoolRecord> school_on(views::Reader reader, const std::string& district,
                                      const std::string& school_id, Date at, Timestamp as_of) {
  std::string id = school_id;
  for (int hops = 0; hops < 64; ++hops) {
    RegistryState state;
    for (const auto& entry : timeline(reader, district, EntityKind::school, id, at, as_of)) {
      // A merger or split names other schools; make sure the fold knows them as open so the
      // event applies to this one (a school a split opens is known only from its source).
      if (const auto* m = std::get_if<SchoolMerged>(&entry.event.data)) {
        for (const auto& other : m->absorbed_ids)
          if (!state.schools.count(other)) state.schools[other].school_id = other;
        if (!state.schools.count(m->surviving_id))
          state.schools[m->surviving_id].school_id = m->surviving_id;
      } else if (const auto* sp = std::get_if<SchoolSplit>(&entry.event.data)) {
        if (!state.schools.count(sp->source_id))
          state.schools[sp->source_id].school_id = sp->source_id;
      }
      state.apply(entry.event);
    }
    auto it = state.schools.find(id);
    if (it == state.schools.end() || it->second.name.empty()) return std::nullopt;
    if (!it->second.merged_into) return it->second;
    id = *it->second.merged_into;
  }
  return std::nullopt;
}

std::optional<ClusterRecord> cluster_on(views::Reader reader, const std::string& district,
                                        const std::string& cluster_id, Date at, Timestamp as_of) {
  RegistryState state;
  for (const auto& entry : timeline(reader, district, EntityKind::cluster, cluster_id, at, as_of)) {
    if (const auto* j = std::get_if<SchoolJoinedCluster>(&entry.event.data))
      state.schools[j->school_id].school_id = j->school_id;  // membership needs only an open school
    state.apply(entry.event);
  }
  auto it = state.clusters.find(cluster_id);
  if (it == state.clusters.end()) return std::nullopt;
  // A member that stopped existing (closed, absorbed) left the cluster then; that event is
  // in the school's timeline, not the cluster's.
  std::erase_if(it->second.members, [&](const auto& member) {
    auto school = school_on(reader, district, member.first, at, as_of);
    return !school || school->school_id != member.first || !school->open();
  });
  return it->second;
}

}  // namespace annals
