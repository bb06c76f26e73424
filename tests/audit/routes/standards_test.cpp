// GET /v1/standards, and the choice of a standard for a question.
#include "services/audit/routes/standards.h"

#include "audit_city.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::day;

class StandardsRoute : public testing::AuditCityTest {};

TEST_F(StandardsRoute, EveryRuleFileAsLoaded) {
  auto answer = get("/v1/standards");
  ASSERT_EQ(answer.status, 200);
  json body = answer.json();
  ASSERT_EQ(body["standards"].size(), standards.all().size());
  for (std::size_t k = 0; k < standards.all().size(); ++k)
    EXPECT_EQ(body["standards"][k], standards.all()[k].source);
  EXPECT_EQ(body, routes::standards(standards));
}

TEST_F(StandardsRoute, TheOneAskedForOrTheOneInForce) {
  auto asked = routes::choose_standard(standards, "quality-balance-2017", "dc", day("2013-01-01"));
  ASSERT_NE(asked.standard, nullptr);
  EXPECT_EQ(asked.standard->id, "quality-balance-2017");
  EXPECT_EQ(asked.why, "asked for by the request (?standard=quality-balance-2017)");
  EXPECT_EQ(asked.error, "");
  auto in_force = routes::choose_standard(standards, std::nullopt, "dc", day("2013-01-01"));
  ASSERT_NE(in_force.standard, nullptr);
  EXPECT_EQ(in_force.standard->id, "basic-balance-2012");
  EXPECT_TRUE(in_force.why.starts_with("in force on 2013-01-01: "));
  EXPECT_TRUE(in_force.why.ends_with(" took effect on 2012-01-20, the latest standard to do so"));
  EXPECT_EQ(routes::choose_standard(standards, std::nullopt, "dc", day("2017-04-19")).standard->id,
            "quality-balance-2017");
}

TEST_F(StandardsRoute, NoneSaysWhy) {
  auto unknown = routes::choose_standard(standards, "nope", "dc", day("2013-01-01"));
  EXPECT_EQ(unknown.standard, nullptr);
  EXPECT_EQ(unknown.why, "");
  EXPECT_EQ(unknown.error, "no standard 'nope'; known: basic-balance-2012, quality-balance-2017");
  auto early = routes::choose_standard(standards, std::nullopt, "dc", day("2012-01-19"));
  EXPECT_EQ(early.standard, nullptr);
  EXPECT_EQ(early.why, "no standard was in force on 2012-01-19");
  EXPECT_EQ(early.error, "no standard was in force on 2012-01-19: ask for one with ?standard=");
}

}  // namespace
}  // namespace annals
