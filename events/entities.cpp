#include "events/entities.h"

#include <algorithm>

namespace annals {

std::vector<EntityRef> entities_of(const Payload& data) {
  std::vector<EntityRef> out;
  auto school = [&](const std::string& id) { out.push_back({EntityKind::school, id}); };
  std::visit(
      [&](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, SchoolMerged>) {
          for (const auto& id : d.absorbed_ids) school(id);
          school(d.surviving_id);
        } else if constexpr (std::is_same_v<T, SchoolSplit>) {
          school(d.source_id);
          for (const auto& n : d.new_schools) school(n.school_id);
        } else if constexpr (std::is_same_v<T, ClusterCreated> ||
                             std::is_same_v<T, ClusterDissolved>) {
          out.push_back({EntityKind::cluster, d.cluster_id});
        } else if constexpr (std::is_same_v<T, SchoolJoinedCluster> ||
                             std::is_same_v<T, SchoolLeftCluster>) {
          school(d.school_id);
          out.push_back({EntityKind::cluster, d.cluster_id});
        } else if constexpr (std::is_same_v<T, TeacherTransferred>) {
          out.push_back({EntityKind::teacher, d.teacher_id});
          school(d.from_school_id);
          school(d.to_school_id);
        } else if constexpr (std::is_same_v<T, TeacherHired>) {
          out.push_back({EntityKind::teacher, d.teacher_id});
          school(d.school_id);
        } else if constexpr (std::is_same_v<T, StudentEnrolled>) {
          out.push_back({EntityKind::student, d.student_id});
          school(d.school_id);
        } else if constexpr (std::is_same_v<T, StudentTransferred>) {
          out.push_back({EntityKind::student, d.student_id});
          school(d.from_school_id);
          school(d.to_school_id);
        } else if constexpr (std::is_same_v<T, FundingAllocated>) {
          if (d.school_id) school(*d.school_id);
        } else if constexpr (requires { d.teacher_id; }) {
          out.push_back({EntityKind::teacher, d.teacher_id});
        } else if constexpr (requires { d.student_id; }) {
          out.push_back({EntityKind::student, d.student_id});
        } else if constexpr (requires { d.school_id; }) {
          school(d.school_id);
        }
      },
      data);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace annals
