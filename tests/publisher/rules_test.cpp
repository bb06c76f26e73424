// One test per domain rule, against real RocksDB views: the record below, then an event
// that breaks (or keeps) one rule.
#include "services/publisher/rules.h"

#include <gtest/gtest.h>

#include "services/projector/projection.h"
#include "support/event_builders.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

using testing::make_event;
using testing::opening;

class RulesTest : public ::testing::Test {
 protected:
  testing::TempDir dir;
  std::unique_ptr<views::ViewStore> store = views::ViewStore::open_primary(dir / "views");
  std::int64_t offset = 0;
  int n = 0;

  void SetUp() override {
    record({opening("shijia", "史家胡同小学"), "2000-09-01"});
    record({opening("xizongbu", "西总布小学"), "2000-09-01"});
    record({opening("m55", "第五十五中学", {Stage::junior}), "2000-09-01"});
    record({testing::merger({"xizongbu"}, "shijia"), "2014-09-01"});
    record({SchoolClosed{"m55", "撤并"}, "2016-07-31"});
    record({ClusterCreated{"xq", "朝阳门学区", ClusterKind::school_district, {}}, "2012-09-01"});
    record({TeacherHired{"t1", "shijia", Stage::primary, Subject::music, Qualification::bachelor,
                         Title::intermediate, true, true},
            "2010-09-01"});
    record({StudentEnrolled{"p1", "shijia", Stage::primary, 1, AdmissionMode::nearby, false,
                            Disability::none, false, 0},
            "2015-09-01"});
  }

  struct At {
    Payload data;
    const char* date;
  };
  Event event(const At& a) {
    return make_event("e" + std::to_string(n++), "dc", a.date, "2020-01-01T00:00:00Z", a.data);
  }
  void record(const At& a) {
    Event e = event(a);
    System s = system_of(e.data) == System::platform ? System::registry : system_of(e.data);
    ConsumedRecord r{"a." + std::string(to_string(s)), 0, offset++, "dc", encode_event(e)};
    Projection p(*store, TopicNames{"a."}, {}, Keeps::rules);  // as a publishing service keeps
    views::Batch batch(*store);
    ASSERT_TRUE(p.stage({r}, batch).dead_letters.empty());
    ASSERT_TRUE(store->write(batch).ok());
  }
  // The codes of the rules `a` breaks, for the service that owns its type.
  std::vector<std::string> codes(const At& a, std::optional<System> as = std::nullopt) {
    Event e = event(a);
    std::vector<std::string> out;
    for (const auto& v : check_rules(e, as.value_or(system_of(e.data)), *store))
      out.push_back(v.code);
    return out;
  }
  using Codes = std::vector<std::string>;
};

TEST_F(RulesTest, OpeningASchoolThatIsOpen) {
  EXPECT_EQ(codes({opening("shijia", "史家"), "2015-01-01"}), Codes{"school_exists"});
  EXPECT_EQ(codes({opening("m55", "第五十五中学（复校）", {Stage::junior}), "2017-09-01"}),
            Codes{});  // reopening a closed one
}

TEST_F(RulesTest, ClosingASchoolThatIsNotOpen) {
  EXPECT_EQ(codes({SchoolClosed{"m55", {}}, "2017-01-01"}), Codes{"school_not_open"});
  EXPECT_EQ(codes({SchoolClosed{"ghost", {}}, "2017-01-01"}), Codes{"school_not_open"});
  EXPECT_EQ(codes({SchoolClosed{"xizongbu", {}}, "2015-01-01"}),
            Codes{"school_not_open"});  // absorbed
  // Retroactive and consistent on its date, but the record closes m55 again on 2016-07-31:
  // a second closing would be void. Retract the later one first.
  EXPECT_EQ(codes({SchoolClosed{"m55", {}}, "2016-01-01"}), Codes{"breaks_later_events"});
  EXPECT_EQ(codes({SchoolClosed{"shijia", {}}, "2016-01-01"}), Codes{});  // retroactive, consistent
}

TEST_F(RulesTest, MergingUnknownClosedOrAbsorbedSchools) {
  EXPECT_EQ(codes({testing::merger({"ghost"}, "shijia"), "2015-01-01"}), Codes{"school_not_open"});
  EXPECT_EQ(codes({testing::merger({"m55"}, "shijia"), "2017-01-01"}), Codes{"school_not_open"});
  EXPECT_EQ(codes({testing::merger({"xizongbu"}, "shijia"), "2015-01-01"}),
            Codes{"school_not_open"});
  EXPECT_EQ(codes({testing::merger({"shijia"}, "shijia"), "2015-01-01"}),
            Codes{"merger_into_itself"});
  // m55 stands on that date, but the record closes it on 2016-07-31: absorbed in 2015, it
  // could not be closed then (tested below).
  EXPECT_EQ(codes({testing::merger({"m55"}, "shijia"), "2015-01-01"}),
            Codes{"breaks_later_events"});
  EXPECT_EQ(codes({testing::merger({"m55"}, "shijia"), "2016-08-01"}), Codes{"school_not_open"});
}

TEST_F(RulesTest, AnEventDatedInThePastMustNotBreakTheLaterRecord) {
  // A cycle: xizongbu is absorbed into shijia on 2014-09-01; shijia into xizongbu before that.
  auto v = check_rules(event({testing::merger({"shijia"}, "xizongbu"), "2013-01-01"}),
                       System::registry, *store);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].code, "breaks_later_events");
  EXPECT_EQ(v[0].pointer, "/data/absorbed_ids");
  EXPECT_NE(v[0].message.find("(school.merged on 2014-09-01)"), std::string::npos) << v[0].message;
  // Absorbing a school that a later merger absorbs.
  EXPECT_EQ(codes({testing::merger({"xizongbu"}, "m55"), "2010-01-01"}),
            Codes{"breaks_later_events"});
  // Closing a school that later events are about: the 2014 merger into shijia.
  EXPECT_EQ(codes({SchoolClosed{"shijia", "x"}, "2013-01-01"}), Codes{"breaks_later_events"});
  // After the later events, or about a school they do not touch, nothing breaks.
  EXPECT_EQ(codes({SchoolClosed{"shijia", "x"}, "2015-01-01"}), Codes{});
  EXPECT_EQ(codes({SchoolRenamed{"shijia", "史家小学"}, "2013-01-01"}), Codes{});
  EXPECT_EQ(codes({opening("new", "新校"), "2001-01-01"}), Codes{});
}

TEST_F(RulesTest, ChangingASchoolNotOpenOrASectionItLacks) {
  EXPECT_EQ(codes({SchoolRenamed{"m55", "x"}, "2017-01-01"}), Codes{"school_not_open"});
  SchoolFacilitiesSurveyed survey;
  survey.school_id = "shijia";
  survey.stage = Stage::junior;
  EXPECT_EQ(codes({survey, "2017-12-31"}), Codes{"stage_not_served"});
  survey.school_id = "xizongbu";  // absorbed: lands on the survivor, which is open
  survey.stage = Stage::primary;
  EXPECT_EQ(codes({survey, "2017-12-31"}), Codes{});
}

TEST_F(RulesTest, Clusters) {
  EXPECT_EQ(codes({ClusterCreated{"xq", "x", ClusterKind::school_district, {}}, "2013-01-01"}),
            Codes{"cluster_exists"});
  EXPECT_EQ(codes({SchoolJoinedCluster{"shijia", "nope", MemberRole::member}, "2013-01-01"}),
            Codes{"cluster_not_active"});
  EXPECT_EQ(codes({SchoolJoinedCluster{"shijia", "xq", MemberRole::member}, "2011-01-01"}),
            Codes{"cluster_not_active"});
  EXPECT_EQ(codes({SchoolLeftCluster{"shijia", "xq"}, "2013-01-01"}), Codes{"not_a_member"});
  EXPECT_EQ(codes({SchoolJoinedCluster{"shijia", "xq", MemberRole::lead}, "2013-01-01"}), Codes{});
}

TEST_F(RulesTest, ASecondHireOfTheSameTeacher) {
  TeacherHired again{
      "t1", "shijia", Stage::primary, Subject::pe, Qualification::bachelor, Title::none,
      true, true};
  EXPECT_EQ(codes({again, "2015-01-01"}), Codes{"teacher_already_hired"});
  TeacherHired wrong_stage{
      "t2", "shijia", Stage::junior, Subject::pe, Qualification::bachelor, Title::none, true, true};
  EXPECT_EQ(codes({wrong_stage, "2015-01-01"}), Codes{"stage_not_served"});
}

TEST_F(RulesTest, ATransferOfATeacherNotAtTheFromSchool) {
  TeacherTransferred t{"t1", "m55", "shijia", {}, TransferKind::permanent, {}, true};
  EXPECT_EQ(codes({t, "2015-01-01"}), Codes{"teacher_not_at_school"});
  t.teacher_id = "nobody";
  EXPECT_EQ(codes({t, "2015-01-01"}), Codes{"teacher_not_employed"});
  TeacherTransferred before_hire{"t1", "shijia", "m55", {}, TransferKind::permanent, {}, true};
  EXPECT_EQ(codes({before_hire, "2009-01-01"}), Codes{"teacher_not_employed"});
  EXPECT_EQ(codes({before_hire, "2012-01-01"}), Codes{});  // late, and consistent with 2012
  EXPECT_EQ(codes({before_hire, "2017-01-01"}), Codes{"school_not_open"});  // m55 closed by then
}

TEST_F(RulesTest, RotationsNeedAnEndAfterTheirStart) {
  TeacherTransferred r{"t1", "shijia", "m55", {}, TransferKind::rotation, {}, false};
  EXPECT_EQ(codes({r, "2015-09-01"}), Codes{"rotation_without_end"});
  r.end_date = testing::day("2015-08-31");
  EXPECT_EQ(codes({r, "2015-09-01"}), Codes{"rotation_ends_before_start"});
  r.kind = TransferKind::permanent;
  r.end_date = testing::day("2018-08-31");
  EXPECT_EQ(codes({r, "2015-09-01"}), Codes{"permanent_with_end"});
}

TEST_F(RulesTest, ARotationReturnsOnItsEndDate) {
  record({TeacherTransferred{
              "t1", "shijia", "m55", {}, TransferKind::rotation, testing::day("2015-08-31"), false},
          "2013-09-01"});
  TeacherTransferred from_m55{"t1", "m55", "shijia", {}, TransferKind::permanent, {}, true};
  EXPECT_EQ(codes({from_m55, "2014-01-01"}), Codes{});                         // on rotation at m55
  EXPECT_EQ(codes({from_m55, "2015-08-31"}), Codes{"teacher_not_at_school"});  // back at shijia
}

TEST_F(RulesTest, HonoursAndLeavingNeedAnEmployedTeacher) {
  EXPECT_EQ(
      codes({TeacherHonourRevoked{"t1", Honour::backbone, HonourLevel::district}, "2015-01-01"}),
      Codes{"honour_not_held"});
  EXPECT_EQ(codes({TeacherLeft{"t9", LeaveReason::retired}, "2015-01-01"}),
            Codes{"teacher_not_employed"});
  EXPECT_EQ(codes({TeacherTitleChanged{"t1", Title::senior}, "2009-01-01"}),
            Codes{"teacher_not_employed"});
}

TEST_F(RulesTest, AnEnrollmentIntoAClosedNotYetOpenOrWrongStageSchool) {
  auto enrol = [](std::string student, std::string school, Stage stage, std::int64_t grade) {
    return StudentEnrolled{student, school,           stage, grade, AdmissionMode::lottery,
                           false,   Disability::none, false, 0};
  };
  EXPECT_EQ(codes({enrol("p2", "m55", Stage::junior, 7), "2017-09-01"}), Codes{"school_not_open"});
  EXPECT_EQ(codes({enrol("p2", "shijia", Stage::primary, 1), "1999-09-01"}),
            Codes{"school_not_open"});
  EXPECT_EQ(codes({enrol("p2", "shijia", Stage::junior, 7), "2015-09-01"}),
            Codes{"stage_not_served"});
  EXPECT_EQ(codes({enrol("p2", "shijia", Stage::primary, 8), "2015-09-01"}),
            Codes{"grade_not_in_stage"});
  EXPECT_EQ(codes({enrol("p1", "shijia", Stage::primary, 1), "2016-09-01"}),
            Codes{"student_already_enrolled"});
  EXPECT_EQ(codes({enrol("p2", "xizongbu", Stage::primary, 1), "2015-09-01"}),
            Codes{});  // lands on the survivor
}

TEST_F(RulesTest, ASchoolASplitOpensTakesPupilsTeachersAndSurveysFromThatDay) {
  SchoolSplit split{"shijia", {{"shijia-north", "史家胡同小学北校区", {Stage::primary}}}, false};
  record({split, "2017-09-01"});
  EXPECT_EQ(codes({StudentTransferred{"p1", "shijia", "shijia-north", {}}, "2017-09-01"}), Codes{});
  EXPECT_EQ(codes({TeacherTransferred{
                       "t1", "shijia", "shijia-north", {}, TransferKind::permanent, {}, true},
                   "2017-09-01"}),
            Codes{});
  SchoolFacilitiesSurveyed survey;
  survey.school_id = "shijia-north";
  EXPECT_EQ(codes({survey, "2017-12-31"}), Codes{});
  EXPECT_EQ(codes({survey, "2017-08-31"}), Codes{"school_not_open"});  // not yet
}

TEST_F(RulesTest, StudentsMustBeEnrolledWhereTheEventSaysTheyAre) {
  EXPECT_EQ(codes({StudentTransferred{"p1", "m55", "shijia", {}}, "2016-01-01"}),
            Codes{"student_not_at_school"});
  EXPECT_EQ(codes({StudentPromoted{"p9", 2}, "2016-09-01"}), Codes{"student_not_enrolled"});
  EXPECT_EQ(codes({StudentPromoted{"p1", 1}, "2016-09-01"}), Codes{"grade_not_in_stage"});
  EXPECT_EQ(codes({StudentGraduated{"p1"}, "2014-07-01"}), Codes{"student_not_enrolled"});
  EXPECT_EQ(codes({StudentPromoted{"p1", 2}, "2016-09-01"}), Codes{});
}

TEST_F(RulesTest, FundingForAnUnknownSchool) {
  FundingAllocated f{"ghost", FundingCategory::per_student_operating, 100, 2016, "区级财政"};
  EXPECT_EQ(codes({f, "2016-03-01"}), Codes{"school_unknown"});
  f.school_id = "shijia";
  EXPECT_EQ(codes({f, "2016-03-01"}), Codes{});
}

TEST_F(RulesTest, AClassCountOfAnOpenSchoolsStageItsGradesOnceEach) {
  auto count = [](const char* school, Stage stage, std::vector<GradeClasses> grades) {
    return SchoolClassesCounted{school, stage, std::move(grades)};
  };
  EXPECT_EQ(codes({count("shijia", Stage::primary, {{1, 4, 42}, {2, 4, {}}}), "2016-09-15"}),
            Codes{});
  EXPECT_EQ(codes({count("shijia", Stage::junior, {{7, 4, {}}}), "2016-09-15"}),
            Codes{"stage_not_served"});
  EXPECT_EQ(codes({count("m55", Stage::junior, {{7, 4, {}}}), "2016-09-15"}),
            Codes{"school_not_open"});  // closed on 2016-07-31
  EXPECT_EQ(codes({count("shijia", Stage::primary, {{7, 4, {}}}), "2016-09-15"}),
            Codes{"grade_not_in_stage"});
  EXPECT_EQ(codes({count("shijia", Stage::primary, {{1, 4, {}}, {1, 5, {}}}), "2016-09-15"}),
            Codes{"grade_repeated"});
  EXPECT_EQ(codes({count("shijia", Stage::primary, {{1, 0, 30}}), "2016-09-15"}),
            Codes{"largest_class_without_classes"});
}

TEST_F(RulesTest, AQuotaAllocatesNoMorePlacesThanThePlanHas) {
  EXPECT_EQ(codes({DistrictSeniorHighQuotaAllocated{2019, 1000, 500}, "2019-04-01"}), Codes{});
  EXPECT_EQ(codes({DistrictSeniorHighQuotaAllocated{2019, 1000, 1001}, "2019-04-01"}),
            Codes{"quota_exceeds_places"});
  EXPECT_EQ(codes({DistrictDisabledChildrenCounted{2019, 120}, "2019-09-01"}), Codes{});
}

TEST_F(RulesTest, RetractionsGoThroughTheServiceThatPublishedTheEvent) {
  Event hire =
      make_event("e6", "dc", "2010-09-01", "2020-01-01T00:00:00Z", {});  // the hire's id in SetUp
  EXPECT_EQ(codes({RecordRetracted{hire.envelope.id, "误录"}, "2010-09-01"}, System::personnel),
            Codes{});
  EXPECT_EQ(codes({RecordRetracted{hire.envelope.id, "误录"}, "2010-09-01"}, System::registry),
            Codes{"retraction_target_unknown"});
  EXPECT_EQ(
      codes({RecordRetracted{uuid_from_name("x", "y"), "?"}, "2010-09-01"}, System::personnel),
      Codes{"retraction_target_unknown"});
}

}  // namespace
}  // namespace annals
