// GET /v1/districts/{id}/diff: what changed in a district between two points of history, and
// the events that did it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "services/views/view_store.h"

namespace annals::routes {

struct DiffQuestion {
  std::string district;  // known to the record
  Date from;
  Date to;
  Timestamp from_recorded = Timestamp::max();  // the first point: `from` as recorded then
  Timestamp to_recorded = Timestamp::max();    // the second point: `to` as recorded then
  std::size_t limit = 100;                     // at most this many causing events listed
};

// The difference (history/district_diff.h) between the two points: schools opened, stopped
// and changed (record and figures), the totals' changes, at most `q.limit` causing events (each
// as published, with "correction": true for a late record), the count of every causing event
// by type and in all, whether the list was truncated; the two points, district,
// consistent_to. The JSON text, written as it goes.
std::string diff(views::Reader reader, const DiffQuestion& q);

}  // namespace annals::routes
