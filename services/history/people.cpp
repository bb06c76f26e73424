#include "services/history/people.h"

#include <algorithm>

#include "services/history/timeline.h"

namespace annals {

bool TeacherRecord::settle_return(Date until) {
  if (!returns || returns->first > until) return false;
  school_id = returns->second;
  returns.reset();
  return true;
}

bool TeacherRecord::backbone() const {
  return std::any_of(honours.begin(), honours.end(),
                     [](const auto& h) { return h.second >= HonourLevel::district; });
}

void TeacherRecord::apply(const Event& event) {
  TeacherRecord& t = *this;
  const Date on = event.envelope.effective_date;
  std::visit(
      [&](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, TeacherHired>) {
          t.employed = t.ever_hired = true;
          t.hired_on = on;
          t.school_id = d.school_id;
          t.stage = d.stage;
          t.subject = d.subject;
          t.qualification = d.qualification;
          t.title = d.title;
          t.full_time = d.full_time;
          t.post_school = d.holds_post ? std::optional(d.school_id) : std::nullopt;
          t.post_since = on;
          t.left.reset();
        } else if constexpr (std::is_same_v<T, TeacherTransferred>) {
          if (d.kind != TransferKind::permanent) t.rotations[school_year_of(on)] |= t.backbone();
          if (d.kind != TransferKind::permanent && d.end_date)
            t.returns = {{*d.end_date, t.school_id}};
          else t.returns.reset();
          t.school_id = d.to_school_id;
          if (d.to_stage) t.stage = *d.to_stage;
          if (d.post_moves) {
            t.post_school = d.to_school_id;
            t.post_since = on;
          }
        } else if constexpr (std::is_same_v<T, TeacherQualificationChanged>) {
          t.qualification = d.qualification;
        } else if constexpr (std::is_same_v<T, TeacherTitleChanged>) {
          t.title = d.title;
        } else if constexpr (std::is_same_v<T, TeacherHonourAwarded>) {
          t.honours.insert({d.honour, d.level});
        } else if constexpr (std::is_same_v<T, TeacherHonourRevoked>) {
          t.honours.erase({d.honour, d.level});
        } else if constexpr (std::is_same_v<T, TeacherLeft>) {
          t.employed = false;
          t.left = d.reason;
          t.left_on = on;
          t.returns.reset();
        }
      },
      event.data);
}

TeacherRecord teacher_on(views::Reader reader, const std::string& district,
                         const std::string& teacher_id, Date at, Timestamp as_of) {
  TeacherRecord t;
  t.teacher_id = teacher_id;
  for (const auto& entry : timeline(reader, district, EntityKind::teacher, teacher_id, at, as_of)) {
    t.settle_return(entry.event.envelope.effective_date);
    t.apply(entry.event);
  }
  t.settle_return(at);
  return t;
}

void StudentRecord::apply(const Event& event) {
  StudentRecord& s = *this;
  std::visit(
      [&](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, StudentEnrolled>) {
          s.enrolled = s.ever_enrolled = true;
          s.school_id = d.school_id;
          s.stage = d.stage;
          s.grade = d.grade;
          s.admission = d.admission;
          s.migrant = d.migrant;
          s.disability = d.disability;
          s.boarding = d.boarding;
          s.hardship_tier = d.hardship_tier;
          s.exit.reset();
        } else if constexpr (std::is_same_v<T, StudentTransferred>) {
          s.school_id = d.to_school_id;
          if (d.grade) s.grade = *d.grade;
          s.stage = s.grade >= 7 ? Stage::junior : Stage::primary;
        } else if constexpr (std::is_same_v<T, StudentPromoted>) {
          s.grade = d.grade;
          s.stage = d.grade >= 7 ? Stage::junior : Stage::primary;
        } else if constexpr (std::is_same_v<T, StudentGraduated>) {
          s.enrolled = false;
          s.exit = "graduated";
        } else if constexpr (std::is_same_v<T, StudentWithdrew>) {
          s.enrolled = false;
          s.exit = std::string(to_string(d.reason));
        } else if constexpr (std::is_same_v<T, StudentFlagsChanged>) {
          if (d.migrant) s.migrant = *d.migrant;
          if (d.disability) s.disability = *d.disability;
          if (d.boarding) s.boarding = *d.boarding;
          if (d.hardship_tier) s.hardship_tier = *d.hardship_tier;
        }
      },
      event.data);
}

StudentRecord student_on(views::Reader reader, const std::string& district,
                         const std::string& student_id, Date at, Timestamp as_of) {
  StudentRecord s;
  s.student_id = student_id;
  for (const auto& entry : timeline(reader, district, EntityKind::student, student_id, at, as_of))
    s.apply(entry.event);
  return s;
}

}  // namespace annals
