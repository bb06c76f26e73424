// The roster of a district on a date: schools, their lineage, clusters
// (services/history/registry_state.h).
#include "services/history/registry_state.h"

#include <memory>

#include <rocksdb/iterator.h>

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
// Events of other systems, and facilities events (folded into the figures instead,
// services/history/contributions.cpp), change nothing here.
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

RegistryState registry_state(views::Reader reader, const std::string& district, Date at,
                             Timestamp as_of) {
  RegistryState state;
  std::string begin = views::district_prefix(district);
  std::string end = views::district_after_date(district, at);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  ro.prefix_same_as_start = true;
  auto it = reader.iterator(views::Family::registry, ro);
  for (it->Seek(begin); it->Valid() && it->key().compare(upper) < 0; it->Next()) {
    auto entry = views::decode_view_entry(std::string_view(it->value().data(), it->value().size()));
    if (!entry || !entry->visible_at(as_of)) continue;
    state.apply(entry->event);
  }
  return state;
}

std::optional<SchoolRecord> school_on(views::Reader reader, const std::string& district,
                                      const std::string& school_id, Date at, Timestamp as_of) {
  std::string id = school_id;
  for (int hops = 0; hops < 64; ++hops) {
    RegistryState state;
    for (const auto& entry : timeline(reader, district, EntityKind::school, id, at, as_of)) {
      // A merger or split names other schools; make sure the fold knows them as open so the
      // event applies to this one.
      if (const auto* m = std::get_if<SchoolMerged>(&entry.event.data)) {
        for (const auto& other : m->absorbed_ids)
          if (!state.schools.count(other)) state.schools[other].school_id = other;
        if (!state.schools.count(m->surviving_id))
          state.schools[m->surviving_id].school_id = m->surviving_id;
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
