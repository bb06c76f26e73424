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

// The district's school-age disabled children (适龄残疾儿童少年) for a school year, from the
// census the disabled persons' federation and the registry keep: the base of the enrolment
// rate of disabled children (docs/guarantees.md). A later count for the same year replaces it.
struct DistrictDisabledChildrenCounted {
  static constexpr const char* kType = "district.disabled_children_counted";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::enrollment;
  std::int64_t school_year = 0;
  std::int64_t children = 0;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("school_year", s.school_year,
      Rule{.doc = "first calendar year of the school year", .min = kFirstYear, .max = kLastYear});
    v("children", s.children,
      Rule{.doc = "school-age disabled children living in the district",
           .min = 0,
           .max = kMaxDistrictChildren});
  }
  auto operator<=>(const DistrictDisabledChildrenCounted&) const = default;
};

// The places of the quality senior-high schools (优质普通高中) open to the district's junior
// graduates in one year's admission, and how many of them are allocated to the junior schools
// (名额分配, 指标到校). A later allocation for the same year replaces it.
struct DistrictSeniorHighQuotaAllocated {
  static constexpr const char* kType = "district.senior_high_quota_allocated";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::enrollment;
  std::int64_t admission_year = 0;
  std::int64_t quality_places = 0;
  std::int64_t allocated_to_junior_schools = 0;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("admission_year", s.admission_year,
      Rule{.doc = "calendar year of the admission (中考)", .min = kFirstYear, .max = kLastYear});
    v("quality_places", s.quality_places,
      Rule{.doc = "places of quality senior-high schools in the admission plan",
           .min = 0,
           .max = kMaxDistrictChildren});
    v("allocated_to_junior_schools", s.allocated_to_junior_schools,
      Rule{.doc = "of them, allocated to junior schools; at most quality_places",
           .min = 0,
           .max = kMaxDistrictChildren});
  }
  auto operator<=>(const DistrictSeniorHighQuotaAllocated&) const = default;
};

}  // namespace annals
