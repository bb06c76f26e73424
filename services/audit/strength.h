// Which schools of a district are strong and which weak on a date, for the direction of a
// teacher's rotation (交流轮岗 "from strong schools to weak ones"): each open school's strength
// by the measure the standard in force names (standard.h: StrengthMeasure), and the district's
// median of it. docs/guarantees.md, "Rotation direction", says why each measure and the median.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "services/audit/standard.h"
#include "services/history/district_state.h"

namespace annals {

struct SchoolStrengths {
  StrengthMeasure measure{};
  std::map<std::string, double> by_school;  // the open schools that have a strength
  std::optional<double> median;             // of by_school; nullopt when it is empty

  // "strong" (at or above the median), "weak" (below) or "unknown" (no strength: no teacher,
  // no indicator judged, not open on the date) for `school_id`, after mergers resolved.
  const char* of(const DistrictState& state, const std::string& school_id) const;
};

// The strengths of the open schools of `state` under `standard`. indicators_met: the share of
// the school's indicator minimums (over its counted stages) it meets, for schools the
// standard counts; backbone_share: backbone teachers of district level or above over
// full-time teachers, for schools with teachers.
SchoolStrengths school_strengths(const DistrictState& state, const Standard& standard);

}  // namespace annals
