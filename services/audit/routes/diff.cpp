// What changed between two points of history (diff.h).
#include "services/audit/routes/diff.h"

#include "services/audit/render.h"
#include "services/history/district_diff.h"

namespace annals::routes {

using nlohmann::json;

namespace {

json stopped_json(const SchoolRecord& s) {
  json j = {{"school_id", s.school_id}, {"name", s.name}};
  if (s.closed_on) j["closed_on"] = s.closed_on->to_string();
  if (s.merged_into) j["merged_into"] = *s.merged_into;
  if (s.closed_reason) j["reason"] = *s.closed_reason;
  return j;
}

json point_json(Date at, Timestamp recorded) {
  return {{"at", at.to_string()}, {"recorded_at", recorded_json(recorded)}};
}

}  // namespace

json diff(views::Reader reader, const DiffQuestion& q) {
  DistrictState before = district_state(reader, q.district, q.from, q.from_recorded);
  DistrictState after = district_state(reader, q.district, q.to, q.to_recorded);
  DistrictDiff d = annals::diff(reader, before, after, q.limit);
  json opened = json::array(), stopped = json::array(), changed = json::array();
  json events = json::array();
  for (const auto* s : d.opened)
    opened.push_back(
        {{"school_id", s->school_id}, {"name", s->name}, {"opened_on", s->opened_on.to_string()}});
  for (const auto* s : d.stopped) stopped.push_back(stopped_json(*s));
  for (const auto& c : d.changed)
    changed.push_back({{"school_id", c.school_id},
                       {"name", c.name},
                       {"record", c.record},
                       {"figures", figure_changes_json(c.figures)}});
  for (const auto& e : d.events) {
    json j = event_json(e.event);
    if (e.correction) j["correction"] = true;
    events.push_back(std::move(j));
  }
  std::size_t total = 0;
  for (const auto& [type, n] : d.events_by_type) total += n;
  return {{"district", q.district},
          {"from", point_json(q.from, q.from_recorded)},
          {"to", point_json(q.to, q.to_recorded)},
          {"schools_opened", opened},
          {"schools_stopped", stopped},
          {"schools_changed", changed},
          {"totals", figure_changes_json(d.totals)},
          {"events", events},
          {"events_by_type", d.events_by_type},
          {"events_total", total},
          {"events_truncated", events.size() < total},
          {"consistent_to", consistent_to_json(reader.offsets())}};
}

}  // namespace annals::routes
