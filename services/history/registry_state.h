// The registry of a district as it stood on a date, as recorded at a time: its schools
// (with lineage), clusters and the district's own yearly facts. Folded from the district's registry
// events in apply order (effective date, then recorded_at, then log position), skipping events
// recorded after the reader's recorded time or retracted by then.
//
// Cost: the fold starts from the district's checkpoint of the latest 1 January on or before
// the date whose stamp the recorded time has reached (services/views/format.h,
// registry_checkpoints; the projector keeps them, write_registry_checkpoints), so it reads at
// most the registry events of the dates since, not the whole history. A recorded time earlier
// than every usable checkpoint's stamp (a correction of an early year learned late) folds
// from an earlier checkpoint, or from the beginning.
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

// What the district itself reports for a year (not any school): the latest of each kind of
// report per year, a later one for the same year replacing it.
struct DistrictFacts {
  std::map<std::int64_t, BudgetAppropriated> budgets;                       // by fiscal year
  std::map<std::int64_t, DistrictDisabledChildrenCounted> disabled_census;  // by school year
  std::map<std::int64_t, DistrictSeniorHighQuotaAllocated> quotas;          // by admission year
};

struct RegistryState {
  std::optional<DistrictRegistered> district;
  DistrictFacts facts;
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
// visible at recorded time `as_of`, from a checkpoint where one serves.
RegistryState registry_state(views::Reader reader, const std::string& district, Date at,
                             Timestamp as_of);

// The same, folded from the beginning: the reference the property tests hold the
// checkpoints to.
RegistryState registry_state_folded(views::Reader reader, const std::string& district, Date at,
                                    Timestamp as_of);

// Projector side: restages the checkpoints of `district` on every 1 January after `from`,
// after registry entries effective on `from` or later were added or marked retracted in
// `batch`, and adds the missing ones up to the district's last entry. Folds from the latest
// checkpoint on or before `from`: for events recorded in date order, the current year's.
void write_registry_checkpoints(views::Batch& batch, const std::string& district, Date from);

// A checkpoint's state, in cereal's binary archive; nullopt when the bytes are not one.
std::string encode_registry_state(const RegistryState& state);
std::optional<RegistryState> decode_registry_state(std::string_view bytes);

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
