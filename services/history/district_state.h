// A district on a date, as recorded at a time: its registry (schools, lineage, clusters) and
// the figures of each school standing then, with the schools it absorbed counted in it
// (docs/domain.md, "Mergers and splits": from a merger on, the absorbed schools' students, teachers
// and facilities belong to the survivor).
#pragma once

#include <map>
#include <string>

#include "services/history/figures.h"
#include "services/history/registry_state.h"

namespace annals {

struct DistrictState {
  std::string district;
  Date at;
  Timestamp as_of;
  RegistryState registry;
  std::map<std::string, Figures> figures;  // by open school

  // The open schools, in id order.
  std::vector<const SchoolRecord*> open_schools() const;
};

// The figures: one seek per school in its step function, and as recorded at `as_of` only the
// changes learned on the other side of it (figures.h: figures_at). The registry part folds
// the district's registry events up to `at` (registry_state.h).
DistrictState district_state(views::Reader reader, const std::string& district, Date at,
                             Timestamp as_of);

}  // namespace annals
