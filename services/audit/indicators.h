// The supervision indicators of balanced development (校际均衡) for a district on a date,
// under one standard: per stage, each school's values, the student-weighted coefficient of
// variation of each indicator across schools, and the verdicts.
//
// For schools i with students p_i (P = Σ p_i) and indicator value x_i:
//   X = Σ p_i·x_i / P,  S = sqrt(Σ p_i·(x_i − X)² / P),  CV = S / X.
// A nine-year school counts once per stage, with that stage's students; facilities recorded
// for the whole school are apportioned between its stages by their shares of its students.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/audit/guarantees.h"
#include "services/audit/standard.h"
#include "services/history/district_state.h"

namespace annals {

struct WeightedValue {
  double weight;  // students
  double value;
};
// The student-weighted coefficient of variation; nullopt when the weighted mean is zero or
// there is no weight at all (CV is undefined then).
std::optional<double> weighted_cv(const std::vector<WeightedValue>& values);
// The student-weighted mean; 0 with no weight.
double weighted_mean(const std::vector<WeightedValue>& values);

struct SchoolIndicators {
  std::string school_id;
  std::string name;
  std::int64_t students = 0;
  std::vector<double> values;           // per indicator, in the standard's order
  std::vector<bool> meets_minimum;      // empty when the standard sets no minimums
  std::optional<bool> complies;         // per the standard's school rule, if it has one
  std::optional<std::string> excluded;  // why the school is left out, if it is
};

struct IndicatorResult {
  std::string id;
  std::string name;
  double district_value = 0;  // the student-weighted mean
  std::optional<double> cv;
  std::optional<double> minimum;  // per school
  std::size_t schools_below_minimum = 0;
  std::optional<double> max_cv;  // when each CV is judged on its own
  std::optional<bool> passes;
};

struct StageIndicators {
  Stage stage{};
  std::int64_t students = 0;
  std::size_t schools_counted = 0;
  std::vector<SchoolIndicators> schools;  // counted and excluded
  std::vector<IndicatorResult> indicators;
  std::optional<double> composite_cv;  // mean of the indicators' CVs
  double max_cv = 0;
  std::optional<bool> passes;  // nullopt: no school to judge
  std::size_t schools_complying = 0;
};

struct IndicatorReport {
  const Standard* standard = nullptr;
  std::string why_this_standard;
  std::vector<StageIndicators> stages;
  std::optional<bool> complies;  // every judged stage passes; nullopt when none could be judged
  std::vector<GuaranteeResult> guarantees;  // the standard's, judged on their own (guarantees.h)
};

// The indicators of `state` under `standard`, and its guarantees (compute_guarantees: the
// growths per pupil need `year_before`, the district one year earlier on the same clock).
IndicatorReport compute_indicators(const DistrictState& state, const Standard& standard,
                                   const DistrictState* year_before = nullptr);

}  // namespace annals
