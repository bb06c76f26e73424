// Enrollment events (学籍系统): students, by opaque pseudonymous id only (never a name or a
// national id). Published by the enrollment service.
#pragma once

#include <optional>
#include <string>

#include "events/field.h"

namespace annals {

inline constexpr Rule kStudentId{.doc = "opaque pseudonymous student id", .id = true};
inline constexpr Rule kGrade{.doc = "grade 1-9", .min = 1, .max = 9};
inline constexpr Rule kHardship{.doc = "financial hardship tier, 0 = none", .min = 0, .max = 3};

struct StudentEnrolled {
  static constexpr const char* kType = "student.enrolled";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::enrollment;
  std::string student_id;
  std::string school_id;
  Stage stage{};
  std::int64_t grade = 1;
  AdmissionMode admission{};
  bool migrant = false;  // 随迁子女
  Disability disability{};
  bool boarding = false;
  std::int64_t hardship_tier = 0;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("student_id", s.student_id, kStudentId);
    v("school_id", s.school_id, kId);
    v("stage", s.stage, Rule{});
    v("grade", s.grade, kGrade);
    v("admission", s.admission, Rule{.doc = "admission mode"});
    v("migrant", s.migrant, Rule{.doc = "migrant child (随迁子女)"});
    v("disability", s.disability, Rule{.doc = "disability placement"});
    v("boarding", s.boarding, Rule{});
    v("hardship_tier", s.hardship_tier, kHardship);
  }
  auto operator<=>(const StudentEnrolled&) const = default;
};

struct StudentTransferred {
  static constexpr const char* kType = "student.transferred";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::enrollment;
  std::string student_id;
  std::string from_school_id;
  std::string to_school_id;
  std::optional<std::int64_t> grade;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("student_id", s.student_id, kStudentId);
    v("from_school_id", s.from_school_id, kId);
    v("to_school_id", s.to_school_id, kId);
    v("grade", s.grade, kGrade);
  }
  auto operator<=>(const StudentTransferred&) const = default;
};

struct StudentPromoted {
  static constexpr const char* kType = "student.promoted";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::enrollment;
  std::string student_id;
  std::int64_t grade = 1;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("student_id", s.student_id, kStudentId);
    v("grade", s.grade, kGrade);
  }
  auto operator<=>(const StudentPromoted&) const = default;
};

struct StudentGraduated {
  static constexpr const char* kType = "student.graduated";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::enrollment;
  std::string student_id;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("student_id", s.student_id, kStudentId);
  }
  auto operator<=>(const StudentGraduated&) const = default;
};

struct StudentWithdrew {
  static constexpr const char* kType = "student.withdrew";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::enrollment;
  std::string student_id;
  WithdrawReason reason{};
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("student_id", s.student_id, kStudentId);
    v("reason", s.reason, Rule{});
  }
  auto operator<=>(const StudentWithdrew&) const = default;
};

// Only the flags present change.
struct StudentFlagsChanged {
  static constexpr const char* kType = "student.flags_changed";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::enrollment;
  std::string student_id;
  std::optional<bool> migrant;
  std::optional<Disability> disability;
  std::optional<bool> boarding;
  std::optional<std::int64_t> hardship_tier;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("student_id", s.student_id, kStudentId);
    v("migrant", s.migrant, Rule{});
    v("disability", s.disability, Rule{});
    v("boarding", s.boarding, Rule{});
    v("hardship_tier", s.hardship_tier, kHardship);
  }
  auto operator<=>(const StudentFlagsChanged&) const = default;
};

}  // namespace annals
