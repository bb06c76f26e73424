// GET /v1/schools/{id}/timeline, /v1/teachers/{id}/timeline and /v1/clusters/{id}: an
// entity's own history, its events in apply order and its record on a date.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "events/entities.h"
#include "services/views/view_store.h"

namespace annals::routes {

struct EntityQuestion {
  EntityKind kind = EntityKind::school;  // school, teacher or cluster
  std::string id;
  std::string district;  // whose timelines hold it (history/timeline.h: entity_district)
  Date at;
  Timestamp as_of = Timestamp::max();
};

// The answer for entity `q.id` of `q.kind` in `q.district`:
// - "events": its events recorded by `q.as_of`, in apply order, each as published. An event
//   retracted at any time is left out whatever `q.as_of` (its timeline is read as recorded
//   now, when every retraction is in force), so none carries "retracted_at";
// - "on": its record on `q.at` as recorded at `q.as_of`: a school's (render.h: school_json
//   without figures, with closed_on, merged_into, and held_by: the school that holds it
//   then), a teacher's (teacher_json), a cluster's (cluster_json, each member named); null
//   when the school or cluster did not exist yet;
// - district, at, "<kind>_id" and consistent_to.
// nullopt when the district's timelines hold no event of the entity that stands now.
std::optional<nlohmann::json> entity_timeline(views::Reader reader, const EntityQuestion& q);

// The 404's message for an entity no timeline holds: "no <kind> '<id>' in the record", and
// " of district '<district>'" when a district was given.
std::string unknown_entity(EntityKind kind, const std::string& id, const std::string& district);

}  // namespace annals::routes
