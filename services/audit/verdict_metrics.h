// The districts' verdicts as Prometheus gauges, for dashboards and alerts
// (deploy/grafana/dashboards/annals-audit.json): whether each district meets the standard in
// force there today, stage by stage, and each indicator's coefficient of variation, as the
// record knows them now. Computed on a scrape, at most once per `max_age` (a district's
// indicators take milliseconds and the record changes slowly), so that frequent or repeated
// scrapes cost one computation; the others answer the figures of the last one.
//
//   annals_district_complies{district, standard}                 1 meets it, 0 fails it
//   annals_district_stage_passes{district, standard, stage}      1 or 0, per judged stage
//   annals_district_indicator_cv{district, standard, stage, indicator}  the CV, when defined
//
// A district or stage the standard could not judge (no school to count) has no series.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "services/audit/indicators.h"

namespace annals {

struct DistrictVerdict {
  std::string district;
  IndicatorReport report;  // its standard is the one in force there today
};

class VerdictMetrics : public prometheus::Collectable {
 public:
  // `compute` gives every district's verdict now; it is called from the scraping thread.
  VerdictMetrics(std::function<std::vector<DistrictVerdict>()> compute,
                 std::chrono::milliseconds max_age);

  // The gauges above, computed again when the last computation is older than `max_age`.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::function<std::vector<DistrictVerdict>()> compute_;
  std::chrono::milliseconds max_age_;
  mutable std::mutex mu_;  // one computation at a time; guards the two below
  mutable std::vector<prometheus::MetricFamily> families_;
  mutable std::optional<std::chrono::steady_clock::time_point> computed_;
};

// The gauges of `verdicts` (what Collect answers), for the tests.
std::vector<prometheus::MetricFamily> verdict_families(
    const std::vector<DistrictVerdict>& verdicts);

}  // namespace annals
