// GET /v1/districts/{id}/events: the audit trail in apply order, a page at a time by an
// opaque cursor, filtered by date, type and recorded time, with retractions shown from
// their recorded time on.
#include "services/audit/routes/events.h"

#include "audit_city.h"
#include "services/audit/query_params.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::Params;

class EventsRoute : public testing::AuditCityTest {
 protected:
  // The types of a page's events, in order.
  static std::vector<std::string> types(const json& body) {
    std::vector<std::string> out;
    for (const auto& e : body["events"]) out.push_back(e["type"]);
    return out;
  }
  json events(const Params& params) {
    auto answer = get("/v1/districts/dc/events", params);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return answer.json();
  }
};

TEST_F(EventsRoute, TheWholeTrailInApplyOrderAsPublished) {
  json body = events({{"limit", "1000"}});
  EXPECT_EQ(body["district"], "dc");
  EXPECT_TRUE(body["next"].is_null());
  ASSERT_EQ(body["events"].size(), 18u);
  // By effective date; on one date by recorded time, then by log position (topic first).
  EXPECT_EQ(
      types(body),
      (std::vector<std::string>{
          "district.registered", "school.opened", "school.opened", "cluster.created",
          "school.joined_cluster", "school.joined_cluster", "teacher.hired",
          "school.facilities_surveyed", "school.facilities_surveyed", "teacher.honour_awarded",
          "teacher.transferred", "student.enrolled", "student.enrolled", "student.enrolled",
          "student.enrolled", "school.renamed", "school.merged", "record.retracted"}));
  // Each event exactly as the codec publishes it.
  auto city = testing::dongcheng();
  EXPECT_EQ(body["events"][0], json::parse(encode_event(city[0])));
  EXPECT_EQ(body["events"][16], json::parse(encode_event(city.back())));
  EXPECT_EQ(body["consistent_to"].size(), 3u);
}

TEST_F(EventsRoute, PagesFollowTheCursorToTheEnd) {
  std::vector<std::string> all, paged;
  json whole = events({{"limit", "1000"}});
  for (const auto& e : whole["events"]) all.push_back(e["id"]);
  Params params{{"limit", "5"}};
  std::vector<std::size_t> sizes;
  for (int page = 0; page < 10; ++page) {
    json body = events(params);
    sizes.push_back(body["events"].size());
    for (const auto& e : body["events"]) paged.push_back(e["id"]);
    if (body["next"].is_null()) break;
    params = {{"limit", "5"}, {"after", body["next"].get<std::string>()}};
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{5, 5, 5, 3}));
  EXPECT_EQ(paged, all);
}

TEST_F(EventsRoute, APageThatEndsTheTrailExactlyHasNoNext) {
  json first = events({{"limit", "17"}});
  EXPECT_FALSE(first["next"].is_null());
  json last = events({{"limit", "1"}, {"after", first["next"].get<std::string>()}});
  EXPECT_EQ(types(last), std::vector<std::string>{"record.retracted"});
  EXPECT_TRUE(last["next"].is_null());
  EXPECT_TRUE(events({{"limit", "18"}})["next"].is_null());
}

TEST_F(EventsRoute, TheDefaultPageIsAHundred) { EXPECT_EQ(events({})["events"].size(), 18u); }

TEST_F(EventsRoute, ADatePeriodAndTypes) {
  EXPECT_EQ(types(events({{"from", "2015-09-01"}, {"to", "2015-09-01"}})),
            (std::vector<std::string>{"teacher.transferred", "student.enrolled", "student.enrolled",
                                      "student.enrolled", "student.enrolled"}));
  EXPECT_EQ(
      types(events({{"type", "school.opened,district.registered"}, {"type", "school.merged"}})),
      (std::vector<std::string>{"district.registered", "school.opened", "school.opened",
                                "school.merged"}));
  EXPECT_EQ(types(events({{"type", ",school.merged,"}})),
            std::vector<std::string>{"school.merged"});
  EXPECT_EQ(events({{"type", "no.such"}})["events"].size(), 0u);
  EXPECT_EQ(types(events({{"to", "2000-09-01"}, {"limit", "2"}})),
            (std::vector<std::string>{"district.registered", "school.opened"}));
}

TEST_F(EventsRoute, OnlyWhatWasRecordedByRecordedAt) {
  // At 2020-01-01T00:00:00Z: not the joins (a second later), the corrected census, the
  // rename, the merger nor the retraction.
  EXPECT_EQ(events({{"recorded_at", "2020-01-01T00:00:00Z"}})["events"].size(), 12u);
  EXPECT_EQ(events({{"recorded_at", "2020-01-01T00:00:01Z"}})["events"].size(), 14u);
}

TEST_F(EventsRoute, ARetractionShowsFromItsRecordedTimeOn) {
  auto rename = [&](const char* recorded_at) {
    Params p{{"type", "school.renamed"}};
    if (recorded_at) p.push_back({"recorded_at", recorded_at});
    json body = events(p);
    return body["events"].empty() ? json() : body["events"][0];
  };
  EXPECT_TRUE(rename("2020-01-02").is_null());  // not recorded yet
  json before = rename("2020-01-31T23:59:59.999999Z");
  EXPECT_EQ(before["data"]["name"], "错名小学");
  EXPECT_FALSE(before.contains("retracted_at"));
  EXPECT_EQ(rename("2020-02-01T00:00:00Z")["retracted_at"], "2020-02-01T00:00:00.000000Z");
  EXPECT_EQ(rename(nullptr)["retracted_at"], "2020-02-01T00:00:00.000000Z");
  // The retraction itself is in the trail, and is not retracted.
  json retraction = events({{"type", "record.retracted"}})["events"][0];
  EXPECT_EQ(retraction["data"]["event_id"], before["id"]);
  EXPECT_FALSE(retraction.contains("retracted_at"));
}

TEST_F(EventsRoute, WrongParametersAre400) {
  auto error = [&](const Params& p) {
    auto answer = get("/v1/districts/dc/events", p);
    EXPECT_EQ(answer.status, 400) << answer.body;
    return answer.status == 400 ? answer.error() : "";
  };
  const std::string limit = "query parameter 'limit' must be a number from 1 to 1000";
  EXPECT_EQ(error({{"limit", "0"}}), limit);
  EXPECT_EQ(error({{"limit", "1001"}}), limit);
  EXPECT_EQ(error({{"limit", "ten"}}), limit);
  EXPECT_EQ(error({{"from", "2015-9-1"}}),
            "query parameter 'from' must be a date YYYY-MM-DD, got '2015-9-1'");
  EXPECT_EQ(error({{"to", "x"}}), "query parameter 'to' must be a date YYYY-MM-DD, got 'x'");
  const std::string cursor = "query parameter 'after' is not a cursor of this district's trail";
  EXPECT_EQ(error({{"after", "zz"}}), cursor);
  // A cursor of another district's trail.
  std::string xc = views::district_order_key("xc", testing::day("2015-01-01"), Timestamp{0}, {});
  EXPECT_EQ(error({{"after", encode_cursor(xc)}}), cursor);
}

TEST_F(EventsRoute, AnUnknownDistrictIs404BeforeTheCursorIsRead) {
  auto answer = get("/v1/districts/xc/events", {{"after", "zz"}});
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.error(), "no district 'xc' in the record");
  EXPECT_EQ(get("/v1/districts/xc/events", {{"limit", "0"}}).status, 400);
}

TEST_F(EventsRoute, TheFunctionTakesTheParsedQuery) {
  TrailPageQuery q;
  q.from = testing::day("2012-01-01");
  q.to = testing::day("2012-12-31");
  q.limit = 2;
  json body = routes::events(reader(), "dc", q);
  EXPECT_EQ(types(body),
            (std::vector<std::string>{"school.facilities_surveyed", "school.facilities_surveyed"}));
  ASSERT_TRUE(body["next"].is_string());
  q.after = *parse_cursor(body["next"].get<std::string>(), "dc");
  EXPECT_EQ(types(routes::events(reader(), "dc", q)),
            std::vector<std::string>{"teacher.honour_awarded"});
}

}  // namespace
}  // namespace annals
