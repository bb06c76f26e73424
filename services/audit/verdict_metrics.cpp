// The districts' verdicts as gauges (verdict_metrics.h).
#include "services/audit/verdict_metrics.h"

#include <exception>
#include <iostream>

namespace annals {
namespace {

using Labels = std::vector<prometheus::ClientMetric::Label>;

void add(prometheus::MetricFamily& family, double value, Labels labels) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  family.metric.push_back(std::move(m));
}

}  // namespace

std::vector<prometheus::MetricFamily> verdict_families(
    const std::vector<DistrictVerdict>& verdicts) {
  using prometheus::MetricType;
  prometheus::MetricFamily complies{
      "annals_district_complies",
      "1 when the district meets the standard in force there today, 0 when it fails it.",
      MetricType::Gauge,
      {}};
  prometheus::MetricFamily passes{"annals_district_stage_passes",
                                  "1 when the stage meets the standard in force today, 0 when not.",
                                  MetricType::Gauge,
                                  {}};
  prometheus::MetricFamily cv{"annals_district_indicator_cv",
                              "The student-weighted coefficient of variation of an indicator "
                              "across the stage's schools today (docs/domain.md).",
                              MetricType::Gauge,
                              {}};
  for (const auto& v : verdicts) {
    Labels district{{"district", v.district}, {"standard", v.report.standard->id}};
    if (v.report.complies) add(complies, *v.report.complies ? 1 : 0, district);
    for (const auto& s : v.report.stages) {
      Labels stage = district;
      stage.push_back({"stage", std::string(to_string(s.stage))});
      if (s.passes) add(passes, *s.passes ? 1 : 0, stage);
      for (const auto& i : s.indicators) {
        if (!i.cv) continue;
        Labels indicator = stage;
        indicator.push_back({"indicator", i.id});
        add(cv, *i.cv, indicator);
      }
    }
  }
  return {complies, passes, cv};
}

VerdictMetrics::VerdictMetrics(std::function<std::vector<DistrictVerdict>()> compute,
                               std::chrono::milliseconds max_age)
    : compute_(std::move(compute)), max_age_(max_age) {}

std::vector<prometheus::MetricFamily> VerdictMetrics::Collect() const {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (!computed_ || now - *computed_ >= max_age_) {
    computed_ = now;  // a failure is not tried again on every scrape either
    try {
      families_ = verdict_families(compute_());
    } catch (const std::exception& e) {  // the last figures stay; the scrape goes on
      std::cerr << "annals-audit: the verdict gauges were not computed: " << e.what() << std::endl;
    }
  }
  return families_;
}

}  // namespace annals
