// GET /v1/districts/{id}/diff: what changed between two points of history (a date as
// recorded at a time), and the events that did it.
#include "services/audit/routes/diff.h"

#include "audit_city.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::day;

class DiffRoute : public testing::AuditCityTest {
 protected:
  // The answer, read back; its text is exactly what a document of it dumps.
  json diff_of(const routes::DiffQuestion& q) {
    std::string text = routes::diff(reader(), q);
    json body = json::parse(text);
    EXPECT_EQ(text, body.dump());
    return body;
  }
};

TEST_F(DiffRoute, AMergerStopsASchoolAndIsTheCause) {
  json body = diff_of(
      {"dc", day("2018-08-31"), day("2018-09-01"), Timestamp::max(), Timestamp::max(), 100});
  EXPECT_EQ(body["district"], "dc");
  EXPECT_EQ(body["from"], json({{"at", "2018-08-31"}, {"recorded_at", nullptr}}));
  EXPECT_EQ(body["to"], json({{"at", "2018-09-01"}, {"recorded_at", nullptr}}));
  EXPECT_EQ(body["schools_opened"], json::array());
  EXPECT_EQ(body["schools_stopped"], json({{{"school_id", "b"},
                                            {"name", "乙小学"},
                                            {"closed_on", "2018-09-01"},
                                            {"merged_into", "a"},
                                            {"reason", "merged into a"}}}));
  ASSERT_EQ(body["events"].size(), 1u);
  EXPECT_EQ(body["events"][0], json::parse(encode_event(testing::dongcheng().back())));
  EXPECT_EQ(body["events_by_type"], json({{"school.merged", 1}}));
  EXPECT_EQ(body["events_total"], 1);
  EXPECT_EQ(body["events_truncated"], false);
  EXPECT_EQ(body["consistent_to"].size(), 3u);
}

TEST_F(DiffRoute, ALateRecordIsACorrectionWithItsFigures) {
  // The census of 2012-03-01 as recorded on 2020-02-01, and as corrected since.
  auto answer =
      get("/v1/districts/dc/diff",
          {{"from", "2012-03-01"}, {"to", "2012-03-01"}, {"from_recorded_at", "2020-02-01"}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  json body = answer.json();
  EXPECT_EQ(body["from"]["recorded_at"], "2020-02-01T15:59:59.999999Z");
  EXPECT_TRUE(body["to"]["recorded_at"].is_null());
  json floor = {{"section", "whole"}, {"measure", "floor_area"}, {"unit", "m2"},
                {"before", 1000.0},   {"after", 1200.0},         {"change", 200.0}};
  ASSERT_EQ(body["schools_changed"].size(), 1u);
  EXPECT_EQ(body["schools_changed"][0]["school_id"], "a");
  EXPECT_EQ(body["schools_changed"][0]["name"], "甲小学");
  EXPECT_EQ(body["schools_changed"][0]["figures"], json({floor}));
  EXPECT_EQ(body["totals"], json({floor}));
  ASSERT_EQ(body["events"].size(), 1u);
  EXPECT_EQ(body["events"][0]["type"], "school.facilities_surveyed");
  EXPECT_EQ(body["events"][0]["correction"], true);
  EXPECT_EQ(body["events"][0]["data"]["floor_area_m2"], 1200);
}

TEST_F(DiffRoute, CountsAreInNaturalUnits) {
  json body = diff_of(
      {"dc", day("2015-08-31"), day("2015-09-01"), Timestamp::max(), Timestamp::max(), 100});
  json totals = body["totals"];
  auto students = std::find_if(totals.begin(), totals.end(), [](const json& c) {
    return c["measure"] == "students" && c["section"] == "primary";
  });
  ASSERT_NE(students, totals.end());
  EXPECT_EQ(*students, json({{"section", "primary"},
                             {"measure", "students"},
                             {"unit", "count"},
                             {"before", 0},
                             {"after", 4},
                             {"change", 4}}));
  EXPECT_EQ(body["events_by_type"], json({{"student.enrolled", 4}, {"teacher.transferred", 1}}));
  EXPECT_EQ(body["events_total"], 5);
}

TEST_F(DiffRoute, ListsTheFirstLimitCausesAndCountsThemAll) {
  auto answer =
      get("/v1/districts/dc/diff", {{"from", "2015-08-31"}, {"to", "2015-09-01"}, {"limit", "2"}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  json body = answer.json();
  ASSERT_EQ(body["events"].size(), 2u);
  EXPECT_EQ(body["events_total"], 5);
  EXPECT_EQ(body["events_truncated"], true);
  answer =
      get("/v1/districts/dc/diff", {{"from", "2015-08-31"}, {"to", "2015-09-01"}, {"limit", "5"}});
  EXPECT_EQ(answer.json()["events"].size(), 5u);
  EXPECT_EQ(answer.json()["events_truncated"], false);
}

TEST_F(DiffRoute, WrongParameters) {
  auto answer = get("/v1/districts/dc/diff", {{"from", "2019-01-01"}, {"to", "2018-01-01"}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.error(), "'to' (2018-01-01) is before 'from' (2019-01-01)");
  answer = get("/v1/districts/dc/diff", {{"from", "2018-01-01"}, {"to_recorded_at", "soon"}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.error(),
            "query parameter 'to_recorded_at' must be an RFC 3339 timestamp or a date YYYY-MM-DD, "
            "got 'soon'");
  answer = get("/v1/districts/dc/diff", {{"from", "2018-01-01"}, {"limit", "0"}});
  EXPECT_EQ(answer.status, 400);
  answer = get("/v1/districts/xc/diff", {{"from", "2018-01-01"}});
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.error(), "no district 'xc' in the record");
}

}  // namespace
}  // namespace annals
