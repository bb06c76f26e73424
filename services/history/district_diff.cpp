#include "services/history/district_diff.h"

#include <limits>

#include "services/history/trail.h"

namespace annals {
namespace {

std::map<std::pair<Section, Measure>, std::int64_t> by_measure(const Figures& f) {
  std::map<std::pair<Section, Measure>, std::int64_t> out;
  for (const auto& [series, n] : f) out[{series.section, series.measure}] += n;
  return out;
}

std::vector<FigureChange> compare(const Figures& a, const Figures& b) {
  auto x = by_measure(a), y = by_measure(b);
  std::vector<FigureChange> out;
  for (const auto& [k, n] : y)
    if (x[k] != n) out.push_back({k.first, k.second, x[k], n});
  for (const auto& [k, n] : x)
    if (!y.count(k) && n != 0) out.push_back({k.first, k.second, n, 0});
  return out;
}

std::string stages_text(const std::vector<Stage>& stages) {
  std::string out;
  for (Stage s : stages) out += (out.empty() ? "" : ", ") + std::string(to_string(s));
  return out;
}

}  // namespace

DistrictDiff diff(views::Reader reader, const DistrictState& before, const DistrictState& after,
                  std::size_t event_limit) {
  DistrictDiff out;
  Figures total_before, total_after;
  for (const auto& [id, f] : before.figures)
    for (const auto& [s, n] : f) total_before[s] += n;
  for (const auto& [id, f] : after.figures)
    for (const auto& [s, n] : f) total_after[s] += n;
  out.totals = compare(total_before, total_after);
  for (const SchoolRecord* s : after.open_schools()) {
    auto was = before.registry.schools.find(s->school_id);
    if (was == before.registry.schools.end() || !was->second.open()) {
      out.opened.push_back(s);
      continue;
    }
    SchoolChange c{s->school_id,
                   s->name,
                   {},
                   compare(before.figures.at(s->school_id), after.figures.at(s->school_id))};
    if (was->second.name != s->name) c.record.push_back("renamed from " + was->second.name);
    if (was->second.stages != s->stages)
      c.record.push_back("stages " + stages_text(was->second.stages) + " -> " +
                         stages_text(s->stages));
    for (const auto& a : s->absorbed)
      if (before.at < a.on)
        c.record.push_back("absorbed " + a.name + " (" + a.school_id + ") on " + a.on.to_string());
    if (!c.record.empty() || !c.figures.empty()) out.changed.push_back(std::move(c));
  }
  for (const SchoolRecord* s : before.open_schools()) {
    auto now = after.registry.schools.find(s->school_id);
    if (now == after.registry.schools.end() || !now->second.open())
      out.stopped.push_back(now == after.registry.schools.end() ? s : &now->second);
  }

  // The causing events: effective in (before.at, after.at], or corrections recorded in
  // (before.as_of, after.as_of] for dates up to before.at; all visible at after.as_of.
  // On current knowledge at both points there are no corrections: the counts per day and
  // type and the first page of the trail past before.at, a cost of the days between, not of
  // the district's history.
  if (after.as_of == Timestamp::max() && before.as_of == Timestamp::max()) {
    const Date from{before.at.days + 1};
    if (after.at < from) return out;
    out.events_by_type = count_events(reader, before.district, from, after.at);
    TrailPageQuery page{from, after.at, Timestamp::max(), {}, std::nullopt, event_limit};
    for (auto& e : trail_page(reader, before.district, page).events)
      out.events.push_back({std::move(e.event), false});
    return out;
  }
  const Date from = before.as_of < after.as_of ? Date{std::numeric_limits<std::int32_t>::min() / 2}
                                               : Date{before.at.days + 1};
  for_each_event(reader, before.district, from, after.at, after.as_of,
                 [&](const TrailEntry& entry) {
                   bool later = before.at < entry.event.envelope.effective_date;
                   bool correction = !later && before.as_of < entry.recorded;
                   if (!later && !correction) return;
                   ++out.events_by_type[type_name(entry.event.data)];
                   if (out.events.size() < event_limit)
                     out.events.push_back({entry.event, correction});
                 });
  return out;
}

}  // namespace annals
