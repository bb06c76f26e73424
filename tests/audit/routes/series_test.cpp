// GET /v1/districts/{id}/indicators/series: the CVs over time, a point per year or month,
// each under the standard in force then (or the one asked for).
#include "services/audit/routes/series.h"

#include "audit_city.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::day;

class SeriesRoute : public testing::AuditCityTest {
 protected:
  static std::vector<std::string> dates(const json& body) {
    std::vector<std::string> out;
    for (const auto& p : body["points"]) out.push_back(p["at"]);
    return out;
  }
};

TEST_F(SeriesRoute, APointAYearUnderTheStandardInForceThen) {
  auto answer =
      get("/v1/districts/dc/indicators/series", {{"from", "2011-10-01"}, {"to", "2017-10-01"}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  json body = answer.json();
  EXPECT_EQ(body["district"], "dc");
  EXPECT_EQ(body["from"], "2011-10-01");
  EXPECT_EQ(body["to"], "2017-10-01");
  EXPECT_EQ(body["step"], "year");
  EXPECT_EQ(dates(body),
            (std::vector<std::string>{"2011-10-01", "2012-10-01", "2013-10-01", "2014-10-01",
                                      "2015-10-01", "2016-10-01", "2017-10-01"}));
  const json& points = body["points"];
  EXPECT_EQ(points[0], json({{"at", "2011-10-01"},
                             {"standard", nullptr},
                             {"why", "no standard was in force on 2011-10-01"}}));
  EXPECT_EQ(points[1]["standard"], "basic-balance-2012");
  EXPECT_EQ(points[6]["standard"], "quality-balance-2017");
  const json& primary = points[4]["stages"]["primary"];
  EXPECT_EQ(primary["students"], 4);
  EXPECT_EQ(primary["schools_counted"], 2);
  EXPECT_TRUE(primary["cv"].contains("floor_area_per_student"));
  EXPECT_TRUE(primary.contains("composite_cv"));
  EXPECT_TRUE(primary.contains("passes"));
  EXPECT_TRUE(points[4].contains("complies"));
  EXPECT_EQ(body["consistent_to"].size(), 3u);
}

TEST_F(SeriesRoute, AMonthStepKeepsTheDayAndRunsOnWhenTheMonthIsShort) {
  routes::SeriesQuestion q{"dc", day("2019-01-31"), day("2019-05-31"), Timestamp::max(), "month",
                           {}};
  EXPECT_EQ(dates(routes::series(reader(), standards, q)),
            (std::vector<std::string>{"2019-01-31", "2019-03-03", "2019-03-31", "2019-05-01",
                                      "2019-05-31"}));
  q.step = "year";
  q.from = day("2016-02-29");
  q.to = day("2020-02-29");
  EXPECT_EQ(dates(routes::series(reader(), standards, q)),
            (std::vector<std::string>{"2016-02-29", "2017-03-01", "2018-03-01", "2019-03-01",
                                      "2020-02-29"}));
}

TEST_F(SeriesRoute, AtMostTwelveHundredPoints) {
  routes::SeriesQuestion q{"dc", day("1900-01-01"), day("2099-12-31"), Timestamp::max(), "month",
                           {}};
  json body = routes::series(reader(), standards, q);
  ASSERT_EQ(body["points"].size(), 1200u);
  EXPECT_EQ(body["points"].back()["at"], "1999-12-01");
}

TEST_F(SeriesRoute, TheStandardAskedForAtEveryPoint) {
  json body =
      get("/v1/districts/dc/indicators/series",
          {{"from", "2012-10-01"}, {"to", "2013-10-01"}, {"standard", "quality-balance-2017"}})
          .json();
  for (const auto& p : body["points"]) EXPECT_EQ(p["standard"], "quality-balance-2017");
  // An unknown one answers each point without a standard (and without a reason).
  auto answer = get("/v1/districts/dc/indicators/series",
                    {{"from", "2012-10-01"}, {"to", "2013-10-01"}, {"standard", "nope"}});
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.json()["points"][1],
            json({{"at", "2013-10-01"}, {"standard", nullptr}, {"why", ""}}));
}

TEST_F(SeriesRoute, WrongParameters) {
  auto answer =
      get("/v1/districts/dc/indicators/series", {{"from", "2012-01-01"}, {"step", "week"}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.error(), "query parameter 'step' must be year or month, got 'week'");
  answer =
      get("/v1/districts/dc/indicators/series", {{"from", "2099-01-01"}, {"to", "2098-01-01"}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.error(), "'to' (2098-01-01) is before 'from' (2099-01-01)");
  answer = get("/v1/districts/xc/indicators/series", {{"from", "2012-01-01"}});
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.error(), "no district 'xc' in the record");
}

}  // namespace
}  // namespace annals
