// An entity's own history (timelines.h).
#include "services/audit/routes/timelines.h"

#include <limits>

#include "events/bounds.h"
#include "services/audit/render.h"
#include "services/history/people.h"
#include "services/history/registry_state.h"
#include "services/history/timeline.h"

namespace annals::routes {

using nlohmann::json;

namespace {

const char* kind_name(EntityKind kind) {
  return kind == EntityKind::school    ? "school"
         : kind == EntityKind::teacher ? "teacher"
                                       : "cluster";
}

json school_on_json(views::Reader reader, const EntityQuestion& q) {
  RegistryState reg = registry_state(reader, q.district, q.at, q.as_of);
  auto s = reg.schools.find(q.id);
  if (s == reg.schools.end()) return nullptr;  // not opened yet on that date
  json j = school_json(s->second, nullptr);
  if (s->second.closed_on) j["closed_on"] = s->second.closed_on->to_string();
  if (s->second.merged_into) j["merged_into"] = *s->second.merged_into;
  j["held_by"] = reg.resolve(q.id);
  return j;
}

json cluster_on_json(views::Reader reader, const EntityQuestion& q) {
  auto c = cluster_on(reader, q.district, q.id, q.at, q.as_of);
  if (!c) return nullptr;
  json j = cluster_json(*c);
  RegistryState reg = registry_state(reader, q.district, q.at, q.as_of);
  for (auto& m : j["members"]) {
    auto s = reg.schools.find(m["school_id"].get<std::string>());
    if (s != reg.schools.end()) m["name"] = s->second.name;
  }
  return j;
}

}  // namespace

std::optional<json> entity_timeline(views::Reader reader, const EntityQuestion& q) {
  // Every entry visible now (so none retracted, whenever), then those recorded by as_of.
  std::vector<views::ViewEntry> entries =
      timeline(reader, q.district, q.kind, q.id, Date{std::numeric_limits<std::int32_t>::max() - 1},
               Timestamp::max());
  if (entries.empty()) return std::nullopt;
  json events = json::array();
  for (const auto& e : entries)
    if (*e.event.envelope.recorded_at <= q.as_of) events.push_back(event_json(e.event));
  json body = {{"district", q.district},
               {"at", q.at.to_string()},
               {"events", events},
               {"consistent_to", consistent_to_json(reader.offsets())}};
  body[std::string(kind_name(q.kind)) + "_id"] = q.id;
  if (q.kind == EntityKind::school) body["on"] = school_on_json(reader, q);
  else if (q.kind == EntityKind::teacher)
    body["on"] = teacher_json(teacher_on(reader, q.district, q.id, q.at, q.as_of));
  else body["on"] = cluster_on_json(reader, q);
  return body;
}

std::string unknown_entity(EntityKind kind, const std::string& id, const std::string& district) {
  return std::string("no ") + kind_name(kind) + " '" + excerpt(id) + "' in the record" +
         (district.empty() ? "" : " of district '" + excerpt(district) + "'");
}

}  // namespace annals::routes
