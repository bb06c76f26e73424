// What changed between two points of history (diff.h).
#include "services/audit/routes/diff.h"

#include <future>

#include "services/audit/render.h"
#include "services/history/district_diff.h"

namespace annals::routes {

using nlohmann::json;

namespace {

void write_stopped(JsonWriter& out, const SchoolRecord& s) {
  out.begin_object();
  if (s.closed_on) out.field("closed_on", s.closed_on->to_string());
  if (s.merged_into) out.field("merged_into", *s.merged_into);
  out.field("name", s.name);
  if (s.closed_reason) out.field("reason", *s.closed_reason);
  out.field("school_id", s.school_id).end_object();
}

void write_point(JsonWriter& out, Date at, Timestamp recorded) {
  out.begin_object()
      .field("at", at.to_string())
      .field("recorded_at", recorded_json(recorded))
      .end_object();
}

}  // namespace

std::string diff(views::Reader reader, const DiffQuestion& q) {
  // The two states and the causing events read nothing of one another: the earlier state and
  // the causes are made on threads of their own while this one makes the later state.
  auto before = std::async(std::launch::async, [reader, &q]() mutable {
    return district_state(reader, q.district, q.from, q.from_recorded);
  });
  auto causes = std::async(std::launch::async, [reader, &q]() mutable {
    return diff_causes(reader, q.district, q.from, q.from_recorded, q.to, q.to_recorded, q.limit);
  });
  DistrictState after = district_state(reader, q.district, q.to, q.to_recorded);
  DistrictState earlier = before.get();
  DistrictDiff d = annals::diff(earlier, after, causes.get());
  std::size_t total = 0;
  for (const auto& [type, n] : d.events_by_type) total += n;
  JsonWriter out;
  out.begin_object()
      .field("consistent_to", consistent_to_json(reader.offsets()))
      .field("district", q.district)
      .key("events")
      .begin_array();
  for (const auto& e : d.events) {
    json j = event_json(e.event);
    if (e.correction) j["correction"] = true;
    out.value(j);
  }
  out.end_array()
      .field("events_by_type", json(d.events_by_type))
      .field("events_total", total)
      .field("events_truncated", d.events.size() < total);
  write_point(out.key("from"), q.from, q.from_recorded);
  out.key("schools_changed").begin_array();
  for (const auto& c : d.changed) {
    write_figure_changes(out.begin_object().key("figures"), c.figures);
    out.field("name", c.name).field("record", json(c.record));
    out.field("school_id", c.school_id).end_object();
  }
  out.end_array().key("schools_opened").begin_array();
  for (const auto* s : d.opened)
    out.begin_object()
        .field("name", s->name)
        .field("opened_on", s->opened_on.to_string())
        .field("school_id", s->school_id)
        .end_object();
  out.end_array().key("schools_stopped").begin_array();
  for (const auto* s : d.stopped) write_stopped(out, *s);
  out.end_array();
  write_point(out.key("to"), q.to, q.to_recorded);
  write_figure_changes(out.key("totals"), d.totals);
  out.end_object();
  return out.take();
}

}  // namespace annals::routes
