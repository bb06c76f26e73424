// Strong and weak schools for a rotation's direction (services/audit/strength.h), on a
// hand-computed district, by both measures a rule file may name.
#include "services/audit/strength.h"

#include <gtest/gtest.h>

#include "tests/audit/hand_district.h"

namespace annals {
namespace {

using testing::put;
using testing::school;

// full-time teachers / backbone: a 100/25 (0.25), b 150/15 (0.10), d 20/0 (0); c none; z
// closed with 10/10 before it closed and merged into a.
DistrictState district() {
  DistrictState st;
  st.district = "d";
  for (auto s :
       {school("a", {Stage::primary}), school("b", {Stage::primary}), school("c", {Stage::primary}),
        school("d", {Stage::primary}), school("z", {Stage::primary})})
    st.registry.schools[s.school_id] = s;
  st.registry.schools["z"].closed_on = Date::from_ymd(2018, 7, 1);
  st.registry.schools["z"].merged_into = "a";
  auto teachers = [&](const char* id, std::int64_t n, std::int64_t backbone, std::int64_t pupils) {
    put(st.figures[id], Section::primary, Measure::teachers, n);
    put(st.figures[id], Section::primary, Measure::backbone_teachers, backbone);
    put(st.figures[id], Section::primary, Measure::students, pupils, 1);
  };
  teachers("a", 100, 25, 1500);
  teachers("b", 150, 15, 2000);
  teachers("d", 20, 0, 300);
  put(st.figures["c"], Section::primary, Measure::students, 100, 1);
  return st;
}

TEST(SchoolStrengths, ByBackboneShareAroundTheDistrictsMedian) {
  Standard standard = *Standards::built_in().find("quality-balance-2017");
  standard.school_strength = StrengthMeasure::backbone_share;
  DistrictState st = district();
  SchoolStrengths s = school_strengths(st, standard);
  EXPECT_EQ(s.by_school.size(), 3u);  // c has no teacher, z is closed
  EXPECT_DOUBLE_EQ(*s.median, 0.10);
  EXPECT_STREQ(s.of(st, "a"), "strong");
  EXPECT_STREQ(s.of(st, "b"), "strong");  // at the median
  EXPECT_STREQ(s.of(st, "d"), "weak");
  EXPECT_STREQ(s.of(st, "c"), "unknown");
  EXPECT_STREQ(s.of(st, "z"), "strong");  // merged into a
  EXPECT_STREQ(s.of(st, "nowhere"), "unknown");
}

TEST(SchoolStrengths, ByTheShareOfIndicatorMinimumsMet) {
  Standards standards = Standards::built_in();
  const Standard& standard = *standards.find("quality-balance-2017");
  ASSERT_EQ(standard.school_strength, StrengthMeasure::indicators_met);  // its rule file's
  DistrictState st = district();
  SchoolStrengths s = school_strengths(st, standard);
  // Backbone teachers per 100 pupils (minimum 1.0): a 1.67 and b 0.75, d 0, c 0; qualified
  // teachers and the rest are not recorded here, so each school meets at most that one.
  const double of = double(standard.indicators.size());
  EXPECT_DOUBLE_EQ(s.by_school.at("a"), 1 / of);
  EXPECT_DOUBLE_EQ(s.by_school.at("b"), 0.0);
  EXPECT_DOUBLE_EQ(s.by_school.at("c"), 0.0);
  EXPECT_DOUBLE_EQ(*s.median, 0.0);
  EXPECT_STREQ(s.of(st, "a"), "strong");
  EXPECT_STREQ(s.of(st, "b"), "strong");  // all at the median 0: none is weaker
}

TEST(SchoolStrengths, ARuleFileNamesItsMeasure) {
  nlohmann::json j = Standards::built_in().find("quality-balance-2017")->source;
  j["school_strength"] = "prestige";
  std::string error;
  EXPECT_FALSE(parse_standard(j, error));
  EXPECT_NE(error.find("school_strength is indicators_met or backbone_share"), std::string::npos)
      << error;
  j.erase("school_strength");
  auto parsed = parse_standard(j, error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->school_strength, StrengthMeasure::backbone_share);  // without one
}

}  // namespace
}  // namespace annals
