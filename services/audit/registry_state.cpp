#include "services/audit/registry_state.h"

#include <memory>
#include <rocksdb/iterator.h>

namespace annals {

std::string RegistryState::resolve(const std::string& school_id) const {
  std::string id = school_id;
  for (int hops = 0; hops < 64; ++hops) {  // bounded: a cycle of mergers is not possible in time order
    auto it = schools.find(id);
    if (it == schools.end() || !it->second.merged_into) break;
    id = *it->second.merged_into;
  }
  return id;
}

namespace {

SchoolRecord new_school(const std::string& id, const std::string& name, const std::vector<Stage>& stages,
                        SchoolKind kind, Ownership ownership, LocationClass location, bool boarding, Date on) {
  SchoolRecord s;
  s.school_id = id;
  s.name = name;
  s.stages = stages;
  s.kind = kind;
  s.ownership = ownership;
  s.location = location;
  s.boarding = boarding;
  s.opened_on = on;
  return s;
}

}  // namespace

void RegistryState::apply(const Event& event) {
  const Date on = event.envelope.effective_date;
  // The open school an event about `id` lands on (the survivor, for an absorbed school).
  auto open_school = [&](const std::string& id) -> SchoolRecord* {
    auto it = schools.find(resolve(id));
    return it != schools.end() && it->second.open() ? &it->second : nullptr;
  };
  ++events_applied;
  std::visit(
      [&](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, DistrictRegistered>) {
          district = d;
        } else if constexpr (std::is_same_v<T, SchoolOpened>) {
          SchoolRecord s = new_school(d.school_id, d.name, d.stages, d.kind, d.ownership, d.location, d.boarding, on);
          s.township = d.township;
          schools[d.school_id] = std::move(s);
        } else if constexpr (std::is_same_v<T, SchoolClosed>) {
          auto it = schools.find(d.school_id);  // not resolved: closing a survivor by an old id is a mistake
          if (it != schools.end() && it->second.open()) {
            it->second.closed_on = on;
            it->second.closed_reason = d.reason;
          }
        } else if constexpr (std::is_same_v<T, SchoolMerged>) {
          SchoolRecord* survivor = open_school(d.surviving_id);
          if (!survivor) return;
          for (const auto& id : d.absorbed_ids) {
            auto it = schools.find(id);
            if (it == schools.end() || !it->second.open() || id == survivor->school_id) continue;
            it->second.closed_on = on;
            it->second.closed_reason = "merged into " + survivor->school_id;
            it->second.merged_into = survivor->school_id;
            survivor->absorbed.push_back({id, it->second.name, on});
          }
        } else if constexpr (std::is_same_v<T, SchoolSplit>) {
          SchoolRecord* source = open_school(d.source_id);
          if (!source) return;
          std::string source_id = source->school_id;
          if (d.source_closes) {
            source->closed_on = on;
            source->closed_reason = "split";
          }
          for (const auto& n : d.new_schools) {
            SchoolRecord s = new_school(n.school_id, n.name, n.stages, n.kind, n.ownership, n.location, n.boarding, on);
            s.split_from = source_id;
            schools[n.school_id] = std::move(s);
          }
        } else if constexpr (std::is_same_v<T, SchoolStagesChanged>) {
          if (auto* s = open_school(d.school_id)) s->stages = d.stages;
        } else if constexpr (std::is_same_v<T, SchoolRenamed>) {
          auto it = schools.find(d.school_id);
          if (it != schools.end() && it->second.open()) it->second.name = d.name;
        } else if constexpr (std::is_same_v<T, ClusterCreated>) {
          ClusterRecord c;
          c.cluster_id = d.cluster_id;
          c.name = d.name;
          c.kind = d.kind;
          c.cycle_years = d.cycle_years;
          c.created_on = on;
          clusters[d.cluster_id] = std::move(c);
        } else if constexpr (std::is_same_v<T, ClusterDissolved>) {
          auto it = clusters.find(d.cluster_id);
          if (it == clusters.end() || it->second.dissolved_on) return;
          it->second.dissolved_on = on;
          for (const auto& [school, role] : it->second.members) {
            auto s = schools.find(school);
            if (s != schools.end()) s->second.clusters.erase(d.cluster_id);
          }
          it->second.members.clear();
        } else if constexpr (std::is_same_v<T, SchoolJoinedCluster>) {
          auto c = clusters.find(d.cluster_id);
          SchoolRecord* s = open_school(d.school_id);
          if (c == clusters.end() || c->second.dissolved_on || !s) return;
          c->second.members[s->school_id] = d.role;
          s->clusters[d.cluster_id] = d.role;
        } else if constexpr (std::is_same_v<T, SchoolLeftCluster>) {
          auto c = clusters.find(d.cluster_id);
          SchoolRecord* s = open_school(d.school_id);
          if (c == clusters.end() || !s) return;
          c->second.members.erase(s->school_id);
          s->clusters.erase(d.cluster_id);
        }
        // Facilities events are folded by the indicator views (issue 5); not part of the roster.
      },
      event.data);
  // A merger also moves the absorbed schools' cluster memberships off the books.
  if (const auto* m = std::get_if<SchoolMerged>(&event.data)) {
    for (const auto& id : m->absorbed_ids) {
      auto it = schools.find(id);
      if (it == schools.end() || !it->second.merged_into) continue;
      for (const auto& [cluster, role] : it->second.clusters) {
        auto c = clusters.find(cluster);
        if (c != clusters.end()) c->second.members.erase(id);
      }
      it->second.clusters.clear();
    }
  }
}

RegistryState registry_state(views::ViewStore& store, const std::string& district, Date at,
                             Timestamp as_of) {
  RegistryState state;
  std::string begin = views::district_prefix(district);
  std::string end = views::district_after_date(district, at);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  ro.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(ro, store.family(views::Family::registry)));
  for (it->Seek(begin); it->Valid(); it->Next()) {
    auto entry = views::decode_view_entry(std::string_view(it->value().data(), it->value().size()));
    if (!entry || !entry->visible_at(as_of)) continue;
    state.apply(entry->event);
  }
  return state;
}

}  // namespace annals
