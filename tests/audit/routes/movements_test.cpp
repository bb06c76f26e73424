// GET /v1/districts/{id}/rotations and /admissions: teacher transfers with their direction
// and posts, and the autumn intake by admission mode per 学区.
#include "services/audit/routes/movements.h"

#include "audit_city.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::day;

class MovementsRoutes : public testing::AuditCityTest {};

// The strength is the schools' on the eve of the school year (31 August 2015): t1, a backbone
// teacher, at a (strong); b without a teacher (unknown).
TEST_F(MovementsRoutes, ARotationWithItsDirectionAndTheBackboneBefore) {
  auto answer = get("/v1/districts/dc/rotations", {{"from", "2015-01-01"}, {"to", "2015-12-31"}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  json body = answer.json();
  EXPECT_EQ(body["district"], "dc");
  EXPECT_EQ(body["from"], "2015-01-01");
  EXPECT_TRUE(body["cluster"].is_null());
  EXPECT_EQ(body["transfers"], json({{{"teacher_id", "t1"},
                                      {"on", "2015-09-01"},
                                      {"kind", "rotation"},
                                      {"from_school_id", "a"},
                                      {"to_school_id", "b"},
                                      {"from_school", "甲小学"},
                                      {"to_school", "乙小学"},
                                      {"direction", "urban -> rural"},
                                      {"strength", "strong -> unknown"},
                                      {"post_moves", false},
                                      {"backbone", true},
                                      {"end_date", "2016-07-31"}}}));
  EXPECT_EQ(body["summary"], json({{"total", 1},
                                   {"by_kind", {{"rotation", 1}}},
                                   {"by_direction", {{"urban -> rural", 1}}},
                                   {"by_strength", {{"strong -> unknown", 1}}},
                                   {"posts_moved", 0},
                                   {"backbone", 1},
                                   {"backbone_share", 1.0}}));
  EXPECT_EQ(body["consistent_to"].size(), 3u);
}

TEST_F(MovementsRoutes, ACluster) {
  json in = routes::rotations(reader(), "dc", day("2015-01-01"), day("2015-12-31"),
                              Timestamp::max(), "xq", standards);
  EXPECT_EQ(in["transfers"].size(), 1u);
  EXPECT_EQ(in["cluster"], "xq");
  json out = get("/v1/districts/dc/rotations",
                 {{"from", "2015-01-01"}, {"to", "2015-12-31"}, {"cluster", "jt"}})
                 .json();
  EXPECT_EQ(out["transfers"], json::array());
  EXPECT_EQ(out["summary"]["backbone_share"], 0.0);
  // Before the rotation was recorded, there was none.
  EXPECT_EQ(
      routes::rotations(reader(), "dc", day("2015-01-01"), day("2015-12-31"),
                        testing::at("2019-12-31T00:00:00Z"), std::nullopt, standards)["transfers"]
          .size(),
      0u);
}

TEST_F(MovementsRoutes, TheIntakeByModePerSchoolDistrict) {
  auto answer = get("/v1/districts/dc/admissions", {{"year", "2015"}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  json body = answer.json();
  EXPECT_EQ(body["year"], 2015);
  EXPECT_EQ(body["intake"], 4);
  EXPECT_EQ(body["by_stage"], json({{"primary", {{"nearby", 3}, {"lottery", 1}}}}));
  EXPECT_EQ(body["by_school_district"],
            json({{"第一学区", {{"primary", {{"nearby", 3}, {"lottery", 1}}}}}}));
  EXPECT_EQ(body["migrant_students"], 1);
  EXPECT_EQ(body["migrant_in_public_schools"], 1);
  EXPECT_EQ(body["migrant_public_share"], 1.0);
  EXPECT_EQ(body["consistent_to"].size(), 3u);
  json none = routes::admissions(reader(), "dc", 2014, Timestamp::max());
  EXPECT_EQ(none["intake"], 0);
  EXPECT_TRUE(none["migrant_public_share"].is_null());
}

TEST_F(MovementsRoutes, WrongParameters) {
  auto answer = get("/v1/districts/dc/admissions", {{"year", "twenty"}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.error(), "query parameter 'year' must be a year such as 2019, got 'twenty'");
  EXPECT_EQ(get("/v1/districts/dc/admissions").error(),
            "query parameter 'year' must be a year such as 2019, got ''");
  EXPECT_EQ(get("/v1/districts/xc/admissions", {{"year", "2015"}}).status, 404);
  EXPECT_EQ(get("/v1/districts/xc/admissions", {{"recorded_at", "x"}}).status, 400);
  answer = get("/v1/districts/dc/rotations", {{"from", "2015-01-01"}, {"to", "2014-01-01"}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.error(), "'to' (2014-01-01) is before 'from' (2015-01-01)");
  EXPECT_EQ(get("/v1/districts/xc/rotations", {{"from", "2015-01-01"}}).error(),
            "no district 'xc' in the record");
}

}  // namespace
}  // namespace annals
