// A district's audit trail: its events in apply order (effective date, recorded_at, log
// position), as the district_log view keeps them; walked whole, or a page at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "events/event.h"
#include "services/views/view_store.h"

namespace annals {

struct TrailEntry {
  const Event& event;
  Timestamp recorded;
  bool retracted;  // retracted by `as_of`
};

// Calls `f` with every event of `district` effective in [from, to] and recorded by `as_of`.
void for_each_event(views::Reader reader, const std::string& district, Date from, Date to,
                    Timestamp as_of, const std::function<void(const TrailEntry&)>& f);

// How many events of each type `district` has effective in [from, to], recorded (retracted
// or not) on current knowledge: one read per day and type (the event_counts family).
std::map<std::string, std::size_t> count_events(views::Reader reader, const std::string& district,
                                                Date from, Date to);

// Which page of the trail to read.
struct TrailPageQuery {
  Date from;                           // effective on or after (ignored when `after` is set)
  Date to;                             // effective on or before
  Timestamp as_of = Timestamp::max();  // recorded by
  std::set<std::string> types;         // of one of these event types; empty: of any
  std::optional<std::string> after;    // a district order key: start just past it
  std::size_t limit = 100;             // at most this many events
};

// One event of a page.
struct PagedEvent {
  Event event;
  std::string order_key;                  // its district order key (views/format.h)
  std::optional<Timestamp> retracted_at;  // when first retracted, if it was by `as_of`
};

struct TrailPage {
  std::vector<PagedEvent> events;
  bool more = false;  // another event matches past the last one
};

// A page of `district`'s trail: in apply order, the first `limit` events that match `query`,
// starting at its `from` date or, given `after`, just past that key. Retracted events are
// included, with when they were retracted (Reader::retracted_at). The next page starts after
// the last event's order_key.
TrailPage trail_page(views::Reader reader, const std::string& district,
                     const TrailPageQuery& query);

}  // namespace annals
