// The guarantees on a hand-computed district (services/audit/guarantees.h): school size with
// the larger limit of a school of both stages, the share of migrant pupils in public schools,
// the operating funds per pupil of special-education schools, each school's training funds
// against its operating funds, a local target's backbone share; class sizes, nearby admission,
// disabled children enrolled, senior-high quotas and the three growths; the rule file's errors.
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

// The conditions beside the 2017 method's money and size: the sample district on 1 September
// 2019 with, by hand,
// classes      a primary grade 1: 1,000 pupils in 20 classes (50 each at least: no largest
//                counted), grade 2: 900 in 20, the largest 44
//              b primary grade 3: 1,600 in 36, the largest 45; junior grade 7: 800 in 16 (50)
// admissions   a primary: nearby 180, lottery 10, other 10 (0.95)
//              b primary: nearby 300; junior: direct promotion 190, other 10 (0.95)
//              f public boarding: other 100, c private: other 50, d special education:
//                other 8 (none counted)
// disabled     a 10, d 60, e 27 enrolled; the 2019 census 100 children
// quotas       2018: 520 of 1,000 places to junior schools; 2019: 480 of 1,000
// budgets      2018: 1,000 appropriated, 2,000 revenue; 2019: 1,100 and 2,160
// a year before, a's grade 1 had 1,100 pupils (6,600 in all, against 6,500) and the same funds.
DistrictState conditions_district() {
  DistrictState st = sample_district();
  st.at = Date::from_ymd(2019, 9, 1);
  auto f = school("f", {Stage::primary});
  f.boarding = true;
  st.registry.schools["f"] = f;
  auto& a = st.figures["a"];
  put(a, Section::primary, Measure::classes, 20, 1);
  put(a, Section::primary, Measure::classes, 20, 2);
  put(a, Section::primary, Measure::largest_class, 44, 2);
  put(a, Section::primary, Measure::entry_admissions, 180, std::uint8_t(AdmissionMode::nearby));
  put(a, Section::primary, Measure::entry_admissions, 10, std::uint8_t(AdmissionMode::lottery));
  put(a, Section::primary, Measure::entry_admissions, 10, std::uint8_t(AdmissionMode::other));
  put(a, Section::primary, Measure::disabled_students, 10);
  auto& b = st.figures["b"];
  put(b, Section::primary, Measure::classes, 36, 3);
  put(b, Section::primary, Measure::largest_class, 45, 3);
  put(b, Section::junior, Measure::classes, 16, 7);
  put(b, Section::primary, Measure::entry_admissions, 300, std::uint8_t(AdmissionMode::nearby));
  put(b, Section::junior, Measure::entry_admissions, 190,
      std::uint8_t(AdmissionMode::direct_promotion));
  put(b, Section::junior, Measure::entry_admissions, 10, std::uint8_t(AdmissionMode::other));
  put(st.figures["c"], Section::primary, Measure::entry_admissions, 50,
      std::uint8_t(AdmissionMode::other));
  put(st.figures["f"], Section::primary, Measure::entry_admissions, 100,
      std::uint8_t(AdmissionMode::other));
  put(st.figures["d"], Section::primary, Measure::entry_admissions, 8,
      std::uint8_t(AdmissionMode::other));  // special education: not counted
  put(st.figures["d"], Section::primary, Measure::disabled_students, 60);
  put(st.figures["e"], Section::primary, Measure::disabled_students, 27);
  auto& facts = st.registry.facts;
  facts.disabled_census[2019] = {.school_year = 2019, .children = 100};
  facts.quotas[2018] = {
      .admission_year = 2018, .quality_places = 1000, .allocated_to_junior_schools = 520};
  facts.budgets[2018] = {
      .fiscal_year = 2018, .education_appropriation_fen = 1000, .recurring_revenue_fen = 2000};
  facts.budgets[2019] = {
      .fiscal_year = 2019, .education_appropriation_fen = 1100, .recurring_revenue_fen = 2160};
  return st;
}

TEST(Guarantees, TheConditionsOnAHandComputedDistrict) {
  Standards standards = Standards::built_in();
  const Standard& s2017 = *standards.find("quality-balance-2017");
  DistrictState now = conditions_district();
  DistrictState before = now;
  before.at = Date::from_ymd(2018, 9, 1);
  put(before.figures["a"], Section::primary, Measure::students, 1100, 1);
  auto all = compute_guarantees(now, s2017, &before);

  const auto& primary_classes = named(all, "class_size_primary");
  EXPECT_EQ(primary_classes.schools_checked, 2u);  // a and b counted their classes
  EXPECT_EQ(*primary_classes.value, 50);           // a's grade 1, 1,000 / 20
  ASSERT_EQ(primary_classes.failing.size(), 1u);   // b's largest 45 is at the limit
  EXPECT_EQ(primary_classes.failing[0].school_id, "a");
  EXPECT_EQ(primary_classes.met, false);
  const auto& junior_classes = named(all, "class_size_junior");
  EXPECT_EQ(junior_classes.schools_checked, 1u);
  EXPECT_EQ(*junior_classes.value, 50);  // 800 / 16, at the junior limit
  EXPECT_EQ(junior_classes.met, true);

  const auto& nearby_primary = named(all, "nearby_admission_primary");
  EXPECT_EQ(nearby_primary.schools_checked, 2u);  // not f, c or d
  EXPECT_DOUBLE_EQ(*nearby_primary.value, 490.0 / 500.0);
  ASSERT_EQ(nearby_primary.failing.size(), 1u);
  EXPECT_EQ(nearby_primary.failing[0].school_id, "a");
  EXPECT_DOUBLE_EQ(nearby_primary.failing[0].value, 0.95);
  EXPECT_EQ(nearby_primary.met, false);  // 100% asked
  const auto& nearby_junior = named(all, "nearby_admission_junior");
  EXPECT_DOUBLE_EQ(*nearby_junior.value, 0.95);
  EXPECT_EQ(nearby_junior.met, true);  // 95% asked

  const auto& disabled = named(all, "disabled_enrolment_share");
  EXPECT_DOUBLE_EQ(*disabled.value, 0.97);
  EXPECT_EQ(disabled.schools_checked, 3u);
  EXPECT_EQ(disabled.year, 2019);
  EXPECT_EQ(disabled.met, true);

  const auto& quota = named(all, "senior_high_quota_share");
  EXPECT_EQ(quota.year, 2018);  // 2019's plan not recorded: the year before's
  EXPECT_DOUBLE_EQ(*quota.value, 0.52);
  EXPECT_EQ(quota.met, true);

  const auto& appropriation = named(all, "appropriation_growth");
  EXPECT_NEAR(*appropriation.value, 0.10 - 0.08, 1e-12);
  EXPECT_EQ(appropriation.year, 2019);
  EXPECT_EQ(appropriation.met, true);
  const auto& per_pupil = named(all, "per_pupil_appropriation_growth");
  EXPECT_NEAR(*per_pupil.value, (1100.0 / 6500) / (1000.0 / 6600) - 1, 1e-12);
  EXPECT_EQ(per_pupil.met, true);
  const auto& operating = named(all, "per_pupil_operating_funds_growth");
  EXPECT_NEAR(*operating.value, 6600.0 / 6500 - 1, 1e-12);  // the same funds, fewer pupils
  EXPECT_EQ(operating.met, true);

  // Without the year before, the growths per pupil say nothing; the appropriation's still does.
  auto alone = compute_guarantees(now, s2017);
  EXPECT_FALSE(named(alone, "per_pupil_appropriation_growth").met.has_value());
  EXPECT_FALSE(named(alone, "per_pupil_operating_funds_growth").value.has_value());
  EXPECT_EQ(named(alone, "appropriation_growth").met, true);

  // This year's plan, once recorded, is the one judged; a census of another school year is
  // not this one's; a fall in revenue's growth below the appropriation's fails.
  now.registry.facts.quotas[2019] = {
      .admission_year = 2019, .quality_places = 1000, .allocated_to_junior_schools = 480};
  now.registry.facts.budgets[2019].education_appropriation_fen = 1050;
  now.at = Date::from_ymd(2019, 8, 31);  // the 2018 school year
  auto later = compute_guarantees(now, s2017, &before);
  EXPECT_EQ(named(later, "senior_high_quota_share").year, 2019);
  EXPECT_EQ(named(later, "senior_high_quota_share").met, false);
  EXPECT_FALSE(named(later, "disabled_enrolment_share").value.has_value());
  // Until the 2020 census is recorded, 2019's stands.
  now.at = Date::from_ymd(2020, 9, 1);
  EXPECT_EQ(named(compute_guarantees(now, s2017), "disabled_enrolment_share").year, 2019);
  EXPECT_EQ(named(later, "appropriation_growth").met, false);  // 5% against 8%

  // Rotation in the 2018 school year (the last whole one before 1 September 2019), the base a
  // year before: a has 30 teachers whose posts came in 2012 or before (eligible: 6 school
  // years), 10 from 2013 (not yet); b 20 eligible, 5 of them backbone. In 2018, 4 of a's
  // teachers and 1 of b's began a rotation, 2 of them backbone; one of a's in 2017 (not
  // counted). (6 - 1) / 50 = 0.1; backbone 2 of 5 rotated.
  auto rotation_base = [](DistrictState& st) {
    put(st.figures["a"], Section::whole, Measure::posted_teachers, 20, year_byte(2005));
    put(st.figures["a"], Section::whole, Measure::posted_teachers, 10, year_byte(2012));
    put(st.figures["a"], Section::whole, Measure::posted_teachers, 10, year_byte(2013));
    put(st.figures["b"], Section::whole, Measure::posted_teachers, 20, year_byte(2010));
    put(st.figures["b"], Section::whole, Measure::posted_backbone_teachers, 5, year_byte(2010));
  };
  DistrictState rotated = conditions_district(), rotated_before = before;
  rotation_base(rotated_before);
  put(rotated.figures["a"], Section::whole, Measure::rotations_started, 4, year_byte(2018));
  put(rotated.figures["a"], Section::whole, Measure::rotations_started, 1, year_byte(2017));
  put(rotated.figures["b"], Section::whole, Measure::rotations_started, 1, year_byte(2018));
  put(rotated.figures["a"], Section::whole, Measure::backbone_rotations_started, 1,
      year_byte(2018));
  put(rotated.figures["b"], Section::whole, Measure::backbone_rotations_started, 1,
      year_byte(2018));
  auto rotation = compute_guarantees(rotated, s2017, &rotated_before);
  const auto& share = named(rotation, "rotation_share");
  EXPECT_DOUBLE_EQ(*share.value, 5.0 / 50.0);
  EXPECT_EQ(share.year, 2018);
  EXPECT_EQ(share.schools_checked, 2u);
  EXPECT_EQ(share.met, true);
  EXPECT_DOUBLE_EQ(*named(rotation, "backbone_rotation_share").value, 2.0 / 5.0);
  EXPECT_EQ(named(rotation, "backbone_rotation_share").met, true);
  EXPECT_FALSE(named(compute_guarantees(rotated, s2017), "rotation_share").met.has_value());
  // A district that counts the backbone share of the eligible backbone teachers, after five
  // years at one school: b's 5 and none of a's; 2 of 5.
  Standard local = s2017;
  for (auto& g : local.guarantees)
    if (g.kind == GuaranteeKind::backbone_rotation_share) {
      g.base = RotationBase::eligible;
      g.eligible_years = 5;
    }
  const auto local_results = compute_guarantees(rotated, local, &rotated_before);
  const auto& of_eligible = named(local_results, "backbone_rotation_share");
  EXPECT_DOUBLE_EQ(*of_eligible.value, 2.0 / 5.0);
  EXPECT_EQ(of_eligible.schools_checked, 1u);

  // The answer says how each is judged and in what unit; the table prints the stage.
  IndicatorReport r = compute_indicators(conditions_district(), s2017);
  auto j = report_json(r)["guarantees"];
  for (const auto& g : j) {
    if (g["id"] == "class_size_primary") {
      EXPECT_EQ(g["comparison"], "at_most");
      EXPECT_EQ(g["unit"], "pupils");
      EXPECT_EQ(g["stage"], "primary");
    }
    if (g["id"] == "appropriation_growth") {
      EXPECT_EQ(g["comparison"], "above");
      EXPECT_EQ(g["unit"], "share");
      EXPECT_EQ(g["year"], 2019);
    }
  }
  std::string csv = report_csv(r, "东城区", Date::from_ymd(2019, 9, 1));
  EXPECT_NE(csv.find("小学班额 (人),50,<= 45 (primary),未达标 fail,school a 50"), std::string::npos)
      << csv;
}

TEST(Guarantees, NothingToJudgeIsNoVerdict) {
  Standards standards = Standards::built_in();
  DistrictState empty;
  auto all = compute_guarantees(empty, *standards.find("quality-balance-2017"));
  ASSERT_EQ(all.size(), 15u);  // quality-balance-2017.json
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
  EXPECT_TRUE(refused(R"([{"id":"x","kind":"class_size","maximum":45}])"));
  EXPECT_NE(error.find("needs a stage"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"([{"id":"x","kind":"school_size","maximum":45,"stage":"primary"}])"));
  EXPECT_NE(error.find("stage is primary or junior"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"([{"id":"x","kind":"class_size","maximum":45,"stage":"senior"}])"));
  EXPECT_NE(error.find("stage is primary or junior"), std::string::npos) << error;
  EXPECT_TRUE(
      refused(R"([{"id":"x","kind":"nearby_admission_share","minimum":1,"stage":"junior"}])"));
  EXPECT_NE(error.find("needs modes"), std::string::npos) << error;
  EXPECT_TRUE(refused(
      R"([{"id":"x","kind":"nearby_admission_share","minimum":1,"stage":"junior","modes":["bribe"]}])"));
  EXPECT_NE(error.find("unknown admission mode \"bribe\""), std::string::npos) << error;
  EXPECT_TRUE(refused(R"([{"id":"x","kind":"backbone_share","minimum":0.2,"modes":["nearby"]}])"));
  EXPECT_NE(error.find("modes belong to"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"([{"id":"x","kind":"backbone_share","minimum":0.2,"eligible_years":6}])"));
  EXPECT_NE(error.find("eligible_years belong to"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"([{"id":"x","kind":"rotation_share","minimum":0.1,"eligible_years":0}])"));
  EXPECT_NE(error.find("whole number from 1 to 30"), std::string::npos) << error;
  EXPECT_TRUE(
      refused(R"([{"id":"x","kind":"backbone_rotation_share","minimum":0.2,"base":"all"}])"));
  EXPECT_NE(error.find("base is rotated or eligible"), std::string::npos) << error;
  EXPECT_FALSE(refused(R"([{"id":"x","kind":"appropriation_growth","minimum":-0.01}])"))
      << error;  // a growth's floor may be below zero
  EXPECT_TRUE(refused(R"({"id":"x"})"));
  EXPECT_NE(error.find("must be an array"), std::string::npos) << error;
}

}  // namespace
}  // namespace annals
