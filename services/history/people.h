// Teachers and students on a date, as recorded at a time, folded from their timelines.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "events/event.h"
#include "services/views/view_store.h"

namespace annals {

struct TeacherRecord {
  std::string teacher_id;
  bool employed = false;  // hired and not left
  bool ever_hired = false;
  Date hired_on;
  std::string school_id;  // where the teacher teaches on the date
  Stage stage{};
  Subject subject{};
  Qualification qualification{};
  Title title{};
  bool full_time = true;
  std::optional<std::string> post_school;  // where the 编制 is held
  Date post_since;                         // since when it is held there
  // The school years in which a rotation or support teaching began, each with whether the
  // teacher was a backbone teacher (district level or above) when it began.
  std::map<std::int64_t, bool> rotations;
  std::set<std::pair<Honour, HonourLevel>> honours;
  // During a rotation or support teaching: where the teacher returns, and when.
  std::optional<std::pair<Date, std::string>> returns;
  std::optional<LeaveReason> left;
  Date left_on;

  // Applies one of the teacher's events, on its effective date.
  void apply(const Event& event);
  // A backbone teacher: an honour of district level or above.
  bool backbone() const;
  // Ends a rotation or support teaching whose end date is on or before `until`; true if it did.
  bool settle_return(Date until);
};

struct StudentRecord {
  std::string student_id;
  bool enrolled = false;  // in school on the date
  bool ever_enrolled = false;
  std::string school_id;
  Stage stage{};
  std::int64_t grade = 0;
  AdmissionMode admission{};
  bool migrant = false;
  Disability disability{};
  bool boarding = false;
  std::int64_t hardship_tier = 0;
  std::optional<std::string> exit;  // graduated, or the withdrawal reason

  // Applies one of the student's events, on its effective date.
  void apply(const Event& event);
};

// The teacher on `at` as recorded at `as_of`; rotations and support teaching end by
// themselves on their end date.
TeacherRecord teacher_on(views::Reader reader, const std::string& district,
                         const std::string& teacher_id, Date at, Timestamp as_of);

StudentRecord student_on(views::Reader reader, const std::string& district,
                         const std::string& student_id, Date at, Timestamp as_of);

}  // namespace annals
