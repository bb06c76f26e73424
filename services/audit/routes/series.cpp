// The indicators over time (series.h).
#include "services/audit/routes/series.h"

#include "services/audit/indicators.h"
#include "services/audit/render.h"
#include "services/audit/routes/standards.h"
#include "services/history/district_state.h"

namespace annals::routes {

using nlohmann::json;

namespace {

// Per stage: each indicator's CV, the composite CV, the verdict, schools counted, students.
json stages_json(const IndicatorReport& report) {
  json stages = json::object();
  for (const auto& s : report.stages) {
    json cvs = json::object();
    for (const auto& i : s.indicators) cvs[i.id] = i.cv ? json(*i.cv) : json();
    stages[std::string(to_string(s.stage))] = {
        {"cv", cvs},
        {"composite_cv", s.composite_cv ? json(*s.composite_cv) : json()},
        {"passes", s.passes ? json(*s.passes) : json()},
        {"schools_counted", s.schools_counted},
        {"students", s.students}};
  }
  return stages;
}

json point(views::Reader reader, const Standards& standards, const SeriesQuestion& q, Date at) {
  json p = {{"at", at.to_string()}};
  StandardChoice choice = choose_standard(standards, q.standard, q.district, at);
  if (!choice.standard) {
    p["standard"] = nullptr;
    p["why"] = choice.why;
    return p;
  }
  IndicatorReport report =
      compute_indicators(district_state(reader, q.district, at, q.as_of), *choice.standard);
  p["standard"] = choice.standard->id;
  p["complies"] = report.complies ? json(*report.complies) : json();
  p["stages"] = stages_json(report);
  return p;
}

}  // namespace

json series(views::Reader reader, const Standards& standards, const SeriesQuestion& q) {
  json points = json::array();
  for (int k = 0; k < 1200; ++k) {
    Date at = q.step == "year" ? add_years(q.from, k) : add_months(q.from, k);
    if (q.to < at) break;
    points.push_back(point(reader, standards, q, at));
  }
  return {{"district", q.district}, {"from", q.from.to_string()},
          {"to", q.to.to_string()}, {"step", q.step},
          {"points", points},       {"consistent_to", consistent_to_json(reader.offsets())}};
}

}  // namespace annals::routes
