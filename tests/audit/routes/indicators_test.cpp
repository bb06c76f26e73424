// GET /v1/districts/{id}/indicators, /indicators.csv and /indicators.xlsx: the indicators
// under the standard in force (or asked for), as JSON, the official CSV table or a workbook.
#include "services/audit/routes/indicators.h"

#include "audit_city.h"
#include "services/audit/indicator_tables.h"
#include "services/audit/routes/standards.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::day;
using testing::Params;

class IndicatorsRoute : public testing::AuditCityTest {};

TEST_F(IndicatorsRoute, JsonUnderTheStandardInForce) {
  auto answer = get("/v1/districts/dc/indicators", {{"at", "2016-01-01"}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  json body = answer.json();
  EXPECT_EQ(body["district"], "dc");
  EXPECT_EQ(body["district_name"], "东城区");
  EXPECT_EQ(body["at"], "2016-01-01");
  EXPECT_TRUE(body["recorded_at"].is_null());
  EXPECT_EQ(body["standard"]["id"], "basic-balance-2012");
  EXPECT_TRUE(body["standard"]["why"].get<std::string>().starts_with("in force on 2016-01-01: "));
  EXPECT_EQ(body["consistent_to"].size(), 3u);
  // The same as the report itself.
  const Standard& standard = *standards.find("basic-balance-2012");
  DistrictAt q{"dc", day("2016-01-01"), Timestamp::max()};
  auto direct =
      routes::indicators(reader(), q, standard, body["standard"]["why"].get<std::string>());
  std::string text = routes::indicators_json(direct);
  EXPECT_EQ(body, json::parse(text));
  EXPECT_EQ(text, json::parse(text).dump());  // written as a document dumps it
  EXPECT_EQ(body["stages"], report_json(direct.report)["stages"]);
  EXPECT_EQ(body["stages"][0]["students"], 4);
}

TEST_F(IndicatorsRoute, TheStandardAskedFor) {
  json body = get("/v1/districts/dc/indicators", {{"at", "2016-01-01"},
                                                  {"standard", "quality-balance-2017"},
                                                  {"recorded_at", "2020-02-15"}})
                  .json();
  EXPECT_EQ(body["standard"]["id"], "quality-balance-2017");
  EXPECT_EQ(body["standard"]["why"], "asked for by the request (?standard=quality-balance-2017)");
  EXPECT_EQ(body["recorded_at"], "2020-02-15T15:59:59.999999Z");
}

TEST_F(IndicatorsRoute, TheOfficialTableAsCsvAndAsAWorkbook) {
  for (const char* path : {"/v1/districts/dc/indicators.csv", "/v1/districts/dc/indicators"}) {
    Params p{{"at", "2016-01-01"}};
    if (std::string(path).ends_with("indicators")) p.push_back({"format", "csv"});
    auto csv = get(path, p);
    ASSERT_EQ(csv.status, 200) << path;
    EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
    EXPECT_EQ(csv.disposition, "attachment; filename=\"dc-indicators-2016-01-01.csv\"");
    ASSERT_TRUE(csv.body.starts_with("\xEF\xBB\xBF"));
    auto direct = routes::indicators(reader(), {"dc", day("2016-01-01"), Timestamp::max()},
                                     *standards.find("basic-balance-2012"), "");
    EXPECT_EQ(csv.body.substr(3), report_csv(direct.report, "东城区", day("2016-01-01")));
  }
  auto xlsx = get("/v1/districts/dc/indicators.xlsx", {{"at", "2016-01-01"}, {"format", "json"}});
  ASSERT_EQ(xlsx.status, 200);
  EXPECT_EQ(xlsx.content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(xlsx.disposition, "attachment; filename=\"dc-indicators-2016-01-01.xlsx\"");
  EXPECT_TRUE(xlsx.body.starts_with("PK"));  // a zip archive
  EXPECT_EQ(
      get("/v1/districts/dc/indicators", {{"at", "2016-01-01"}, {"format", "xlsx"}}).disposition,
      xlsx.disposition);
}

TEST_F(IndicatorsRoute, NoStandardIs404ThenAWrongFormatIs400) {
  auto answer = get("/v1/districts/dc/indicators", {{"at", "2011-01-01"}});
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.error(), "no standard was in force on 2011-01-01: ask for one with ?standard=");
  answer = get("/v1/districts/dc/indicators", {{"standard", "nope"}, {"format", "pdf"}});
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.error(), "no standard 'nope'; known: basic-balance-2012, quality-balance-2017");
  answer = get("/v1/districts/dc/indicators", {{"at", "2016-01-01"}, {"format", "pdf"}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.error(), "query parameter 'format' must be json, csv or xlsx, got 'pdf'");
  EXPECT_EQ(get("/v1/districts/xc/indicators.csv").status, 404);
  EXPECT_EQ(get("/v1/districts/dc/indicators.xlsx", {{"at", "x"}}).status, 400);
}

}  // namespace
}  // namespace annals
