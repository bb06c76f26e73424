// The registry of a district as it stood on a date, as recorded at a time: its schools
// (with lineage) and clusters. Folded from the district's registry events in apply order
// (effective date, then recorded_at, then log position), skipping events recorded after
// the reader's recorded time or retracted by then.
//
// Cost: one prefix scan of the district's registry events up to the date. Registry events
// are few (openings, closings, mergers, surveys, cluster changes: tens per school per
// decade), so this stays in the low milliseconds for a 300-school district; dated
// checkpoints that make it independent of history length are the projector's next step.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "events/event.h"
#include "services/views/view_store.h"

namespace annals {

struct Absorption {
  std::string school_id;
  std::string name;
  Date on;
};

// A school as the registry knows it on a date: what it opened as (kept up to date by
// renames and stage changes), and what happened to it since.
struct SchoolRecord : SchoolProfile {
  std::optional<std::string> township;
  Date opened_on;
  std::optional<Date> closed_on;
  std::optional<std::string> closed_reason;
  std::optional<std::string> merged_into;  // set when closed by a merger
  std::optional<std::string> split_from;
  std::vector<Absorption> absorbed;  // lineage: what this school absorbed, when
  std::map<std::string, MemberRole> clusters;
  bool open() const { return !closed_on.has_value(); }
};

struct ClusterRecord {
  std::string cluster_id;
  std::string name;
  ClusterKind kind{};
  std::optional<std::int64_t> cycle_years;
  Date created_on;
  std::optional<Date> dissolved_on;
  std::map<std::string, MemberRole> members;
};

struct RegistryState {
  std::optional<DistrictRegistered> district;
  std::map<std::string, SchoolRecord> schools;  // every school known by then, open or not
  std::map<std::string, ClusterRecord> clusters;
  std::size_t events_applied = 0;

  // Follows mergers from `school_id` to the school that now holds it.
  std::string resolve(const std::string& school_id) const;
  // Applies one event, on its effective date.
  void apply(const Event& event);
  // A school that stops existing leaves every cluster it was in.
  void leave_clusters(SchoolRecord& school);
};

// The state of `district` after every registry event effective on or before `at` and
// visible at recorded time `as_of`.
RegistryState registry_state(views::Reader reader, const std::string& district, Date at,
                             Timestamp as_of);

// One school on `at` as recorded at `as_of`, folded from its own timeline only; when it has
// been absorbed by then, the school that holds it (docs/domain.md, "Mergers and splits": events for
// an absorbed school dated on or after the merger apply to the survivor). nullopt when never opened
// by then.
std::optional<SchoolRecord> school_on(views::Reader reader, const std::string& district,
                                      const std::string& school_id, Date at, Timestamp as_of);

// One cluster on `at`, from its own timeline; nullopt when never created by then.
std::optional<ClusterRecord> cluster_on(views::Reader reader, const std::string& district,
                                        const std::string& cluster_id, Date at, Timestamp as_of);

}  // namespace annals
