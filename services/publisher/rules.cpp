#include "services/publisher/rules.h"

#include <algorithm>
#include <set>

#include "events/binary_codec.h"
#include "events/identifier.h"
#include "services/history/people.h"
#include "services/history/registry_state.h"

namespace annals {
namespace {

class Checker {
 public:
  // Reads schools and clusters from `registry` when given (a replay of later events over a
  // folded state), otherwise from the views on the event's date.
  Checker(const Event& event, System own, views::Reader reader,
          const RegistryState* registry = nullptr)
      : e_(event), own_(own), reader_(reader), registry_(registry),
        district_(event.envelope.district), on_(event.envelope.effective_date) {}

  std::vector<Violation> run() {
    std::visit([&](const auto& d) { check(d); }, e_.data);
    return std::move(out_);
  }

 private:
  void fail(std::string pointer, std::string code, std::string message) {
    out_.push_back({std::move(pointer), std::move(message), std::move(code)});
  }
  std::optional<SchoolRecord> school(const std::string& id) {
    if (!registry_) return school_on(reader_, district_, id, on_, Timestamp::max());
    auto it = registry_->schools.find(registry_->resolve(id));
    if (it == registry_->schools.end() || it->second.name.empty()) return std::nullopt;
    return it->second;
  }
  std::optional<ClusterRecord> cluster(const std::string& id) {
    if (!registry_) return cluster_on(reader_, district_, id, on_, Timestamp::max());
    auto it = registry_->clusters.find(id);
    if (it == registry_->clusters.end()) return std::nullopt;
    return it->second;
  }
  // The school must be open on the date (after following mergers); returns it.
  std::optional<SchoolRecord> open_school(const std::string& pointer, const std::string& id) {
    auto s = school(id);
    if (!s)
      fail(pointer, "school_not_open", "school '" + id + "' has not opened by " + on_.to_string());
    else if (!s->open())
      fail(pointer, "school_not_open",
           "school '" + id + "' is closed on " + on_.to_string() + " (since " +
               s->closed_on->to_string() + ")");
    else return s;
    return std::nullopt;
  }
  void serves(const std::string& pointer, const SchoolRecord& s, Stage stage) {
    if (std::find(s.stages.begin(), s.stages.end(), stage) == s.stages.end())
      fail(pointer, "stage_not_served",
           "school '" + s.school_id + "' has no " + std::string(to_string(stage)) + " section on " +
               on_.to_string());
  }
  void grade_in_stage(const std::string& pointer, std::int64_t grade, Stage stage) {
    bool ok = stage == Stage::primary ? grade >= 1 && grade <= 6 : grade >= 7 && grade <= 9;
    if (!ok)
      fail(pointer, "grade_not_in_stage",
           "grade " + std::to_string(grade) + " is not in the " + std::string(to_string(stage)) +
               " stage");
  }
  TeacherRecord teacher(const std::string& id) {
    return teacher_on(reader_, district_, id, on_, Timestamp::max());
  }
  TeacherRecord employed_teacher(const std::string& id) {
    TeacherRecord t = teacher(id);
    if (!t.employed)
      fail("/data/teacher_id", "teacher_not_employed",
           "teacher '" + id + "' is not employed in " + district_ + " on " + on_.to_string());
    return t;
  }
  StudentRecord enrolled_student(const std::string& id) {
    StudentRecord s = student_on(reader_, district_, id, on_, Timestamp::max());
    if (!s.enrolled)
      fail("/data/student_id", "student_not_enrolled",
           "student '" + id + "' is not enrolled in " + district_ + " on " + on_.to_string());
    return s;
  }

  void check(const DistrictRegistered&) {}
  void check(const SchoolOpened& d) {
    auto s = school(d.school_id);
    if (s && s->open())
      fail("/data/school_id", "school_exists",
           "school '" + d.school_id + "' is already open on " + on_.to_string());
  }
  void check(const SchoolClosed& d) {
    auto s = school(d.school_id);
    if (s && s->school_id != d.school_id)
      fail("/data/school_id", "school_not_open",
           "school '" + d.school_id + "' was absorbed into '" + s->school_id + "'");
    else open_school("/data/school_id", d.school_id);
  }
  void check(const SchoolMerged& d) {
    auto survivor = open_school("/data/surviving_id", d.surviving_id);
    for (std::size_t i = 0; i < d.absorbed_ids.size(); ++i) {
      std::string p = "/data/absorbed_ids/" + std::to_string(i);
      auto s = school(d.absorbed_ids[i]);
      if (s && s->school_id != d.absorbed_ids[i])
        fail(p, "school_not_open",
             "school '" + d.absorbed_ids[i] + "' was already absorbed into '" + s->school_id + "'");
      else if (open_school(p, d.absorbed_ids[i]) && survivor &&
               d.absorbed_ids[i] == survivor->school_id)
        fail(p, "merger_into_itself", "a school cannot absorb itself");
    }
  }
  void check(const SchoolSplit& d) {
    open_school("/data/source_id", d.source_id);
    for (std::size_t i = 0; i < d.new_schools.size(); ++i)
      if (school(d.new_schools[i].school_id))
        fail("/data/new_schools/" + std::to_string(i) + "/school_id", "school_exists",
             "school id '" + d.new_schools[i].school_id + "' is already in use");
  }
  template <class T>
  requires std::is_same_v<T, SchoolStagesChanged> || std::is_same_v<T, SchoolRenamed> ||
      std::is_same_v<T, SchoolFacilitiesSurveyed> ||
      std::is_same_v<T, SchoolConstructionCompleted> || std::is_same_v<T, SchoolEquipmentPurchased>
  void check(const T& d) {
    auto s = open_school("/data/school_id", d.school_id);
    if constexpr (requires { d.stage; }) {
      if (s && d.stage) serves("/data/stage", *s, *d.stage);
    }
  }
  void check(const ClusterCreated& d) {
    auto c = cluster(d.cluster_id);
    if (c && !c->dissolved_on)
      fail("/data/cluster_id", "cluster_exists", "cluster '" + d.cluster_id + "' already exists");
  }
  std::optional<ClusterRecord> active_cluster(const std::string& id) {
    auto c = cluster(id);
    if (!c || c->dissolved_on) {
      fail("/data/cluster_id", "cluster_not_active",
           "cluster '" + id + "' does not exist on " + on_.to_string());
      return std::nullopt;
    }
    return c;
  }
  void check(const ClusterDissolved& d) { active_cluster(d.cluster_id); }
  void check(const SchoolJoinedCluster& d) {
    open_school("/data/school_id", d.school_id);
    active_cluster(d.cluster_id);
  }
  void check(const SchoolLeftCluster& d) {
    auto c = active_cluster(d.cluster_id);
    auto s = school(d.school_id);
    std::string id = s ? s->school_id : d.school_id;
    if (c && !c->members.count(id))
      fail("/data/school_id", "not_a_member",
           "school '" + d.school_id + "' is not in cluster '" + d.cluster_id + "'");
  }

  // A transfer of the teacher or student `id` (`who`) must leave the school it is at,
  // `at_id`, named by `from_id` or by a school it has since merged into.
  void moves_from(const std::string& who, const std::string& id, const std::string& at_id,
                  const std::string& from_id) {
    auto at = school(at_id);
    auto from = school(from_id);
    if (!from || from->school_id != (at ? at->school_id : at_id))
      fail("/data/from_school_id", who + "_not_at_school",
           who + " '" + id + "' is at '" + at_id + "' on " + on_.to_string() + ", not '" + from_id +
               "'");
  }

  void check(const TeacherHired& d) {
    TeacherRecord t = teacher(d.teacher_id);
    if (t.employed)
      fail("/data/teacher_id", "teacher_already_hired",
           "teacher '" + d.teacher_id + "' is already employed (hired " + t.hired_on.to_string() +
               " at '" + t.school_id + "')");
    if (auto s = open_school("/data/school_id", d.school_id)) serves("/data/stage", *s, d.stage);
  }
  void check(const TeacherTransferred& d) {
    TeacherRecord t = employed_teacher(d.teacher_id);
    if (t.employed) moves_from("teacher", d.teacher_id, t.school_id, d.from_school_id);
    open_school("/data/to_school_id", d.to_school_id);
    if (d.kind == TransferKind::permanent && d.end_date)
      fail("/data/end_date", "permanent_with_end", "a permanent transfer has no end date");
    if (d.kind != TransferKind::permanent && !d.end_date)
      fail("/data/end_date", "rotation_without_end",
           "a rotation or support teaching needs its end date");
    if (d.end_date && *d.end_date <= on_)
      fail("/data/end_date", "rotation_ends_before_start",
           "ends on " + d.end_date->to_string() + ", not after it starts on " + on_.to_string());
  }
  void check(const TeacherQualificationChanged& d) { employed_teacher(d.teacher_id); }
  void check(const TeacherTitleChanged& d) { employed_teacher(d.teacher_id); }
  void check(const TeacherHonourAwarded& d) { employed_teacher(d.teacher_id); }
  void check(const TeacherHonourRevoked& d) {
    TeacherRecord t = employed_teacher(d.teacher_id);
    if (t.employed && !t.honours.count({d.honour, d.level}))
      fail("/data/honour", "honour_not_held",
           "teacher '" + d.teacher_id + "' does not hold that honour on " + on_.to_string());
  }
  void check(const TeacherLeft& d) { employed_teacher(d.teacher_id); }

  void check(const StudentEnrolled& d) {
    StudentRecord s = student_on(reader_, district_, d.student_id, on_, Timestamp::max());
    if (s.enrolled)
      fail("/data/student_id", "student_already_enrolled",
           "student '" + d.student_id + "' is already enrolled at '" + s.school_id + "'");
    grade_in_stage("/data/grade", d.grade, d.stage);
    if (auto school = open_school("/data/school_id", d.school_id))
      serves("/data/stage", *school, d.stage);
  }
  void check(const StudentTransferred& d) {
    StudentRecord s = enrolled_student(d.student_id);
    if (s.enrolled) moves_from("student", d.student_id, s.school_id, d.from_school_id);
    std::int64_t grade = d.grade.value_or(s.grade);
    Stage stage = grade >= 7 ? Stage::junior : Stage::primary;
    if (auto to = open_school("/data/to_school_id", d.to_school_id))
      serves("/data/to_school_id", *to, stage);
  }
  void check(const StudentPromoted& d) {
    StudentRecord s = enrolled_student(d.student_id);
    if (s.enrolled && d.grade <= s.grade)
      fail("/data/grade", "grade_not_in_stage",
           "a promotion goes up from grade " + std::to_string(s.grade));
  }
  void check(const StudentGraduated& d) { enrolled_student(d.student_id); }
  void check(const StudentWithdrew& d) { enrolled_student(d.student_id); }
  void check(const StudentFlagsChanged& d) { enrolled_student(d.student_id); }

  void check(const FundingAllocated& d) {
    if (d.school_id && !school(*d.school_id))
      fail("/data/school_id", "school_unknown",
           "school '" + *d.school_id + "' has not opened by " + on_.to_string());
  }
  void check(const BudgetAppropriated&) {}
  void check(const SchoolClassesCounted& d) {
    if (auto school = open_school("/data/school_id", d.school_id))
      serves("/data/stage", *school, d.stage);
    std::set<std::int64_t> seen;
    for (std::size_t i = 0; i < d.grades.size(); ++i) {
      const GradeClasses& g = d.grades[i];
      const std::string at = "/data/grades/" + std::to_string(i);
      grade_in_stage(at + "/grade", g.grade, d.stage);
      if (!seen.insert(g.grade).second)
        fail(at + "/grade", "grade_repeated",
             "grade " + std::to_string(g.grade) + " is counted twice");
      if (g.largest_class && g.classes == 0)
        fail(at + "/largest_class", "largest_class_without_classes",
             "grade " + std::to_string(g.grade) + " has a largest class but no class");
    }
  }
  void check(const DistrictDisabledChildrenCounted&) {}
  void check(const DistrictSeniorHighQuotaAllocated& d) {
    if (d.allocated_to_junior_schools > d.quality_places)
      fail("/data/allocated_to_junior_schools", "quota_exceeds_places",
           std::to_string(d.allocated_to_junior_schools) + " places allocated of " +
               std::to_string(d.quality_places));
  }

  void check(const RecordRetracted& d) {
    std::string stored;
    auto key = views::event_key(d.event_id);
    auto value = key && reader_.get(views::Family::events, *key, stored)
                     ? views::parse_event_value(stored)
                     : std::nullopt;
    if (!value) {
      fail("/data/event_id", "retraction_target_unknown",
           "no event " + d.event_id + " on this service's topic");
      return;
    }
    views::LogPosition pos = value->pos;
    auto target = decode_binary(value->binary);
    if (!target || pos.topic != own_) {
      fail("/data/event_id", "retraction_target_unknown",
           "event " + d.event_id + " was published by the " + std::string(to_string(pos.topic)) +
               " service: retract it there");
    } else if (std::holds_alternative<RecordRetracted>(target->data)) {
      fail("/data/event_id", "retraction_of_retraction",
           "a retraction cannot be retracted; publish the event again under a new id");
    } else if (target->envelope.district != district_) {
      fail("/data/event_id", "retraction_other_district",
           "event " + d.event_id + " belongs to district '" + target->envelope.district + "'");
    } else if (target->envelope.source != e_.envelope.source) {
      fail("/data/event_id", "retraction_other_source",
           "event " + d.event_id +
               " was published by another source system: only it may retract "
               "it");
    }
  }

  const Event& e_;
  System own_;
  views::Reader reader_;
  const RegistryState* registry_;
  std::string district_;
  Date on_;
  std::vector<Violation> out_;
};

// The pointer that names what a registry event changes.
std::string subject_pointer(const Payload& data) {
  return std::visit(
      [](const auto& d) -> std::string {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, SchoolMerged>) return "/data/absorbed_ids";
        else if constexpr (std::is_same_v<T, SchoolSplit>) return "/data/source_id";
        else if constexpr (requires { d.school_id; }) return "/data/school_id";
        else if constexpr (requires { d.cluster_id; }) return "/data/cluster_id";
        else return "/effective_date";
      },
      data);
}

// The later registry events of the district (effective after the event's date, in apply
// order) that are consistent with the record today and would not be with `event` in it:
// a merger dated in the past that makes a later merger a cycle, a closing before a later
// event about the school, and the like. Each becomes one violation naming the later event.
std::vector<Violation> later_events_broken(const Event& event, views::Reader reader) {
  constexpr std::size_t kMaxNamed = 5;
  const std::string& district = event.envelope.district;
  Date on = event.envelope.effective_date;
  std::string upper_key = views::district_prefix(district);
  upper_key.back() = '\x01';  // the first key after the district's
  rocksdb::Slice upper(upper_key);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  auto it = reader.iterator(views::Family::registry, ro);
  it->Seek(views::district_after_date(district, on));
  if (!it->Valid()) return {};  // nothing later: the common case, an import in date order
  RegistryState without = registry_state(reader, district, on, Timestamp::max());
  RegistryState with = without;
  with.apply(event);
  std::vector<Violation> out;
  std::size_t broken = 0;
  for (; it->Valid(); it->Next()) {
    auto entry = views::decode_view_entry(std::string_view(it->value().data(), it->value().size()));
    if (!entry || entry->retracted_at) continue;
    const Event& later = entry->event;
    if (Checker(later, System::registry, reader, &without).run().empty()) {
      auto v = Checker(later, System::registry, reader, &with).run();
      if (!v.empty() && broken++ < kMaxNamed)
        out.push_back({subject_pointer(event.data),
                       "would make the later event " + later.envelope.id + " (" +
                           type_name(later.data) + " on " +
                           later.envelope.effective_date.to_string() + ") invalid: " + v[0].message,
                       "breaks_later_events"});
    }
    without.apply(later);
    with.apply(later);
  }
  if (broken > kMaxNamed)
    out.push_back({subject_pointer(event.data),
                   "and " + std::to_string(broken - kMaxNamed) + " more later events",
                   "breaks_later_events"});
  return out;
}

}  // namespace

bool depends_on_registry(std::string_view code) {
  return code == "school_not_open" || code == "school_unknown" || code == "stage_not_served" ||
         code == "cluster_not_active" || code == "teacher_not_at_school" ||
         code == "student_not_at_school";
}

std::vector<Violation> check_rules(const Event& event, System own, views::Reader reader) {
  std::vector<Violation> out = Checker(event, own, reader).run();
  if (out.empty() && system_of(event.data) == System::registry &&
      !std::holds_alternative<DistrictRegistered>(event.data))
    out = later_events_broken(event, reader);
  return out;
}

}  // namespace annals
