// The measurable guarantees a supervision visit checks beside the indicators (the 2017
// method's government-guarantee items that the record can measure, and a district's local
// targets), for a district on a date: each one's district value, its threshold from the
// standard's rule file (standard.h: GuaranteeDefinition) and the schools that fail it.
// docs/guarantees.md cites each threshold's source and lists the items the record cannot
// measure, with the reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/audit/standard.h"
#include "services/history/district_state.h"

namespace annals {

// A school that fails a per-school guarantee: its value and the threshold it was held to.
struct GuaranteeFailure {
  std::string school_id;
  std::string name;
  double value = 0;
  double threshold = 0;
};

struct GuaranteeResult {
  const GuaranteeDefinition* definition = nullptr;
  // The district's value: school_size the largest school's pupils, class_size the largest
  // class of the stage; the shares and growths as a fraction of 1;
  // special_education_operating_funds the yuan per pupil of those schools together. nullopt
  // when there is nothing to measure (no school, no migrant pupil, no census, ...).
  std::optional<double> value;
  std::size_t schools_checked = 0;
  std::vector<GuaranteeFailure> failing;  // schools under (or over) the threshold, by id
  std::optional<bool> met;                // nullopt: nothing to judge
  // The year the value is about, for the district's yearly facts: the fiscal year of a
  // growth, the school year of the census, the admission year of the quota.
  std::optional<std::int64_t> year;
};

// Every guarantee of `standard` for the open schools of `state`, in the standard's order.
// Money is the allocations for the fiscal year of the date (services/views/series.h).
// `year_before` is the district one year before the date on the same recorded clock: the
// growths per pupil compare with it, the rotations take the teachers eligible from it
// (needs_year_before, standard.h), and they answer nothing without it.
std::vector<GuaranteeResult> compute_guarantees(const DistrictState& state,
                                                const Standard& standard,
                                                const DistrictState* year_before = nullptr);

// The date one year before `d` (28 February for a 29 February).
Date year_before(Date d);

}  // namespace annals
