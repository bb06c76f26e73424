// What changed in a district between two points of history (a date as recorded at a time),
// and which events caused it: schools that opened or stopped, schools whose record or
// figures changed, and the events in between (those effective after the first date, and
// the corrections recorded after the first recorded time).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "services/history/district_state.h"

namespace annals {

struct FigureChange {
  Section section{};
  Measure measure{};
  std::int64_t before = 0;
  std::int64_t after = 0;
};

struct SchoolChange {
  std::string school_id;
  std::string name;
  std::vector<std::string> record;  // "renamed from X", "stages primary -> primary, junior", ...
  std::vector<FigureChange> figures;
};

struct CausingEvent {
  Event event;
  bool correction =
      false;  // effective on or before the first date, recorded after its recorded time
};

struct DistrictDiff {
  std::vector<const SchoolRecord*> opened;  // standing at the end, not at the start
  std::vector<const SchoolRecord*>
      stopped;  // standing at the start, not at the end (as the end knows them)
  std::vector<SchoolChange> changed;
  std::vector<FigureChange> totals;
  std::vector<CausingEvent> events;                   // in apply order, at most `event_limit`
  std::map<std::string, std::size_t> events_by_type;  // every causing event, counted
};

// The causing events of a diff: the first ones in apply order, and every one counted by type.
struct DiffCauses {
  std::vector<CausingEvent> events;
  std::map<std::string, std::size_t> by_type;
};

// The events that make the difference between `district` on `from` as recorded at
// `from_as_of` and on `to` (not before `from`) as recorded at `to_as_of`: those effective in
// (from, to] recorded by `to_as_of`, and, when `from_as_of` is earlier, the corrections:
// effective on or before `from`, recorded in (from_as_of, to_as_of]; retracted or not. All are
// counted by type; the first `limit` in apply order are returned. Its cost is the days between
// the dates (a read per day and type), the events recorded on the other side of a recorded
// time near the dates (read by lag class: services/views/format.h, learned_ranges) and `limit`
// events, not the history.
DiffCauses diff_causes(views::Reader reader, const std::string& district, Date from,
                       Timestamp from_as_of, Date to, Timestamp to_as_of, std::size_t limit);

// What changed from `before` to `after` (of the same district; both must outlive the result,
// which points into them), with `causes`: diff_causes between the same two points.
DistrictDiff diff(const DistrictState& before, const DistrictState& after, DiffCauses causes);

}  // namespace annals
