// The route table: every route of the API once, with the endpoint name its metrics carry
// (dashboards and alerts select on them: they must not change), in the order installed.
#include "services/audit/routes.h"

#include <regex>
#include <set>

#include <gtest/gtest.h>

namespace annals {
namespace {

TEST(RouteTable, EveryRouteWithItsEndpointName) {
  std::vector<std::pair<std::string, std::string>> table;
  for (const Route& r : route_table()) {
    table.emplace_back(r.pattern, r.endpoint);
    EXPECT_NE(r.handler, nullptr) << r.pattern;
  }
  std::vector<std::pair<std::string, std::string>> expected = {
      {"/v1/districts", "districts"},
      {R"(/v1/districts/([^/]+)/state)", "state"},
      {R"(/v1/districts/([^/]+)/schools)", "schools"},
      {R"(/v1/districts/([^/]+)/indicators)", "indicators"},
      {R"(/v1/districts/([^/]+)/indicators\.csv)", "indicators_csv"},
      {R"(/v1/districts/([^/]+)/indicators\.xlsx)", "indicators_xlsx"},
      {R"(/v1/districts/([^/]+)/indicators/series)", "indicators_series"},
      {R"(/v1/districts/([^/]+)/events)", "events"},
      {R"(/v1/districts/([^/]+)/rotations)", "rotations"},
      {R"(/v1/districts/([^/]+)/admissions)", "admissions"},
      {R"(/v1/districts/([^/]+)/diff)", "diff"},
      {R"(/v1/districts/([^/]+)/log/head)", "log_head"},
      {R"(/v1/districts/([^/]+)/log/inclusion)", "log_inclusion"},
      {R"(/v1/districts/([^/]+)/log/consistency)", "log_consistency"},
      {R"(/v1/schools/([^/]+)/timeline)", "school_timeline"},
      {R"(/v1/teachers/([^/]+)/timeline)", "teacher_timeline"},
      {R"(/v1/clusters/([^/]+))", "cluster"},
      {"/v1/standards", "standards"},
  };
  EXPECT_EQ(table, expected);
}

TEST(RouteTable, APathMatchesOneRouteAtMost) {
  for (const char* path :
       {"/v1/districts", "/v1/districts/dc/state", "/v1/districts/dc/indicators",
        "/v1/districts/dc/indicators.csv", "/v1/districts/dc/indicators/series", "/v1/clusters/xq",
        "/v1/standards", "/v1/districts/dc/log/head", "/v1/districts/dc/log/inclusion"}) {
    int matches = 0;
    for (const Route& r : route_table()) matches += std::regex_match(path, std::regex(r.pattern));
    EXPECT_EQ(matches, 1) << path;
  }
  for (const char* path :
       {"/v1/districts/dc", "/v1/districts/dc/indicatorsxcsv", "/v1/clusters/xq/x"}) {
    for (const Route& r : route_table())
      EXPECT_FALSE(std::regex_match(path, std::regex(r.pattern))) << path;
  }
}

}  // namespace
}  // namespace annals
