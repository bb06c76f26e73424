// The indicators on hand-computed cases: the student-weighted coefficient of variation, a
// nine-year school split by stage with whole-school facilities apportioned, exclusions, the
// school rule (6 of 7, the rest at 85%), and which standard is in force on a date.
#include "services/audit/indicators.h"

#include <cmath>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "services/audit/indicator_tables.h"
#include "tests/audit/hand_district.h"

namespace annals {
namespace {

TEST(WeightedCv, WeightsBySchoolStudentsNotBySchool) {
  // p = 100, 300; x = 2, 6: X = 2000/400 = 5; S² = (100·9 + 300·1)/400 = 3; CV = √3/5.
  EXPECT_NEAR(*weighted_cv({{100, 2}, {300, 6}}), std::sqrt(3.0) / 5, 1e-12);
  EXPECT_NEAR(weighted_mean({{100, 2}, {300, 6}}), 5, 1e-12);
  // The unweighted CV of the same values (mean 4, sd 2) is 0.5: a different number.
  EXPECT_GT(std::abs(*weighted_cv({{100, 2}, {300, 6}}) - 0.5), 0.1);
  EXPECT_EQ(*weighted_cv({{10, 3}, {20, 3}}), 0);
  EXPECT_FALSE(weighted_cv({{10, 0}, {20, 0}}).has_value());  // mean zero: undefined
  EXPECT_FALSE(weighted_cv({}).has_value());
}

using testing::put;
using testing::school;

// A: primary, 500 students, meets all seven 2017 minimums.
// B: nine-year, 300 primary + 100 junior; whole-school facilities split 3:1.
// C: special education; D: a teaching point of 30 students. Both excluded.
DistrictState sample_district() {
  DistrictState st;
  st.district = "d";
  for (auto s : {school("a", {Stage::primary}), school("b", {Stage::primary, Stage::junior}),
                 school("c", {Stage::primary}, SchoolKind::special_education),
                 school("d", {Stage::primary}, SchoolKind::teaching_point)})
    st.registry.schools[s.school_id] = s;
  auto& a = st.figures["a"];
  put(a, Section::primary, Measure::students, 500, 1);
  put(a, Section::primary, Measure::qualified_teachers, 25);         // 5.0 per 100
  put(a, Section::primary, Measure::backbone_teachers, 6);           // 1.2
  put(a, Section::primary, Measure::pe_music_art_teachers, 5);       // 1.0
  put(a, Section::primary, Measure::floor_area, 2500'00);            // 5.0 m²
  put(a, Section::primary, Measure::sports_area, 4000'00);           // 8.0 m²
  put(a, Section::primary, Measure::equipment_value, 1'100'000'00);  // 2200 yuan
  put(a, Section::primary, Measure::multimedia_classrooms, 12);      // 2.4
  auto& b = st.figures["b"];
  put(b, Section::primary, Measure::students, 200, 1);
  put(b, Section::primary, Measure::students, 100, 6);
  put(b, Section::junior, Measure::students, 100, 7);
  put(b, Section::primary, Measure::qualified_teachers, 12);    // 4.0: below 4.2, above 85% of it
  put(b, Section::primary, Measure::backbone_teachers, 3);      // 1.0
  put(b, Section::primary, Measure::pe_music_art_teachers, 3);  // 1.0
  put(b, Section::whole, Measure::floor_area, 2000'00);         // primary: 1500 m² / 300 = 5.0
  put(b, Section::whole, Measure::sports_area,
      3000'00);  // primary: 2250 / 300 = 7.5 (the minimum exactly)
  put(b, Section::whole, Measure::equipment_value,
      800'000'00);  // primary: 600,000 yuan / 300 = 2000
  put(b, Section::primary, Measure::multimedia_classrooms, 7);  // 2.33
  put(b, Section::junior, Measure::qualified_teachers, 6);      // 6.0
  put(b, Section::junior, Measure::pe_music_art_teachers, 1);   // backbone 0: far below
  auto& c = st.figures["c"];
  put(c, Section::primary, Measure::students, 80, 3);
  auto& d = st.figures["d"];
  put(d, Section::primary, Measure::students, 30, 2);
  return st;
}

TEST(Indicators, Standard2017OnAHandComputedDistrict) {
  Standards standards = Standards::built_in();
  const Standard& s2017 = *standards.find("quality-balance-2017");
  DistrictState st = sample_district();
  IndicatorReport r = compute_indicators(st, s2017);
  ASSERT_EQ(r.stages.size(), 2u);
  const StageIndicators& primary = r.stages[0];
  EXPECT_EQ(primary.schools_counted, 2u);
  EXPECT_EQ(primary.students, 800);
  ASSERT_EQ(primary.schools.size(), 4u);
  EXPECT_EQ(primary.schools[2].school_id, "c");
  EXPECT_NE(primary.schools[2].excluded->find("special_education"), std::string::npos);
  EXPECT_NE(primary.schools[3].excluded->find("teaching point with 30 students"),
            std::string::npos);

  const SchoolIndicators& b = primary.schools[1];
  EXPECT_EQ(b.students, 300);
  EXPECT_NEAR(b.values[0], 4.0, 1e-12);
  EXPECT_NEAR(b.values[3], 5.0, 1e-12);  // apportioned floor area
  EXPECT_NEAR(b.values[4], 7.5, 1e-12);
  EXPECT_NEAR(b.values[5], 2000, 1e-9);
  EXPECT_FALSE(b.meets_minimum[0]);
  EXPECT_TRUE(b.meets_minimum[4]);  // equal to the minimum meets it
  EXPECT_EQ(b.complies, true);      // 6 of 7, the seventh at 95%
  EXPECT_EQ(primary.schools[0].complies, true);
  EXPECT_EQ(primary.schools_complying, 2u);

  // Qualified teachers per 100: A 5.0 (500 students), B 4.0 (300).
  const IndicatorResult& q = primary.indicators[0];
  EXPECT_NEAR(q.district_value, 3700.0 / 800, 1e-12);
  EXPECT_NEAR(*q.cv, 0.10467522557317344, 1e-12);
  EXPECT_EQ(q.schools_below_minimum, 1u);
  EXPECT_NEAR(*primary.indicators[4].cv, 0.030983866769659335, 1e-12);
  EXPECT_EQ(q.passes, true);
  EXPECT_EQ(primary.passes, true);

  // The junior section of B alone: no backbone teacher, so it does not comply, and a CV of
  // a single school is 0 where the mean is positive and undefined (a fail) where it is zero.
  const StageIndicators& junior = r.stages[1];
  EXPECT_EQ(junior.schools_counted, 1u);
  EXPECT_EQ(junior.schools[0].complies, false);
  EXPECT_NEAR(junior.schools[0].values[3], 5.0, 1e-12);  // 500 m² of 2000 for 100 of 400 students
  EXPECT_EQ(*junior.indicators[0].cv, 0);
  EXPECT_FALSE(junior.indicators[1].cv.has_value());
  EXPECT_EQ(junior.indicators[1].passes, false);
  EXPECT_EQ(junior.passes, false);
  EXPECT_EQ(r.complies, false);
}

TEST(Indicators, Standard2012JudgesTheCompositeCv) {
  Standards standards = Standards::built_in();
  const Standard& s2012 = *standards.find("basic-balance-2012");
  IndicatorReport r = compute_indicators(sample_district(), s2012);
  const StageIndicators& primary = r.stages[0];
  EXPECT_EQ(primary.indicators.size(), 8u);
  EXPECT_FALSE(primary.schools[0].complies.has_value());  // no school rule in 2012
  // Computers and books are zero everywhere: their CV is undefined, so no composite.
  EXPECT_FALSE(primary.composite_cv.has_value());
  EXPECT_EQ(primary.passes, false);
  EXPECT_FALSE(primary.indicators[0].passes.has_value());  // judged only as a composite
}

TEST(Standards, TheOneInForceOnTheDate) {
  Standards standards = Standards::built_in();
  std::string why;
  EXPECT_EQ(standards.in_force("d", Date::from_ymd(2011, 12, 31), why), nullptr);
  EXPECT_EQ(standards.in_force("d", Date::from_ymd(2012, 1, 20), why)->id, "basic-balance-2012");
  EXPECT_EQ(standards.in_force("d", Date::from_ymd(2017, 4, 18), why)->id, "basic-balance-2012");
  EXPECT_EQ(standards.in_force("d", Date::from_ymd(2017, 4, 19), why)->id, "quality-balance-2017");
  EXPECT_NE(why.find("教督〔2017〕6号"), std::string::npos);

  // A district's own rule file, raising a minimum, applies to it alone from its date.
  std::string error;
  nlohmann::json own = standards.find("quality-balance-2017")->source;
  own["id"] = "dongcheng-2019";
  own["districts"] = {"dongcheng"};
  own["effective_from"] = "2019-01-01";
  own["indicators"][1]["minimum"]["primary"] = 1.5;
  auto parsed = parse_standard(own, error);
  ASSERT_TRUE(parsed) << error;
  standards.add(*parsed);
  EXPECT_EQ(standards.in_force("dongcheng", Date::from_ymd(2019, 9, 1), why)->id, "dongcheng-2019");
  EXPECT_EQ(standards.in_force("xicheng", Date::from_ymd(2019, 9, 1), why)->id,
            "quality-balance-2017");
  // A supplementary check never becomes the standard in force; it applies when asked for.
  nlohmann::json check = own;
  check["id"] = "dongcheng-funds";
  check["effective_from"] = "2019-06-01";
  check["by_default"] = false;
  standards.add(*parse_standard(check, error));
  EXPECT_EQ(standards.in_force("dongcheng", Date::from_ymd(2019, 9, 1), why)->id, "dongcheng-2019");
  IndicatorReport r = compute_indicators(sample_district(), *standards.find("dongcheng-2019"));
  EXPECT_FALSE(r.stages[0].schools[0].meets_minimum[1]);  // A's 1.2 backbone per 100 is under 1.5
}

TEST(Standards, ABadRuleFileSaysWhatIsWrong) {
  std::string error;
  EXPECT_FALSE(parse_standard(
      nlohmann::json::parse(R"({"id":"x","effective_from":"2019-02-30","indicators":[]})"), error));
  EXPECT_NE(error.find("effective_from"), std::string::npos);
  nlohmann::json j = Standards::built_in().find("quality-balance-2017")->source;
  j["indicators"][0]["measure"] = "happiness";
  EXPECT_FALSE(parse_standard(j, error));
  EXPECT_NE(error.find("unknown measure 'happiness'"), std::string::npos);
}

TEST(IndicatorTable, CsvHasABlockPerStageAndTheComposite) {
  Standards standards = Standards::built_in();
  IndicatorReport r =
      compute_indicators(sample_district(), *standards.find("quality-balance-2017"));
  r.why_this_standard = "test";
  std::string csv = report_csv(r, "东城区", Date::from_ymd(2019, 9, 1));
  EXPECT_NE(csv.find("小学 primary"), std::string::npos);
  EXPECT_NE(csv.find("初中 junior"), std::string::npos);
  EXPECT_NE(csv.find("每百名学生拥有高于规定学历教师数,4.625,0.1047,0.5,达标 pass"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("综合差异系数 composite CV"), std::string::npos);
  EXPECT_NE(csv.find("结论 verdict,未达标 fail"), std::string::npos);
  EXPECT_EQ(report_json(r)["stages"][0]["indicators"][0]["cv"].get<double>(),
            *r.stages[0].indicators[0].cv);
}

TEST(IndicatorTable, XlsxIsAWorkbookWithTheTable) {
  Standards standards = Standards::built_in();
  IndicatorReport r =
      compute_indicators(sample_district(), *standards.find("quality-balance-2017"));
  std::string xlsx = report_xlsx(r, "东城区", Date::from_ymd(2019, 9, 1));
  ASSERT_GT(xlsx.size(), 1000u);
  EXPECT_EQ(xlsx.substr(0, 4), std::string("PK\x03\x04", 4));  // a zip, as every .xlsx is
  // Read it back with an independent reader: Python's zipfile and the sheet's shared strings.
  std::string path = ::testing::TempDir() + "/indicators.xlsx";
  std::ofstream(path, std::ios::binary) << xlsx;
  std::string check =
      "python3 -c \"import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); "
      "s=z.read('xl/sharedStrings.xml').decode(); "
      "sys.exit(0 if '综合差异系数 composite CV' in s and '每百名学生拥有高于规定学历教师数' in s "
      "else 1)\" " +
      path;
  EXPECT_EQ(std::system(check.c_str()), 0);
}

}  // namespace
}  // namespace annals
