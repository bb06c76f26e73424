// The guarantees on a hand-computed district (services/audit/guarantees.h): school size with
// the larger limit of a school of both stages, the share of migrant pupils in public schools,
// the operating funds per pupil of special-education schools, each school's training funds
// against its operating funds, a local target's backbone share, and the rule file's errors.
#include "services/audit/guarantees.h"

#include <gtest/gtest.h>

#include "services/audit/indicator_tables.h"
#include "services/audit/indicators.h"
#include "tests/audit/hand_district.h"

namespace annals {
namespace {

using testing::put;
using testing::school;

// pupils (primary + junior), migrants, teachers/backbone, operating/training funds in yuan:
// a public primary      1,900  100       100/25   1,000,000 / 60,000 (6%)
// b public, both stages 2,400   50       150/15   2,000,000 / 80,000 (4%)
// c private primary     2,100   50        –        –
// d public special ed      60    –        20/0      300,000 / 15,000 (5%): 5,000 a pupil
// e public special ed      40    –         –        280,000 / 14,000 (5%): 7,000 a pupil
// z closed (3,000 pupils before it closed): not counted.
DistrictState sample_district() {
  DistrictState st;
  st.district = "d";
  for (auto s : {school("a", {Stage::primary}), school("b", {Stage::primary, Stage::junior}),
                 school("c", {Stage::primary}, SchoolKind::regular, Ownership::private_),
                 school("d", {Stage::primary}, SchoolKind::special_education),
                 school("e", {Stage::primary}, SchoolKind::special_education),
                 school("z", {Stage::primary})})
    st.registry.schools[s.school_id] = s;
  st.registry.schools["z"].closed_on = Date::from_ymd(2018, 7, 1);
  auto yuan = [](std::int64_t y) { return y * 100; };  // the views keep fen
  auto& a = st.figures["a"];
  put(a, Section::primary, Measure::students, 1000, 1);
  put(a, Section::primary, Measure::students, 900, 2);
  put(a, Section::primary, Measure::migrant_students, 100);
  put(a, Section::primary, Measure::teachers, 100);
  put(a, Section::primary, Measure::backbone_teachers, 25);
  put(a, Section::whole, Measure::operating_funds, yuan(1'000'000));
  put(a, Section::whole, Measure::training_funds, yuan(60'000));
  auto& b = st.figures["b"];
  put(b, Section::primary, Measure::students, 1600, 3);
  put(b, Section::junior, Measure::students, 800, 7);
  put(b, Section::primary, Measure::migrant_students, 40);
  put(b, Section::junior, Measure::migrant_students, 10);
  put(b, Section::primary, Measure::teachers, 100);
  put(b, Section::junior, Measure::teachers, 50);
  put(b, Section::junior, Measure::backbone_teachers, 15);
  put(b, Section::whole, Measure::operating_funds, yuan(2'000'000));
  put(b, Section::whole, Measure::training_funds, yuan(80'000));
  auto& c = st.figures["c"];
  put(c, Section::primary, Measure::students, 2100, 1);
  put(c, Section::primary, Measure::migrant_students, 50);
  auto& d = st.figures["d"];
  put(d, Section::primary, Measure::students, 60, 4);
  put(d, Section::primary, Measure::teachers, 20);
  put(d, Section::whole, Measure::operating_funds, yuan(300'000));
  put(d, Section::whole, Measure::training_funds, yuan(15'000));
  auto& e = st.figures["e"];
  put(e, Section::primary, Measure::students, 40, 4);
  put(e, Section::whole, Measure::operating_funds, yuan(280'000));
  put(e, Section::whole, Measure::training_funds, yuan(14'000));
  return st;
}

const GuaranteeResult& named(const std::vector<GuaranteeResult>& all, const std::string& id) {
  for (const auto& g : all)
    if (g.definition->id == id) return g;
  throw std::runtime_error("no guarantee " + id);
}

TEST(Guarantees, The2017MethodOnAHandComputedDistrict) {
  Standards standards = Standards::built_in();
  const Standard& s2017 = *standards.find("quality-balance-2017");
  auto all = compute_guarantees(sample_district(), s2017);
  ASSERT_EQ(all.size(), s2017.guarantees.size());

  const auto& size = named(all, "school_size");
  EXPECT_EQ(size.schools_checked, 5u);        // z is closed
  EXPECT_EQ(*size.value, 2400);               // the largest school, b
  ASSERT_EQ(size.failing.size(), 1u);         // b has both stages: 2,400 <= 2,500
  EXPECT_EQ(size.failing[0].school_id, "c");  // 2,100 > 2,000
  EXPECT_EQ(size.failing[0].value, 2100);
  EXPECT_EQ(size.failing[0].threshold, 2000);
  EXPECT_EQ(size.met, false);

  const auto& migrants = named(all, "migrant_public_share");
  EXPECT_DOUBLE_EQ(*migrants.value, 150.0 / 200.0);  // a 100 + b 50 public, c 50 private
  EXPECT_EQ(migrants.schools_checked, 3u);
  EXPECT_TRUE(migrants.failing.empty());  // a district measure
  EXPECT_EQ(migrants.met, false);         // 0.75 < 0.85

  const auto& special = named(all, "special_education_operating_funds");
  EXPECT_EQ(special.schools_checked, 2u);
  EXPECT_DOUBLE_EQ(*special.value, 580'000.0 / 100.0);  // d and e together
  ASSERT_EQ(special.failing.size(), 1u);
  EXPECT_EQ(special.failing[0].school_id, "d");
  EXPECT_DOUBLE_EQ(special.failing[0].value, 5000);
  EXPECT_EQ(special.met, false);

  const auto& training = named(all, "training_funds_share");
  EXPECT_EQ(training.schools_checked, 4u);  // c has no operating funds
  EXPECT_DOUBLE_EQ(*training.value, 169'000.0 / 3'580'000.0);
  ASSERT_EQ(training.failing.size(), 1u);  // d and e at 5% exactly pass
  EXPECT_EQ(training.failing[0].school_id, "b");
  EXPECT_DOUBLE_EQ(training.failing[0].value, 0.04);
  EXPECT_EQ(training.met, false);

  // In the report, the JSON and the official table.
  IndicatorReport r = compute_indicators(sample_district(), s2017);
  auto j = report_json(r)["guarantees"];
  ASSERT_EQ(j.size(), all.size());
  EXPECT_EQ(j[0]["id"], "school_size");
  EXPECT_EQ(j[0]["threshold_both_stages"], 2500);
  EXPECT_EQ(j[0]["failing"][0]["school_id"], "c");
  std::string csv = report_csv(r, "东城区", Date::from_ymd(2019, 9, 1));
  EXPECT_NE(csv.find("学校规模 (学生数),2400,<= 2000 (both stages 2500),未达标 fail,school c 2100"),
            std::string::npos)
      << csv;
}

TEST(Guarantees, NothingToJudgeIsNoVerdict) {
  Standards standards = Standards::built_in();
  DistrictState empty;
  auto all = compute_guarantees(empty, *standards.find("quality-balance-2017"));
  ASSERT_EQ(all.size(), 4u);
  for (const auto& g : all) {
    EXPECT_FALSE(g.met.has_value()) << g.definition->id;
    EXPECT_FALSE(g.value.has_value()) << g.definition->id;
  }
}

nlohmann::json with_guarantees(nlohmann::json guarantees) {
  nlohmann::json j = Standards::built_in().find("quality-balance-2017")->source;
  j["guarantees"] = std::move(guarantees);
  return j;
}

TEST(Guarantees, ALocalTargetFromItsRuleFile) {
  std::string error;
  auto local = parse_standard(
      with_guarantees(nlohmann::json::parse(
          R"([{"id":"backbone","kind":"backbone_share","minimum":0.1,"name":"骨干教师占比"}])")),
      error);
  ASSERT_TRUE(local) << error;
  auto all = compute_guarantees(sample_district(), *local);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_DOUBLE_EQ(*all[0].value, 40.0 / 270.0);  // a 25 + b 15 of 100 + 150 + 20
  EXPECT_EQ(all[0].met, true);
  local->guarantees[0].threshold = 0.2;
  EXPECT_EQ(compute_guarantees(sample_district(), *local)[0].met, false);
}

TEST(Guarantees, ABadGuaranteeSaysWhatIsWrong) {
  std::string error;
  auto refused = [&](const char* guarantees) {
    error.clear();
    return !parse_standard(with_guarantees(nlohmann::json::parse(guarantees)), error);
  };
  EXPECT_TRUE(refused(R"([{"id":"x","kind":"happiness","minimum":1}])"));
  EXPECT_NE(error.find("unknown kind 'happiness'"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"([{"id":"x","kind":"school_size","minimum":1}])"));
  EXPECT_NE(error.find("needs a maximum"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"([{"id":"x","kind":"backbone_share","minimum":-1}])"));
  EXPECT_NE(error.find("needs a minimum"), std::string::npos) << error;
  EXPECT_TRUE(
      refused(R"([{"id":"x","kind":"backbone_share","minimum":0.2,"maximum_both_stages":2500}])"));
  EXPECT_NE(error.find("maximum_both_stages"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"([{"id":"x","kind":"backbone_share","minimum":0.2},
                          {"id":"x","kind":"backbone_share","minimum":0.3}])"));
  EXPECT_NE(error.find("defined twice"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"({"id":"x"})"));
  EXPECT_NE(error.find("must be an array"), std::string::npos) << error;
}

}  // namespace
}  // namespace annals
