// The districts' verdicts as gauges (services/audit/verdict_metrics.h): one series per judged
// district, stage and defined CV, labelled as the dashboards select them; computed at most
// once per max_age however often it is scraped, and a failed computation keeps the last.
#include "services/audit/verdict_metrics.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace annals {
namespace {

using prometheus::MetricFamily;

// The value of the series of `family` whose labels are exactly `labels`; nullopt if none.
std::optional<double> series(const MetricFamily& family,
                             std::map<std::string, std::string> labels) {
  for (const auto& m : family.metric) {
    std::map<std::string, std::string> got;
    for (const auto& l : m.label) got[l.name] = l.value;
    if (got == labels) return m.gauge.value;
  }
  return std::nullopt;
}

std::vector<DistrictVerdict> two_districts(const Standard& standard) {
  IndicatorResult area{"floor_area", "", 0, 0.42, {}, 0, {}, false};
  IndicatorResult undefined{"books", "", 0, std::nullopt, {}, 0, {}, std::nullopt};
  StageIndicators primary{Stage::primary, 900, 3, {}, {area, undefined}, {}, 0.5, false, 0};
  StageIndicators junior{Stage::junior, 0, 0, {}, {}, {}, 0.5, std::nullopt, 0};
  IndicatorReport failing{&standard, "", {primary, junior}, false};
  IndicatorReport unjudged{&standard, "", {junior}, std::nullopt};
  return {{"xicheng", failing}, {"empty", unjudged}};
}

TEST(VerdictMetrics, OneSeriesPerJudgedDistrictStageAndDefinedCv) {
  Standard standard;
  standard.id = "quality-balance-2017";
  auto families = verdict_families(two_districts(standard));
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].name, "annals_district_complies");
  EXPECT_EQ(families[0].metric.size(), 1u);  // "empty" could not be judged: no series
  EXPECT_EQ(series(families[0], {{"district", "xicheng"}, {"standard", "quality-balance-2017"}}),
            0.0);
  EXPECT_EQ(families[1].name, "annals_district_stage_passes");
  EXPECT_EQ(families[1].metric.size(), 1u);  // junior had no school to judge
  EXPECT_EQ(
      series(families[1],
             {{"district", "xicheng"}, {"standard", "quality-balance-2017"}, {"stage", "primary"}}),
      0.0);
  EXPECT_EQ(families[2].name, "annals_district_indicator_cv");
  EXPECT_EQ(families[2].metric.size(), 1u);  // the undefined CV has no series
  EXPECT_EQ(series(families[2], {{"district", "xicheng"},
                                 {"standard", "quality-balance-2017"},
                                 {"stage", "primary"},
                                 {"indicator", "floor_area"}}),
            0.42);
}

TEST(VerdictMetrics, ComputedOncePerMaxAgeAndAFailureKeepsTheLastFigures) {
  Standard standard;
  standard.id = "s";
  int calls = 0;
  bool fail = false;
  auto compute = [&] {
    ++calls;
    if (fail) throw std::runtime_error("the store went away");
    return two_districts(standard);
  };
  VerdictMetrics cached(compute, std::chrono::hours(1));
  cached.Collect();
  auto again = cached.Collect();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(again[0].metric.size(), 1u);

  calls = 0;
  VerdictMetrics every_time(compute, std::chrono::milliseconds(0));
  every_time.Collect();
  fail = true;
  auto after_failure = every_time.Collect();
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(after_failure.size(), 3u);
  EXPECT_EQ(after_failure[0].metric.size(), 1u);  // the figures of the last computation
}

}  // namespace
}  // namespace annals
