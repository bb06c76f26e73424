// GET /v1/schools/{id}/timeline, /v1/teachers/{id}/timeline and /v1/clusters/{id}: an
// entity's events and its record on a date, the district found by looking the entity up.
#include "services/audit/routes/timelines.h"

#include "audit_city.h"
#include "services/history/timeline.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::day;

class TimelineRoutes : public testing::AuditCityTest {
 protected:
  static std::vector<std::string> types(const json& body) {
    std::vector<std::string> out;
    for (const auto& e : body["events"]) out.push_back(e["type"]);
    return out;
  }
};

TEST_F(TimelineRoutes, ASchoolSEventsAndItsRecordOnADate) {
  auto answer = get("/v1/schools/b/timeline", {{"at", "2019-01-01"}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  json body = answer.json();
  EXPECT_EQ(body["district"], "dc");  // looked up
  EXPECT_EQ(body["school_id"], "b");
  EXPECT_EQ(body["at"], "2019-01-01");
  EXPECT_EQ(types(body),
            (std::vector<std::string>{"school.opened", "school.joined_cluster", "school.merged"}));
  EXPECT_EQ(body["events"][0], json::parse(encode_event(testing::dongcheng()[2])));
  const json& on = body["on"];
  EXPECT_EQ(on["name"], "乙小学");
  EXPECT_EQ(on["closed_on"], "2018-09-01");
  EXPECT_EQ(on["merged_into"], "a");
  EXPECT_EQ(on["held_by"], "a");
  EXPECT_FALSE(on.contains("students"));  // the record, not the figures
  EXPECT_EQ(body["consistent_to"].size(), 3u);
}

TEST_F(TimelineRoutes, BeforeItOpenedASchoolIsNull) {
  json body = get("/v1/schools/a/timeline", {{"at", "1999-01-01"}}).json();
  EXPECT_TRUE(body["on"].is_null());
  EXPECT_FALSE(body["events"].empty());
}

TEST_F(TimelineRoutes, AsRecordedAtATime) {
  json body =
      get("/v1/schools/b/timeline", {{"at", "2019-01-01"}, {"recorded_at", "2020-01-01T00:00:00Z"}})
          .json();
  EXPECT_EQ(types(body), std::vector<std::string>{"school.opened"});
  EXPECT_FALSE(body["on"].contains("closed_on"));
  EXPECT_EQ(body["on"]["held_by"], "b");
  EXPECT_EQ(body["on"]["clusters"], json::object());  // the join is a second later
}

TEST_F(TimelineRoutes, ARetractedRenameIsNotTheName) {
  json body = get("/v1/schools/a/timeline", {{"at", "2017-01-01"}}).json();
  EXPECT_EQ(body["on"]["name"], "甲小学");
  EXPECT_EQ(body["on"]["absorbed"], json::array());
  EXPECT_EQ(body["on"]["clusters"], json({{"xq", "lead"}}));
}

TEST_F(TimelineRoutes, ATeacherOnADate) {
  json body = get("/v1/teachers/t1/timeline", {{"at", "2015-10-01"}}).json();
  EXPECT_EQ(body["teacher_id"], "t1");
  EXPECT_EQ(types(body), (std::vector<std::string>{"teacher.hired", "teacher.honour_awarded",
                                                   "teacher.transferred"}));
  EXPECT_EQ(body["on"], json({{"employed", true},
                              {"school_id", "b"},
                              {"stage", "primary"},
                              {"subject", "mathematics"},
                              {"qualification", "bachelor"},
                              {"title", "intermediate"},
                              {"full_time", true},
                              {"hired_on", "2010-09-01"},
                              {"post_school_id", "a"},
                              {"honours", {{{"honour", "backbone"}, {"level", "district"}}}},
                              {"returns", {{"on", "2016-07-31"}, {"to_school_id", "a"}}}}));
  // The rotation ends by itself.
  json back = get("/v1/teachers/t1/timeline", {{"at", "2016-07-31"}}).json();
  EXPECT_EQ(back["on"]["school_id"], "a");
  EXPECT_FALSE(back["on"].contains("returns"));
  // Before being hired: only "employed".
  EXPECT_EQ(get("/v1/teachers/t1/timeline", {{"at", "2000-01-01"}}).json()["on"],
            json({{"employed", false}}));
}

TEST_F(TimelineRoutes, AClusterWithItsMembersNamed) {
  json body = get("/v1/clusters/xq", {{"at", "2016-01-01"}}).json();
  EXPECT_EQ(body["cluster_id"], "xq");
  EXPECT_EQ(body["on"]["members"],
            json({{{"school_id", "a"}, {"role", "lead"}, {"name", "甲小学"}},
                  {{"school_id", "b"}, {"role", "member"}, {"name", "乙小学"}}}));
  EXPECT_EQ(get("/v1/clusters/xq", {{"at", "2019-01-01"}}).json()["on"]["members"].size(), 1u);
  EXPECT_TRUE(get("/v1/clusters/xq", {{"at", "2004-10-31"}}).json()["on"].is_null());
}

TEST_F(TimelineRoutes, UnknownEntitiesAre404) {
  auto answer = get("/v1/schools/zz/timeline");
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.error(), "no school 'zz' in the record");
  answer = get("/v1/schools/b/timeline", {{"district", "xc"}});
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.error(), "no school 'b' in the record of district 'xc'");
  EXPECT_EQ(get("/v1/teachers/t9/timeline").error(), "no teacher 't9' in the record");
  EXPECT_EQ(get("/v1/clusters/a").error(), "no cluster 'a' in the record");  // a is a school
  // ?district= saves the lookup.
  EXPECT_EQ(get("/v1/schools/b/timeline", {{"district", "dc"}}).status, 200);
}

TEST_F(TimelineRoutes, AMalformedDateIs400BeforeTheLookup) {
  auto answer = get("/v1/schools/zz/timeline", {{"at", "tomorrow"}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.error(), "query parameter 'at' must be a date YYYY-MM-DD, got 'tomorrow'");
  EXPECT_EQ(get("/v1/clusters/xq", {{"recorded_at", "x"}}).status, 400);
}

TEST_F(TimelineRoutes, TheDistrictOfAnEntityIsTheFirstWhoseTimelinesHoldIt) {
  EXPECT_EQ(entity_district(reader(), EntityKind::school, "b"), "dc");
  EXPECT_EQ(entity_district(reader(), EntityKind::teacher, "t1"), "dc");
  EXPECT_EQ(entity_district(reader(), EntityKind::cluster, "xq"), "dc");
  EXPECT_EQ(entity_district(reader(), EntityKind::teacher, "a"), std::nullopt);  // a school
  EXPECT_EQ(entity_district(reader(), EntityKind::school, "zz"), std::nullopt);
  // Prefixes of an id are other ids.
  EXPECT_EQ(entity_district(reader(), EntityKind::teacher, "t"), std::nullopt);
  city.project({testing::make_event("xc-open", "xc", "2001-09-01", "2020-01-01T00:00:00Z",
                                    testing::opening("x1", "西一小"))});
  EXPECT_EQ(entity_district(reader(), EntityKind::school, "x1"), "xc");
  EXPECT_EQ(get("/v1/schools/x1/timeline").json()["district"], "xc");
}

TEST_F(TimelineRoutes, TheFunctionTakesTheQuestion) {
  routes::EntityQuestion q{EntityKind::school, "a", "dc", day("2019-01-01"), Timestamp::max()};
  auto body = routes::entity_timeline(reader(), q);
  ASSERT_TRUE(body);
  EXPECT_EQ((*body)["on"]["absorbed"].size(), 1u);
  q.district = "xc";
  EXPECT_FALSE(routes::entity_timeline(reader(), q));
  EXPECT_EQ(routes::unknown_entity(EntityKind::cluster, "c1", ""), "no cluster 'c1' in the record");
}

}  // namespace
}  // namespace annals
