// Strong and weak schools for a rotation's direction (strength.h).
#include "services/audit/strength.h"

#include <algorithm>
#include <vector>

#include "services/audit/indicators.h"

namespace annals {

const char* SchoolStrengths::of(const DistrictState& state, const std::string& school_id) const {
  auto it = by_school.find(state.registry.resolve(school_id));
  if (it == by_school.end() || !median) return "unknown";
  return it->second >= *median ? "strong" : "weak";
}

SchoolStrengths school_strengths(const DistrictState& state, const Standard& standard) {
  SchoolStrengths out{standard.school_strength, {}, std::nullopt};
  if (standard.school_strength == StrengthMeasure::indicators_met) {
    std::map<std::string, std::pair<int, int>> met;  // school -> minimums met, judged
    for (const auto& stage : compute_indicators(state, standard).stages)
      for (const auto& s : stage.schools) {
        if (s.excluded) continue;
        for (bool m : s.meets_minimum) {
          met[s.school_id].first += m;
          ++met[s.school_id].second;
        }
      }
    for (const auto& [id, n] : met)
      if (n.second > 0) out.by_school[id] = double(n.first) / double(n.second);
  } else {
    for (const SchoolRecord* s : state.open_schools()) {
      auto f = state.figures.find(s->school_id);
      if (f == state.figures.end()) continue;
      const double teachers = double(total_of(f->second, Measure::teachers));
      if (teachers > 0)
        out.by_school[s->school_id] =
            double(total_of(f->second, Measure::backbone_teachers)) / teachers;
    }
  }
  std::vector<double> values;
  for (const auto& [id, v] : out.by_school) values.push_back(v);
  if (!values.empty()) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    out.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }
  return out;
}

}  // namespace annals
