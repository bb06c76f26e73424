#include "services/history/district_diff.h"

#include <algorithm>
#include <tuple>

#include <rocksdb/iterator.h>

#include "events/bounds.h"
#include "services/history/trail.h"

namespace annals {
namespace {

using MeasureTotals = std::vector<std::pair<std::pair<Section, Measure>, std::int64_t>>;

// `f` accumulated over grades (series.h: accumulate), in (section, measure) order: a school's
// series are in that order with the grade innermost (services/views/series.h), so equal keys are
// neighbours.
MeasureTotals by_measure(const Figures& f) {
  MeasureTotals out;
  for (const auto& [series, n] : f) {
    if (by_year(series.measure)) continue;  // the rotation base is not a school's figure
    std::pair key{series.section, series.measure};
    if (!out.empty() && out.back().first == key)
      out.back().second = accumulate(series.measure, out.back().second, n);
    else out.emplace_back(key, n);
  }
  return out;
}

// The measures whose totals differ: those of `b` in order, then those only `a` has (not 0).
std::vector<FigureChange> compare(const Figures& a, const Figures& b) {
  const MeasureTotals x = by_measure(a), y = by_measure(b);
  std::vector<FigureChange> out, gone;
  auto i = x.begin();
  for (const auto& [k, n] : y) {
    for (; i != x.end() && i->first < k; ++i)
      if (i->second != 0) gone.push_back({i->first.first, i->first.second, i->second, 0});
    const bool both = i != x.end() && i->first == k;
    const std::int64_t was = both ? (i++)->second : 0;
    if (was != n) out.push_back({k.first, k.second, was, n});
  }
  for (; i != x.end(); ++i)
    if (i->second != 0) gone.push_back({i->first.first, i->first.second, i->second, 0});
  out.insert(out.end(), gone.begin(), gone.end());
  return out;
}

std::string stages_text(const std::vector<Stage>& stages) {
  std::string out;
  for (Stage s : stages) out += (out.empty() ? "" : ", ") + std::string(to_string(s));
  return out;
}

// An event found by its lag class, to be listed in apply order.
struct Found {
  Date date;
  Timestamp recorded;
  views::LogPosition pos;
  std::string id;
  bool correction;
  auto operator<=>(const Found& o) const {
    return std::tie(date, recorded, pos) <=> std::tie(o.date, o.recorded, o.pos);
  }
};

// The first `limit` events in apply order of those offered: a max-heap of the kept ones, so
// an offer past the limit costs one comparison and an event not kept is never copied. The
// learned log names only stored events, so each kept one is found; were one not (its stored
// bytes undecodable), the page would come up one short rather than reach past the limit.
class FirstFound {
 public:
  explicit FirstFound(std::size_t limit) : limit_(limit) {}

  // Keeps the event when it is among the first `limit` offered so far.
  void offer(const views::LearnedEvent& e, bool correction) {
    if (limit_ == 0) return;
    if (heap_.size() == limit_) {
      const Found& last = heap_.front();
      if (std::tie(e.date, e.recorded, e.pos) >= std::tie(last.date, last.recorded, last.pos))
        return;
      std::pop_heap(heap_.begin(), heap_.end());
      heap_.pop_back();
    }
    heap_.push_back({e.date, e.recorded, e.pos, std::string(e.id), correction});
    std::push_heap(heap_.begin(), heap_.end());
  }

  // The kept events in apply order; empties this.
  std::vector<Found> take() {
    std::sort_heap(heap_.begin(), heap_.end());
    return std::move(heap_);
  }

 private:
  std::size_t limit_;
  std::vector<Found> heap_;
};

// Counts into `out` the events of `district` about dates in [from, to] recorded in
// (after, before), and offers them to `found` when given. Its cost is one read per event:
// the types are counted in a small flat list (a district's events have a few dozen types).
void find_learned(views::Reader reader, const std::string& district, Date from, Date to,
                  Timestamp after, Timestamp before, bool correction, DiffCauses& out,
                  FirstFound* found) {
  std::vector<std::pair<std::string, std::size_t>> counts;
  auto it = reader.iterator(views::Family::learned_log, rocksdb::ReadOptions());
  for (const auto& range : views::learned_ranges(district, from, to, after, before))
    for (it->Seek(range.begin); it->Valid() && it->key().compare(range.end) < 0; it->Next()) {
      auto e = views::parse_learned_log(std::string_view(it->key().data(), it->key().size()),
                                        range.prefix_size,
                                        std::string_view(it->value().data(), it->value().size()));
      if (!e || e->date < from || to < e->date) continue;
      auto c = std::find_if(counts.begin(), counts.end(),
                            [&](const auto& t) { return t.first == e->type; });
      if (c == counts.end()) counts.emplace_back(std::string(e->type), 1);
      else ++c->second;
      if (found) found->offer(*e, correction);
    }
  for (auto& [type, n] : counts) out.by_type[std::move(type)] += n;
}

Timestamp just_after(Timestamp t) { return t == Timestamp::max() ? t : Timestamp{t.micros + 1}; }

}  // namespace

DiffCauses diff_causes(views::Reader reader, const std::string& district, Date from,
                       Timestamp from_as_of, Date to, Timestamp to_as_of, std::size_t limit) {
  DiffCauses out;
  FirstFound corrections(limit), ahead(limit);
  if (from_as_of < to_as_of)
    find_learned(reader, district, kFirstDate, from, from_as_of, just_after(to_as_of), true, out,
                 &corrections);
  auto take = [&](FirstFound& found) {
    for (const auto& f : found.take()) {
      if (out.events.size() == limit) return;
      if (auto stored = reader.event_at_key(f.id))
        out.events.push_back({std::move(stored->event), f.correction});
    }
  };
  take(corrections);
  if (!(from < to)) return out;
  // Effective in (from, to]: on the days up to the day of `to_as_of`, the events per day and
  // type less those recorded after it; after that day, only what was learned ahead of it.
  const Date mid = to_as_of == Timestamp::max() ? to : std::min(to, beijing_date(to_as_of));
  if (from < mid) {
    const Date first{from.days + 1};
    for (const auto& [type, n] : count_events(reader, district, first, mid)) out.by_type[type] += n;
    DiffCauses late;  // counted only: the page below reads only what was recorded by to_as_of
    if (to_as_of != Timestamp::max())
      find_learned(reader, district, first, mid, to_as_of, Timestamp::max(), false, late, nullptr);
    for (const auto& [type, n] : late.by_type)
      if ((out.by_type[type] -= n) == 0) out.by_type.erase(type);
    if (out.events.size() < limit) {
      TrailPageQuery page{first, mid, to_as_of, {}, std::nullopt, limit - out.events.size()};
      for (auto& e : trail_page(reader, district, page).events)
        out.events.push_back({std::move(e.event), false});
    }
  }
  if (mid < to) {
    find_learned(reader, district, Date{std::max(from, mid).days + 1}, to, Timestamp{INT64_MIN},
                 just_after(to_as_of), false, out, &ahead);
    take(ahead);
  }
  return out;
}

DistrictDiff diff(const DistrictState& before, const DistrictState& after, DiffCauses causes) {
  DistrictDiff out;
  Figures total_before, total_after;
  for (const auto& [id, f] : before.figures)
    for (const auto& [s, n] : f) total_before[s] = accumulate(s.measure, total_before[s], n);
  for (const auto& [id, f] : after.figures)
    for (const auto& [s, n] : f) total_after[s] = accumulate(s.measure, total_after[s], n);
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

  out.events = std::move(causes.events);
  out.events_by_type = std::move(causes.by_type);
  return out;
}

}  // namespace annals
