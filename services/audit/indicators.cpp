#include "services/audit/indicators.h"

#include <algorithm>
#include <cmath>

namespace annals {

double weighted_mean(const std::vector<WeightedValue>& values) {
  double p = 0, px = 0;
  for (const auto& v : values) {
    p += v.weight;
    px += v.weight * v.value;
  }
  return p > 0 ? px / p : 0;
}

std::optional<double> weighted_cv(const std::vector<WeightedValue>& values) {
  double p = 0;
  for (const auto& v : values) p += v.weight;
  double mean = weighted_mean(values);
  if (p <= 0 || mean == 0) return std::nullopt;
  double ss = 0;
  for (const auto& v : values) ss += v.weight * (v.value - mean) * (v.value - mean);
  return std::sqrt(ss / p) / mean;
}

namespace {

bool is_facility(Measure m) { return m >= Measure::floor_area; }

// Why a school is left out of a stage's indicators under `standard`, or nullopt.
std::optional<std::string> why_excluded(const SchoolRecord& school, const Standard& standard,
                                        std::int64_t students, std::int64_t all_students) {
  if (std::find(standard.excluded_kinds.begin(), standard.excluded_kinds.end(), school.kind) !=
      standard.excluded_kinds.end())
    return std::string("kind ") + std::string(to_string(school.kind)) + " is outside the standard";
  if (school.kind == SchoolKind::teaching_point &&
      all_students < standard.teaching_points_under_students)
    return "teaching point with " + std::to_string(all_students) + " students, under " +
           std::to_string(standard.teaching_points_under_students);
  if (students == 0) return "no students in this stage";
  return std::nullopt;
}

// A counted school's value of every indicator (added to `per_indicator`), which minimums it
// meets, and whether it complies; `out` counts it.
void score_school(SchoolIndicators& s, const Figures& f, const Standard& standard, Stage stage,
                  std::int64_t all_students, std::vector<std::vector<WeightedValue>>& per_indicator,
                  StageIndicators& out) {
  const Section section = section_of(stage);
  const std::int64_t students = s.students;
  // The section's own figures, plus its share of what is recorded for the whole school.
  const double share = all_students > 0 ? double(students) / double(all_students) : 0;
  std::size_t met = 0;
  bool others_close = true;
  for (std::size_t i = 0; i < standard.indicators.size(); ++i) {
    const auto& def = standard.indicators[i];
    double amount = double(total(f, section, def.measure));
    if (is_facility(def.measure)) amount += share * double(total(f, Section::whole, def.measure));
    double value = amount * natural(def.measure, 1) * def.per_students / double(students);
    s.values.push_back(value);
    per_indicator[i].push_back({double(students), value});
    if (auto m = def.minimum.find(stage); m != def.minimum.end()) {
      bool meets = value >= m->second;
      s.meets_minimum.push_back(meets);
      met += meets;
      if (!meets && value < standard.school_others_at_least_fraction * m->second)
        others_close = false;
    }
  }
  if (standard.school_min_indicators_met && s.meets_minimum.size() == standard.indicators.size()) {
    s.complies = int(met) >= *standard.school_min_indicators_met && others_close;
    out.schools_complying += *s.complies;
  }
  out.students += students;
  ++out.schools_counted;
}

// Every indicator's district mean, CV and verdict of a stage, and the stage's verdict.
void stage_verdict(const Standard& standard, Stage stage,
                   const std::vector<std::vector<WeightedValue>>& per_indicator,
                   StageIndicators& out) {
  double cv_sum = 0;
  bool all_cv = true, each_passes = true;
  for (std::size_t i = 0; i < standard.indicators.size(); ++i) {
    const auto& def = standard.indicators[i];
    IndicatorResult r{def.id, def.name, weighted_mean(per_indicator[i]),
                      weighted_cv(per_indicator[i])};
    if (auto m = def.minimum.find(stage); m != def.minimum.end()) {
      r.minimum = m->second;
      for (const auto& v : per_indicator[i]) r.schools_below_minimum += v.value < m->second;
    }
    if (r.cv) cv_sum += *r.cv;
    else all_cv = false;
    if (!standard.composite_cv && out.schools_counted > 0) {
      r.max_cv = out.max_cv;
      r.passes = r.cv && *r.cv <= out.max_cv;
      each_passes = each_passes && *r.passes;
    }
    out.indicators.push_back(std::move(r));
  }
  if (out.schools_counted > 0) {
    if (all_cv) out.composite_cv = cv_sum / double(standard.indicators.size());
    out.passes =
        standard.composite_cv ? (out.composite_cv && *out.composite_cv <= out.max_cv) : each_passes;
  }
}

// One stage's indicators: every open school that serves it or has pupils in it.
StageIndicators stage_indicators(const DistrictState& state, const Standard& standard,
                                 Stage stage) {
  StageIndicators out;
  out.stage = stage;
  out.max_cv = standard.max_cv.count(stage) ? standard.max_cv.at(stage) : 0;
  const Section section = section_of(stage);
  std::vector<std::vector<WeightedValue>> per_indicator(standard.indicators.size());
  for (const SchoolRecord* school : state.open_schools()) {
    const Figures& f = state.figures.at(school->school_id);
    const std::int64_t students = total(f, section, Measure::students);
    const bool serves =
        std::find(school->stages.begin(), school->stages.end(), stage) != school->stages.end();
    if (!serves && students == 0) continue;
    SchoolIndicators s{school->school_id, school->name, students, {}, {},
                       std::nullopt,      std::nullopt};
    const std::int64_t all_students = total(f, Section::primary, Measure::students) +
                                      total(f, Section::junior, Measure::students);
    s.excluded = why_excluded(*school, standard, students, all_students);
    if (!s.excluded) score_school(s, f, standard, stage, all_students, per_indicator, out);
    out.schools.push_back(std::move(s));
  }
  stage_verdict(standard, stage, per_indicator, out);
  return out;
}

}  // namespace

IndicatorReport compute_indicators(const DistrictState& state, const Standard& standard,
                                   const DistrictState* year_before) {
  IndicatorReport report;
  report.standard = &standard;
  for (Stage stage : {Stage::primary, Stage::junior})
    report.stages.push_back(stage_indicators(state, standard, stage));
  for (const auto& s : report.stages)
    if (s.passes) report.complies = report.complies.value_or(true) && *s.passes;
  report.guarantees = compute_guarantees(state, standard, year_before);
  return report;
}

}  // namespace annals
