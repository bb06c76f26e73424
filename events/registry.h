// Registry events (学校登记): districts, schools, clusters. Published by the registry service
// on the registry topic.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "events/field.h"

namespace annals {

struct DistrictRegistered {
  static constexpr const char* kType = "district.registered";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string name;  // 东城区
  std::string city;  // 北京市
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("name", s.name, Rule{.doc = "district name"});
    v("city", s.city, Rule{.doc = "city name"});
  }
  auto operator<=>(const DistrictRegistered&) const = default;
};

// What a school is when it opens (by itself, or out of a split).
struct SchoolProfile {
  std::string school_id;
  std::string name;
  std::vector<Stage> stages;
  SchoolKind kind{};
  Ownership ownership{};
  LocationClass location{};
  bool boarding = false;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("school_id", s.school_id, kId);
    v("name", s.name, Rule{.doc = "school name as registered"});
    v("stages", s.stages,
      Rule{.doc = "stages served; both for a nine-year school", .min_one = true});
    v("kind", s.kind, Rule{});
    v("ownership", s.ownership, Rule{});
    v("location", s.location, Rule{.doc = "location class"});
    v("boarding", s.boarding, Rule{});
  }
  auto operator<=>(const SchoolProfile&) const = default;
};
using NewSchool = SchoolProfile;

struct SchoolOpened : SchoolProfile {
  static constexpr const char* kType = "school.opened";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::optional<std::string> township;  // 乡镇/街道
  template <class S, class V>
  static void fields(S& s, V& v) {
    SchoolProfile::fields(s, v);
    v("township", s.township, Rule{.doc = "township or subdistrict"});
  }
  auto operator<=>(const SchoolOpened&) const = default;
};

struct SchoolClosed {
  static constexpr const char* kType = "school.closed";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string school_id;
  std::optional<std::string> reason;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("school_id", s.school_id, kId);
    v("reason", s.reason, Rule{});
  }
  auto operator<=>(const SchoolClosed&) const = default;
};

// On the effective date the absorbed schools stop existing; their students, teachers and
// (unless facilities_move is false) facilities belong to the surviving school.
struct SchoolMerged {
  static constexpr const char* kType = "school.merged";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::vector<std::string> absorbed_ids;
  std::string surviving_id;
  std::optional<bool> facilities_move;  // default true
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("absorbed_ids", s.absorbed_ids,
      Rule{.doc = "schools that stop existing", .id = true, .min_one = true});
    v("surviving_id", s.surviving_id, kId);
    v("facilities_move", s.facilities_move,
      Rule{.doc = "absorbed facilities move to the survivor (default true)"});
  }
  auto operator<=>(const SchoolMerged&) const = default;
};

struct SchoolSplit {
  static constexpr const char* kType = "school.split";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string source_id;
  std::vector<NewSchool> new_schools;
  bool source_closes = false;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("source_id", s.source_id, kId);
    v("new_schools", s.new_schools, Rule{.min_one = true});
    v("source_closes", s.source_closes, Rule{.doc = "the source school stops existing"});
  }
  auto operator<=>(const SchoolSplit&) const = default;
};

struct SchoolStagesChanged {
  static constexpr const char* kType = "school.stages_changed";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string school_id;
  std::vector<Stage> stages;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("school_id", s.school_id, kId);
    v("stages", s.stages,
      Rule{.doc = "the stages served from the effective date", .min_one = true});
  }
  auto operator<=>(const SchoolStagesChanged&) const = default;
};

struct SchoolRenamed {
  static constexpr const char* kType = "school.renamed";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string school_id;
  std::string name;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("school_id", s.school_id, kId);
    v("name", s.name, Rule{});
  }
  auto operator<=>(const SchoolRenamed&) const = default;
};

// The building areas a survey states (absolute) or a construction adds (an increment).
struct BuildingAreas {
  Area floor_area_m2;
  Area sports_area_m2;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("floor_area_m2", s.floor_area_m2, Rule{.doc = "teaching and auxiliary floor area, m²"});
    v("sports_area_m2", s.sports_area_m2, Rule{.doc = "sports ground and hall area, m²"});
  }
  auto operator<=>(const BuildingAreas&) const = default;
};

// The equipment a survey states (absolute) or a purchase adds (an increment).
struct EquipmentCounts {
  std::int64_t equipment_value_fen = 0;
  std::int64_t multimedia_classrooms = 0;
  std::int64_t computers = 0;
  std::int64_t books = 0;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("equipment_value_fen", s.equipment_value_fen,
      Rule{.doc = "teaching equipment value, fen", .min = 0, .max = kMaxEquipmentFen});
    v("multimedia_classrooms", s.multimedia_classrooms,
      Rule{.doc = "networked multimedia classrooms", .min = 0, .max = kMaxClassrooms});
    v("computers", s.computers, Rule{.min = 0, .max = kMaxComputers});
    v("books", s.books, Rule{.min = 0, .max = kMaxBooks});
  }
  auto operator<=>(const EquipmentCounts&) const = default;
};

// Absolute census values (a survey replaces what was known). With `stage`, the values are
// that section's own; without it they are the whole school's, apportioned by students.
struct SchoolFacilitiesSurveyed : BuildingAreas, EquipmentCounts {
  static constexpr const char* kType = "school.facilities_surveyed";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string school_id;
  std::optional<Stage> stage;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("school_id", s.school_id, kId);
    v("stage", s.stage, Rule{.doc = "section surveyed; absent for the whole school"});
    BuildingAreas::fields(s, v);
    EquipmentCounts::fields(s, v);
  }
  auto operator<=>(const SchoolFacilitiesSurveyed&) const = default;
};

// An increment: new floor and sports area.
struct SchoolConstructionCompleted : BuildingAreas {
  static constexpr const char* kType = "school.construction_completed";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string school_id;
  std::optional<Stage> stage;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("school_id", s.school_id, kId);
    v("stage", s.stage, Rule{.doc = "section built for; absent for the whole school"});
    BuildingAreas::fields(s, v);
  }
  auto operator<=>(const SchoolConstructionCompleted&) const = default;
};

// An increment: equipment bought.
struct SchoolEquipmentPurchased : EquipmentCounts {
  static constexpr const char* kType = "school.equipment_purchased";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string school_id;
  std::optional<Stage> stage;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("school_id", s.school_id, kId);
    v("stage", s.stage, Rule{.doc = "section equipped; absent for the whole school"});
    EquipmentCounts::fields(s, v);
  }
  auto operator<=>(const SchoolEquipmentPurchased&) const = default;
};

// The classes of one stage of a school, by grade (班额): a count, replacing the stage's
// previous one. Each grade gives its number of classes and, when known, its largest class.
struct GradeClasses {
  std::int64_t grade = 1;
  std::int64_t classes = 0;
  std::optional<std::int64_t> largest_class;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("grade", s.grade, Rule{.doc = "grade 1-9", .min = 1, .max = 9});
    v("classes", s.classes,
      Rule{.doc = "classes (教学班) in the grade", .min = 0, .max = kMaxClasses});
    v("largest_class", s.largest_class,
      Rule{.doc = "pupils in the grade's largest class", .min = 1, .max = kMaxClassSize});
  }
  auto operator<=>(const GradeClasses&) const = default;
};

struct SchoolClassesCounted {
  static constexpr const char* kType = "school.classes_counted";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string school_id;
  Stage stage{};
  std::vector<GradeClasses> grades;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("school_id", s.school_id, kId);
    v("stage", s.stage, Rule{.doc = "the stage counted; its grades not listed have no class"});
    v("grades", s.grades, Rule{.doc = "one entry per grade of the stage", .min_one = true});
  }
  auto operator<=>(const SchoolClassesCounted&) const = default;
};

struct ClusterCreated {
  static constexpr const char* kType = "cluster.created";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string cluster_id;
  std::string name;
  ClusterKind kind{};
  std::optional<std::int64_t> cycle_years;  // 联合校: the fixed cycle
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("cluster_id", s.cluster_id, kId);
    v("name", s.name, Rule{});
    v("kind", s.kind, Rule{});
    v("cycle_years", s.cycle_years,
      Rule{.doc = "alliance cycle length in years", .min = 1, .max = 20});
  }
  auto operator<=>(const ClusterCreated&) const = default;
};

struct ClusterDissolved {
  static constexpr const char* kType = "cluster.dissolved";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string cluster_id;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("cluster_id", s.cluster_id, kId);
  }
  auto operator<=>(const ClusterDissolved&) const = default;
};

struct SchoolJoinedCluster {
  static constexpr const char* kType = "school.joined_cluster";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string school_id;
  std::string cluster_id;
  MemberRole role{};
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("school_id", s.school_id, kId);
    v("cluster_id", s.cluster_id, kId);
    v("role", s.role, Rule{});
  }
  auto operator<=>(const SchoolJoinedCluster&) const = default;
};

struct SchoolLeftCluster {
  static constexpr const char* kType = "school.left_cluster";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::registry;
  std::string school_id;
  std::string cluster_id;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("school_id", s.school_id, kId);
    v("cluster_id", s.cluster_id, kId);
  }
  auto operator<=>(const SchoolLeftCluster&) const = default;
};

}  // namespace annals
