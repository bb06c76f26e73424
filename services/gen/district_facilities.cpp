// DistrictHistory's money, registry and facilities: the yearly funding of schools, the registry
// changes (mergers, a new junior section, an education group, a closure), and the facility
// surveys and purchases. See district_history.h for the other files.
#include <algorithm>
#include <cmath>
#include <string>

#include "services/gen/district_history.h"

namespace annals::gen {

void DistrictHistory::funding(int y, int index) {
  std::vector<std::array<int, 2>> pupils(schools_.size());
  for (const auto& p : students_)
    if (p.active) ++pupils[p.school][p.grade > 6];
  for (std::size_t i = 0; i < schools_.size(); ++i) {
    if (!schools_[i].open) continue;
    // Yuan a pupil: 1,200 primary and 1,600 junior; special-education schools 6,500 (the 2017
    // method's floor is 6,000: docs/guarantees.md). Growing 5% a year.
    const bool special = schools_[i].kind == SchoolKind::special_education;
    std::int64_t rate =
        (pupils[i][0] * (special ? 6500 : 1200) + pupils[i][1] * (special ? 6500 : 1600)) *
        (100 + 5 * index) / 100;
    if (rate > 0) {
      emit(day(y, 3, 1), FundingAllocated{schools_[i].id, FundingCategory::per_student_operating,
                                          rate * 100, y, "区级"});
      // Teacher training: 6% of the operating funds, 3% at every fifth school (below the 5%
      // guarantee). Its recorded time is drawn like every event's, so the city after its
      // first March differs from the one before this line was added.
      emit(day(y, 3, 1), FundingAllocated{schools_[i].id, FundingCategory::training,
                                          rate * (i % 5 == 4 ? 3 : 6), y, "区级"});
    }
    if (chance(0.2))
      emit(random_day(y, 4, 6), FundingAllocated{schools_[i].id, FundingCategory::earmarked,
                                                 std::int64_t(uniform(2e5, 2e6)) * 100, y, "市级"});
  }
}

void DistrictHistory::registry_changes(int y, int index) {
  Date sept = day(y, 8, 31);
  // Mergers: the smallest regular primary school joins another of its 学区.
  if ((index == 2 || index == 6) && schools_.size() >= 6) {
    std::optional<std::size_t> small;
    for (std::size_t i = 0; i < schools_.size(); ++i)
      if (schools_[i].open && schools_[i].kind == SchoolKind::regular && schools_[i].primary &&
          !schools_[i].junior && (!small || schools_[i].size < schools_[*small].size))
        small = i;
    if (small) {
      std::size_t survivor = pick_school(1, schools_[*small].zone, *small);
      if (survivor != *small && schools_[survivor].primary) {
        emit(sept, SchoolMerged{{schools_[*small].id}, schools_[survivor].id, std::nullopt});
        schools_[*small].open = false;
        schools_[*small].merged_into = survivor;
        for (auto& p : students_)
          if (p.school == *small) p.school = survivor;
        for (auto& t : teachers_) {
          if (t.school == *small) t.school = survivor;
          if (t.returns && t.returns->second == *small) t.returns->second = survivor;
        }
        schools_[survivor].size += schools_[*small].size;
      }
    }
  }
  // A primary school gains a junior section (九年一贯制).
  if (index == 4)
    for (auto& s : schools_)
      if (s.open && s.kind == SchoolKind::regular && s.primary && !s.junior) {
        s.junior = true;
        emit(day(y, 9, 1), SchoolStagesChanged{s.id, s.stages()});
        break;
      }
  // An education group led by the largest school.
  if (index == 3 && schools_.size() >= 6) {
    std::string group = district_ + "-jtg1";
    std::size_t lead = 0;
    for (std::size_t i = 0; i < schools_.size(); ++i)
      if (schools_[i].open && schools_[i].size > schools_[lead].size) lead = i;
    emit(day(y, 9, 1), ClusterCreated{group, schools_[lead].name + "教育集团",
                                      ClusterKind::education_group, std::nullopt});
    emit(day(y, 9, 1), SchoolJoinedCluster{schools_[lead].id, group, MemberRole::lead});
    for (int k = 0, added = 0; k < int(schools_.size()) && added < 3; ++k) {
      std::size_t i = (lead + 1 + std::size_t(k)) % schools_.size();
      if (schools_[i].open && schools_[i].kind == SchoolKind::regular && i != lead) {
        emit(day(y, 9, 1), SchoolJoinedCluster{schools_[i].id, group, MemberRole::member});
        ++added;
      }
    }
  }
  // The teaching point closes; its pupils move to a school of its 学区.
  if (index == 5)
    for (std::size_t i = 0; i < schools_.size(); ++i)
      if (schools_[i].open && schools_[i].kind == SchoolKind::teaching_point) {
        for (auto& p : students_)
          if (p.active && p.school == i) {
            std::size_t to = pick_school(p.grade, schools_[i].zone, i);
            emit(day(y, 7, 15),
                 StudentTransferred{p.id, schools_[i].id, schools_[to].id, std::nullopt});
            p.school = to;
          }
        for (auto& t : teachers_)
          if (t.active && t.school == i) {
            std::size_t to = pick_school(1, schools_[i].zone, i);
            emit(day(y, 7, 15),
                 TeacherTransferred{t.id, schools_[i].id, schools_[to].id, std::nullopt,
                                    TransferKind::permanent, std::nullopt, true});
            t.school = to;
          }
        emit(day(y, 7, 20), SchoolClosed{schools_[i].id, std::string("撤并")});
        schools_[i].open = false;
      }
}

void DistrictHistory::surveys(int y, int index) {
  std::vector<int> pupils(schools_.size());
  for (const auto& p : students_)
    if (p.active) ++pupils[p.school];
  double growth = std::pow(1.04, index);
  for (std::size_t i = 0; i < schools_.size(); ++i) {
    const School& s = schools_[i];
    if (!s.open) continue;
    double n = std::max(20, pupils[i]) * s.wealth;
    auto survey = [&](double f) {
      SchoolFacilitiesSurveyed v;
      v.school_id = s.id;
      v.floor_area_m2.centi = std::int64_t(n * 5.6 * f * s.spread[0] * 100);
      v.sports_area_m2.centi = std::int64_t(n * 9.0 * f * s.spread[1] *
                                            (s.location == LocationClass::urban ? 0.8 : 1.3) * 100);
      v.equipment_value_fen = std::int64_t(n * 2300 * growth * f * s.spread[2]) * 100;
      v.multimedia_classrooms = std::int64_t(n * 0.026 * growth * f * s.spread[3]);
      v.computers = std::int64_t(n * 0.14 * growth * f * s.spread[4]);
      v.books = std::int64_t(n * 32 * f * s.spread[5]);
      return v;
    };
    Date on = day(y, 9, 15);
    emit(on, survey(1.0));
    // Corrections: the survey was wrong, and a corrected one is recorded months later.
    if (chance(0.03)) emit(on, survey(uniform(0.85, 1.15)), 120 + int(rng_() % 300));
    if (chance(0.3)) {
      SchoolEquipmentPurchased buy;
      buy.school_id = s.id;
      buy.equipment_value_fen = std::int64_t(uniform(5e4, 5e5)) * 100;
      buy.computers = std::int64_t(rng_() % 40);
      emit(random_day(y + 1, 1, 6), buy);
    }
  }
}

void DistrictHistory::guarantee_facts(int y) {
  // pupils[school][grade]
  std::vector<std::array<int, 10>> pupils(schools_.size());
  int disabled = 0, leaving = 0;
  for (const auto& p : students_) {
    if (!p.active) continue;
    ++pupils[p.school][std::size_t(p.grade)];
    disabled += p.disabled;
    leaving += p.grade == 9;
  }
  const Date counted = day(y, 9, 20);
  for (std::size_t i = 0; i < schools_.size(); ++i) {
    const School& s = schools_[i];
    if (!s.open) continue;
    // Most schools plan classes of about 40 (primary) or 45 (junior); every seventh crowds
    // its classes past the limit.
    const bool crowded = i % 7 == 3;
    for (Stage stage : s.stages()) {
      SchoolClassesCounted count{s.id, stage, {}};
      const int first = stage == Stage::primary ? 1 : 7, last = stage == Stage::primary ? 6 : 9;
      for (int g = first; g <= last; ++g) {
        const int n = pupils[i][std::size_t(g)];
        if (n == 0) continue;
        const double planned = (stage == Stage::primary ? 40 : 45) * (crowded ? 1.2 : 1.0);
        const std::int64_t classes = std::max<std::int64_t>(1, std::llround(n / planned));
        GradeClasses grade{g, classes, std::nullopt};
        if (chance(0.5))  // half the counts also give the largest class
          grade.largest_class = (n + classes - 1) / classes + std::int64_t(rng_() % 3);
        count.grades.push_back(grade);
      }
      if (!count.grades.empty()) emit(counted, count);
    }
  }
  // The census finds a few disabled children out of school (or taught at home).
  emit(counted, DistrictDisabledChildrenCounted{
                    y, std::int64_t(std::llround(disabled * uniform(1.0, 1.07)))});
  // Next summer's admission: places of quality senior highs for about half the leavers, half
  // of them or more allocated to the junior schools.
  const std::int64_t places = std::max<std::int64_t>(1, std::llround(leaving * uniform(0.4, 0.6)));
  emit(day(y + 1, 4, 20),
       DistrictSeniorHighQuotaAllocated{y + 1, places,
                                        std::int64_t(std::llround(places * uniform(0.45, 0.62)))});
}

}  // namespace annals::gen
