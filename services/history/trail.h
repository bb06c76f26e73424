// A district's audit trail: its events in apply order (effective date, recorded_at, log
// position), as the district_log view keeps them.
#pragma once

#include <functional>
#include <string>

#include "events/event.h"
#include "services/views/view_store.h"

namespace annals {

struct TrailEntry {
  const Event& event;
  Timestamp recorded;
  bool retracted;  // retracted by `as_of`
};

// Calls `f` with every event of `district` effective in [from, to] and recorded by `as_of`.
void for_each_event(views::Reader reader, const std::string& district, Date from, Date to, Timestamp as_of,
                    const std::function<void(const TrailEntry&)>& f);

}  // namespace annals
