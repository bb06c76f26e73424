// An Annals event: the envelope every event carries, and one payload of the catalogue.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "events/enrollment.h"
#include "events/field.h"
#include "events/finance.h"
#include "events/personnel.h"
#include "events/platform.h"
#include "events/registry.h"
#include "events/time.h"

namespace annals {

// The catalogue, current versions only. Append new types at the end.
using Payload = std::variant<
    DistrictRegistered, SchoolOpened, SchoolClosed, SchoolMerged, SchoolSplit, SchoolStagesChanged,
    SchoolRenamed, SchoolFacilitiesSurveyed, SchoolConstructionCompleted, SchoolEquipmentPurchased,
    ClusterCreated, ClusterDissolved, SchoolJoinedCluster, SchoolLeftCluster, TeacherHired,
    TeacherTransferred, TeacherQualificationChanged, TeacherTitleChanged, TeacherHonourAwarded,
    TeacherHonourRevoked, TeacherLeft, StudentEnrolled, StudentTransferred, StudentPromoted,
    StudentGraduated, StudentWithdrew, StudentFlagsChanged, FundingAllocated, BudgetAppropriated,
    RecordRetracted, SchoolClassesCounted, DistrictDisabledChildrenCounted,
    DistrictSeniorHighQuotaAllocated>;

// The envelope: everything but `type` (the payload's) and `data`.
struct Envelope {
  std::string id;                   // producer-chosen UUID, the idempotency key
  std::int64_t schema_version = 1;  // the version the producer wrote
  std::string district;
  Date effective_date;                   // the day it takes effect, Asia/Shanghai
  std::optional<Timestamp> recorded_at;  // set by the platform when it accepts the event
  std::string source;                    // the producing system
  std::optional<std::string> correlation_id;
  std::optional<Timestamp> source_recorded_at;  // the source system's own claim (imports)
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("id", s.id, Rule{.doc = "producer-chosen UUID; the idempotency key", .uuid = true});
    v("schema_version", s.schema_version, Rule{.doc = "version of this type's schema", .min = 1});
    v("district", s.district, Rule{.doc = "district id (the Kafka key)", .id = true});
    v("effective_date", s.effective_date,
      Rule{.doc = "day the change holds in reality (Asia/Shanghai)"});
    v("recorded_at", s.recorded_at,
      Rule{.doc = "when the platform accepted it (UTC); set by the platform"});
    v("source", s.source, Rule{.doc = "producing system"});
    v("correlation_id", s.correlation_id, Rule{});
    v("source_recorded_at", s.source_recorded_at,
      Rule{.doc = "when the source system says it recorded it (its claim)"});
  }
  auto operator<=>(const Envelope&) const = default;
};

struct Event {
  Envelope envelope;
  Payload data;
  bool operator==(const Event&) const = default;
};

// Calls f(std::type_identity<T>{}) for every payload type T of the catalogue, in order.
template <class F>
constexpr void for_each_payload_type(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(std::type_identity<std::variant_alternative_t<I, Payload>>{}), ...);
  }
  (std::make_index_sequence<std::variant_size_v<Payload>>{});
}

inline const char* type_name(const Payload& p) {
  return std::visit([](const auto& d) { return std::decay_t<decltype(d)>::kType; }, p);
}
inline System system_of(const Payload& p) {
  return std::visit([](const auto& d) { return std::decay_t<decltype(d)>::kSystem; }, p);
}

// The previous version of a payload type, when it has one (T::Previous).
template <class T>
concept HasPrevious = requires {
  typename T::Previous;
};

}  // namespace annals
