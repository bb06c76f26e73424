// Personnel events (人事系统): teachers. Published by the personnel service.
#pragma once

#include <optional>
#include <string>

#include "events/field.h"

namespace annals {

struct TeacherHired {
  static constexpr const char* kType = "teacher.hired";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::personnel;
  std::string teacher_id;
  std::string school_id;
  Stage stage{};
  Subject subject{};
  Qualification qualification{};
  Title title{};
  bool full_time = true;
  bool holds_post = true;  // 编制 held at this school
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("teacher_id", s.teacher_id, Rule{.doc = "opaque teacher id", .id = true});
    v("school_id", s.school_id, kId);
    v("stage", s.stage, Rule{.doc = "stage taught"});
    v("subject", s.subject, Rule{});
    v("qualification", s.qualification, Rule{.doc = "学历"});
    v("title", s.title, Rule{.doc = "职称"});
    v("full_time", s.full_time, Rule{});
    v("holds_post", s.holds_post, Rule{.doc = "holds an established post (编制) at this school"});
  }
  auto operator<=>(const TeacherHired&) const = default;
};

// Version 1 of teacher.transferred knew only permanent moves with the post. Kept so that
// old producers and old history still decode; upcast to TeacherTransferred on read.
struct TeacherTransferredV1 {
  static constexpr const char* kType = "teacher.transferred";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::personnel;
  std::string teacher_id;
  std::string from_school_id;
  std::string to_school_id;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("teacher_id", s.teacher_id, kId);
    v("from_school_id", s.from_school_id, kId);
    v("to_school_id", s.to_school_id, kId);
  }
  auto operator<=>(const TeacherTransferredV1&) const = default;
};

// 调动 (permanent), 交流轮岗 (rotation) or 支教 (support teaching). Rotations and support
// teaching return the teacher to the from-school on end_date by themselves.
struct TeacherTransferred {
  static constexpr const char* kType = "teacher.transferred";
  static constexpr int kVersion = 2;
  static constexpr System kSystem = System::personnel;
  using Previous = TeacherTransferredV1;
  std::string teacher_id;
  std::string from_school_id;
  std::string to_school_id;
  std::optional<Stage> to_stage;
  TransferKind kind{};
  std::optional<Date> end_date;
  bool post_moves = false;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("teacher_id", s.teacher_id, kId);
    v("from_school_id", s.from_school_id, kId);
    v("to_school_id", s.to_school_id, kId);
    v("to_stage", s.to_stage, Rule{.doc = "stage taught at the new school (default: unchanged)"});
    v("kind", s.kind, Rule{});
    v("end_date", s.end_date,
      Rule{.doc = "rotation and support teaching: the day the teacher returns"});
    v("post_moves", s.post_moves, Rule{.doc = "the 编制 moves to the new school"});
  }
  static TeacherTransferred upcast(const TeacherTransferredV1& old) {
    return {old.teacher_id,
            old.from_school_id,
            old.to_school_id,
            std::nullopt,
            TransferKind::permanent,
            std::nullopt,
            true};
  }
  auto operator<=>(const TeacherTransferred&) const = default;
};

struct TeacherQualificationChanged {
  static constexpr const char* kType = "teacher.qualification_changed";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::personnel;
  std::string teacher_id;
  Qualification qualification{};
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("teacher_id", s.teacher_id, kId);
    v("qualification", s.qualification, Rule{});
  }
  auto operator<=>(const TeacherQualificationChanged&) const = default;
};

struct TeacherTitleChanged {
  static constexpr const char* kType = "teacher.title_changed";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::personnel;
  std::string teacher_id;
  Title title{};
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("teacher_id", s.teacher_id, kId);
    v("title", s.title, Rule{});
  }
  auto operator<=>(const TeacherTitleChanged&) const = default;
};

// An honour (骨干教师 at a level, 学科带头人, 特级教师) given or taken away.
struct HonourChange {
  std::string teacher_id;
  Honour honour{};
  HonourLevel level{};
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("teacher_id", s.teacher_id, kId);
    v("honour", s.honour, Rule{});
    v("level", s.level, Rule{.doc = "awarding level"});
  }
  auto operator<=>(const HonourChange&) const = default;
};

struct TeacherHonourAwarded : HonourChange {
  static constexpr const char* kType = "teacher.honour_awarded";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::personnel;
  auto operator<=>(const TeacherHonourAwarded&) const = default;
};

struct TeacherHonourRevoked : HonourChange {
  static constexpr const char* kType = "teacher.honour_revoked";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::personnel;
  auto operator<=>(const TeacherHonourRevoked&) const = default;
};

struct TeacherLeft {
  static constexpr const char* kType = "teacher.left";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::personnel;
  std::string teacher_id;
  LeaveReason reason{};
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("teacher_id", s.teacher_id, kId);
    v("reason", s.reason, Rule{});
  }
  auto operator<=>(const TeacherLeft&) const = default;
};

}  // namespace annals
