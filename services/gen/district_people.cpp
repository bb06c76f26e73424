// DistrictHistory's pupils and teachers: enrolment and intakes, staffing and hiring, the choice
// of a school, and the school year's movements, graduations (summer), promotions and intakes
// (autumn) and personnel changes. See district_history.h for the other files.
#include <cmath>
#include <string>

#include "services/gen/district_history.h"

namespace annals::gen {

void DistrictHistory::enrol_intake(std::size_t school, int grade, Date on, AdmissionMode mode) {
  const School& s = schools_[school];
  if (!serves(s, grade)) return;
  int n = int(std::round(o_.scale.intake_per_grade * s.size * uniform(0.85, 1.15)));
  for (int k = 0; k < n; ++k) enrol(school, grade, on, mode);
}

void DistrictHistory::enrol(std::size_t school, int grade, Date on, AdmissionMode mode,
                            std::string id) {
  if (id.empty()) id = district_ + "-p" + std::to_string(next_student_++);
  bool migrant = chance(d_.urban > 0.9 ? 0.15 : 0.35);
  Disability disability = schools_[school].kind == SchoolKind::special_education
                              ? Disability::special_school
                          : chance(0.01) ? Disability::mainstream
                                         : Disability::none;
  emit(on, StudentEnrolled{id, schools_[school].id, grade <= 6 ? Stage::primary : Stage::junior,
                           grade, mode, migrant, disability,
                           schools_[school].kind == SchoolKind::special_education,
                           chance(0.05) ? 1 : 0});
  students_.push_back({id, school, grade});
  students_.back().disabled = disability != Disability::none;
}

void DistrictHistory::staff(Date on) {
  std::vector<std::array<int, 2>> pupils(schools_.size()), teachers(schools_.size());
  for (const auto& p : students_)
    if (p.active) ++pupils[p.school][p.grade > 6];
  for (const auto& t : teachers_)
    if (t.active) ++teachers[t.returns ? t.returns->second : t.school][int(t.stage)];
  for (std::size_t i = 0; i < schools_.size(); ++i) {
    if (!schools_[i].open) continue;
    for (int st = 0; st < 2; ++st) {
      int need = int(std::ceil(pupils[i][st] / (st ? 11.0 : 13.0))) - teachers[i][st];
      for (int k = 0; k < need; ++k) hire(i, Stage(st), on);
    }
  }
}

void DistrictHistory::hire(std::size_t school, Stage stage, Date on) {
  Teacher t{district_ + "-t" + std::to_string(next_teacher_++), school, stage,
            Qualification(chance(0.15)   ? 1
                          : chance(0.85) ? 2
                                         : 3),
            Title(rng_() % 4)};
  static constexpr Subject kSubjects[] = {Subject::chinese,     Subject::mathematics,
                                          Subject::english,     Subject::chinese,
                                          Subject::mathematics, Subject::science,
                                          Subject::pe,          Subject::music,
                                          Subject::fine_art,    Subject::information_technology,
                                          Subject::history,     Subject::physics};
  emit(on, TeacherHired{t.id, schools_[school].id, stage, kSubjects[rng_() % 12], t.qualification,
                        t.title, !chance(0.05), true});
  teachers_.push_back(t);
}

std::size_t DistrictHistory::pick_school(int grade, std::optional<int> zone,
                                         std::optional<std::size_t> not_this) {
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < schools_.size(); ++i)
    if (serves(schools_[i], grade) && schools_[i].kind == SchoolKind::regular && i != not_this &&
        (!zone || schools_[i].zone == *zone))
      candidates.push_back(i);
  if (candidates.empty() && zone) return pick_school(grade, std::nullopt, not_this);
  if (candidates.empty()) return not_this.value_or(0);
  return candidates[rng_() % candidates.size()];
}

void DistrictHistory::movements(int y) {
  std::size_t n = students_.size();
  for (std::size_t k = 0; k < n; ++k) {
    Student& p = students_[k];
    if (!p.active) continue;
    if (chance(0.02)) {
      std::size_t to = pick_school(p.grade, std::nullopt, p.school);
      if (to == p.school || schools_[p.school].kind == SchoolKind::special_education) continue;
      Date on = random_day(y - 1, 10, 8);
      int late = chance(0.05) ? 60 + int(rng_() % 200) : 0;  // a few reach the registry late
      // Not again before the last late one is recorded: until then the record has the pupil at
      // the school it left, and a transfer from the new one would be refused (and rightly).
      if (on <= p.settled) continue;
      emit(on, StudentTransferred{p.id, schools_[p.school].id, schools_[to].id, std::nullopt},
           late);
      if (late) p.settled = Date{on.days + late + 3};  // recorded within 3 days of that
      p.school = to;
    } else if (chance(0.003)) {
      emit(random_day(y - 1, 10, 8),
           StudentWithdrew{
               p.id, chance(0.8) ? WithdrawReason::moved_out_of_city : WithdrawReason::other});
      p.active = false;
    } else if (chance(0.01)) {
      emit(random_day(y - 1, 10, 8), StudentFlagsChanged{p.id, std::nullopt, std::nullopt,
                                                         std::nullopt, std::int64_t(rng_() % 3)});
    }
  }
}

void DistrictHistory::summer(int y) {
  going_on_.clear();
  for (auto& p : students_) {
    if (!p.active) continue;
    if (p.grade == 9 || (p.grade == 6 && !schools_[p.school].junior)) {
      emit(day(y, 7, 1), StudentGraduated{p.id});
      p.active = false;
      if (p.grade == 6) going_on_.push_back(p);
    }
  }
}

void DistrictHistory::autumn(int y, int index) {
  Date sept = day(y, 9, 1);
  for (auto& p : students_)
    if (p.active && p.grade < 9) {
      ++p.grade;
      emit(sept, StudentPromoted{p.id, p.grade});
    }
  for (const auto& p : going_on_) {
    std::size_t to = pick_school(7, schools_[p.school].zone);
    AdmissionMode mode = chance(0.3)   ? AdmissionMode::direct_promotion
                         : chance(0.5) ? AdmissionMode::lottery
                                       : AdmissionMode::nearby;
    enrol(to, 7, sept, mode, p.id);
  }
  for (std::size_t i = 0; i < schools_.size(); ++i) {
    enrol_intake(i, 1, sept, AdmissionMode::nearby);
    if (schools_[i].junior && !schools_[i].primary) {
      // Junior schools also take pupils from outside the district's primaries.
      int extra = int(o_.scale.intake_per_grade * schools_[i].size * 0.6);
      for (int k = 0; k < extra; ++k) enrol(i, 7, sept, AdmissionMode::other);
    }
  }
  (void)index;
}

void DistrictHistory::personnel(int y) {
  Date sept = day(y, 9, 1);
  for (auto& t : teachers_) {
    if (!t.active) continue;
    if (t.returns && t.returns->first <= sept) {
      t.school = t.returns->second;  // back by the end date, as the record says
      t.returns.reset();
    }
    if (chance(0.03)) {
      emit(day(y, 7, 31),
           TeacherLeft{t.id, chance(0.7) ? LeaveReason::retired : LeaveReason::resigned});
      t.active = false;
      continue;
    }
    // Rotation (交流轮岗) within the 学区 for a year; support teaching (支教) in the countryside.
    if (!t.returns && chance(0.08)) {
      int grade = t.stage == Stage::primary ? 1 : 7;
      std::size_t to = pick_school(grade, schools_[t.school].zone, t.school);
      if (to != t.school) {
        bool support = schools_[to].location != LocationClass::urban && chance(0.3);
        Date back = day(y + 1, 7, 31);
        emit(sept,
             TeacherTransferred{t.id, schools_[t.school].id, schools_[to].id, std::nullopt,
                                support ? TransferKind::support_teaching : TransferKind::rotation,
                                back, false});
        t.returns = {{back, t.school}};
        t.school = to;
      }
    }
    if (chance(0.04) && t.qualification < Qualification::master) {
      auto before = t.qualification;
      t.qualification = Qualification(int(t.qualification) + 1);
      Date on = random_day(y, 1, 11);
      emit(on, TeacherQualificationChanged{t.id, t.qualification});
      if (chance(0.05)) {  // entered by mistake: retracted a few weeks later
        emit(Date{on.days + 20}, RecordRetracted{last_id(), "entered for the wrong teacher"}, 0,
             "beijing-personnel");
        t.qualification = before;
      }
    }
    if (chance(0.03) && t.title < Title::senior) {
      t.title = Title(int(t.title) + 1);
      emit(random_day(y, 1, 11), TeacherTitleChanged{t.id, t.title});
    }
    if (!t.backbone && chance(0.025)) {
      t.backbone = true;
      emit(random_day(y, 4, 6),
           TeacherHonourAwarded{
               {t.id, Honour::backbone, chance(0.8) ? HonourLevel::district : HonourLevel::city}});
    }
  }
  staff(sept);
}

}  // namespace annals::gen
