// GET /v1/districts/{id}/state and /schools: the roster on a date, on both clocks, and the
// prologue every district question shares (?at=, ?recorded_at=, the district or 404).
#include "services/audit/routes/state.h"

#include "audit_city.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::day;
using testing::Params;

class StateRoute : public testing::AuditCityTest {
 protected:
  // The answer, read back; its text is exactly what a document of it dumps (sorted keys,
  // nlohmann's numbers and strings): the JsonWriter reads the same as a document would.
  json state_of(const DistrictAt& q) {
    std::string text = routes::state(reader(), q);
    json body = json::parse(text);
    EXPECT_EQ(text, body.dump());
    return body;
  }
};

TEST_F(StateRoute, TheRosterOnADateWithFiguresAndClusters) {
  json body = state_of({"dc", day("2016-01-01"), Timestamp::max()});
  EXPECT_EQ(body["district"], "dc");
  EXPECT_EQ(body["district_name"], "东城区");
  EXPECT_EQ(body["at"], "2016-01-01");
  EXPECT_TRUE(body["recorded_at"].is_null());
  ASSERT_EQ(body["schools"].size(), 2u);
  const json& a = body["schools"][0];
  EXPECT_EQ(a["school_id"], "a");
  EXPECT_EQ(a["name"], "甲小学");  // the rename was retracted
  EXPECT_EQ(a["stages"], json({"primary"}));
  EXPECT_EQ(a["location"], "urban");
  EXPECT_EQ(a["opened_on"], "2000-09-01");
  EXPECT_EQ(a["clusters"], json({{"xq", "lead"}}));
  EXPECT_EQ(a["students"],
            json({{"total", 3}, {"by_stage", {{"primary", 3}}}, {"by_grade", {{"1", 3}}}}));
  EXPECT_EQ(a["figures"]["whole"], json({{"floor_area_m2", 1200.0},
                                         {"sports_area_m2", 2000.0},
                                         {"equipment_value_yuan", 50000.0}}));
  EXPECT_EQ(a["figures"]["primary"]["students"], 3);
  const json& b = body["schools"][1];
  EXPECT_EQ(b["school_id"], "b");
  EXPECT_EQ(b["location"], "rural");
  EXPECT_EQ(b["students"]["total"], 1);
  EXPECT_EQ(b["figures"]["primary"]["migrant_students"], 1);
  EXPECT_EQ(body["closed_or_absorbed"], 0);
  EXPECT_EQ(body["totals"]["schools"], 2);
  EXPECT_EQ(body["totals"]["figures"]["primary"]["students"], 4);
  EXPECT_EQ(body["totals"]["figures"]["whole"]["floor_area_m2"], 1200.0);
  ASSERT_EQ(body["clusters"].size(), 1u);
  EXPECT_EQ(
      body["clusters"][0],
      json({{"cluster_id", "xq"},
            {"name", "第一学区"},
            {"kind", "school_district"},
            {"created_on", "2004-11-01"},
            {"members",
             {{{"school_id", "a"}, {"role", "lead"}}, {{"school_id", "b"}, {"role", "member"}}}}}));
  json consistent = body["consistent_to"];
  EXPECT_EQ(consistent.size(), 3u);
  EXPECT_NE(std::find(consistent.begin(), consistent.end(),
                      json({{"topic", "a.registry"}, {"partition", 0}, {"next_offset", 11}})),
            consistent.end());
  EXPECT_NE(std::find(consistent.begin(), consistent.end(),
                      json({{"topic", "a.enrollment"}, {"partition", 0}, {"next_offset", 4}})),
            consistent.end());
}

TEST_F(StateRoute, FromAMergerOnTheSurvivorHoldsTheAbsorbedSchool) {
  json body = state_of({"dc", day("2019-01-01"), Timestamp::max()});
  ASSERT_EQ(body["schools"].size(), 1u);
  const json& a = body["schools"][0];
  EXPECT_EQ(a["absorbed"], json({{{"school_id", "b"}, {"name", "乙小学"}, {"on", "2018-09-01"}}}));
  EXPECT_EQ(a["students"]["total"], 4);
  EXPECT_EQ(body["closed_or_absorbed"], 1);
  EXPECT_EQ(body["clusters"][0]["members"].size(), 1u);
}

TEST_F(StateRoute, AsRecordedAtATimeTheLaterRecordsAreNotThere) {
  // Before the merger was recorded (2020-01-02), both schools stand in 2019.
  json before = state_of({"dc", day("2019-01-01"), testing::at("2020-01-01T12:00:00Z")});
  EXPECT_EQ(before["schools"].size(), 2u);
  EXPECT_EQ(before["recorded_at"], "2020-01-01T12:00:00.000000Z");
  // Before the facilities census was corrected (2020-03-01), a had 1000 m².
  json census = state_of({"dc", day("2016-01-01"), testing::at("2020-02-15T00:00:00Z")});
  EXPECT_EQ(census["schools"][0]["figures"]["whole"]["floor_area_m2"], 1000.0);
}

TEST_F(StateRoute, TheRouteReadsAtAndRecordedAt) {
  auto answer =
      get("/v1/districts/dc/state", {{"at", "2019-01-01"}, {"recorded_at", "2020-01-01"}});
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.content_type, "application/json");
  json body = answer.json();
  EXPECT_EQ(body["at"], "2019-01-01");
  // A bare date is the end of that day in Beijing: before the merger was recorded
  // (2020-01-02T00:00:00Z), so both schools stand.
  EXPECT_EQ(body["recorded_at"], "2020-01-01T15:59:59.999999Z");
  EXPECT_EQ(body["schools"].size(), 2u);
  EXPECT_EQ(body, state_of({"dc", day("2019-01-01"), testing::at("2020-01-01T15:59:59.999999Z")}));
}

TEST_F(StateRoute, WithoutAtTheAnswerIsForTodayInBeijing) {
  Date today = today_in_beijing();
  json body = get("/v1/districts/dc/state").json();
  // Past midnight in Beijing between the two readings at most.
  EXPECT_TRUE(body["at"] == today.to_string() || body["at"] == Date{today.days + 1}.to_string());
  EXPECT_TRUE(body["recorded_at"].is_null());
  EXPECT_EQ(body["schools"].size(), 1u);
}

TEST_F(StateRoute, TheRosterIsTheSameAnswer) {
  Params p{{"at", "2016-01-01"}};
  auto state = get("/v1/districts/dc/state", p), roster = get("/v1/districts/dc/schools", p);
  EXPECT_EQ(roster.status, 200);
  EXPECT_EQ(roster.body, state.body);
}

TEST_F(StateRoute, AMalformedDateIs400) {
  auto answer = get("/v1/districts/dc/state", {{"at", "2019-02-30"}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.error(), "query parameter 'at' must be a date YYYY-MM-DD, got '2019-02-30'");
  answer = get("/v1/districts/dc/state", {{"recorded_at", "yesterday"}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.error(),
            "query parameter 'recorded_at' must be an RFC 3339 timestamp or a date YYYY-MM-DD, got "
            "'yesterday'");
}

TEST_F(StateRoute, AnUnknownDistrictIs404AfterTheParameters) {
  auto answer = get("/v1/districts/xc/state", {{"at", "2019-01-01"}});
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.error(), "no district 'xc' in the record");
  // A malformed parameter is answered first.
  EXPECT_EQ(get("/v1/districts/xc/state", {{"at", "2019-1-1"}}).status, 400);
  EXPECT_EQ(get("/v1/districts/xc/schools").status, 404);
}

}  // namespace
}  // namespace annals
