// One entity's history as the views hold it: its events effective on or before a date and
// visible at a recorded time, in apply order. The unit every "state of X on D" folds.
#pragma once

#include <string>
#include <vector>

#include "events/entities.h"
#include "services/views/view_store.h"

namespace annals {

std::vector<views::ViewEntry> timeline(views::Reader reader, const std::string& district, EntityKind kind,
                                       const std::string& id, Date up_to, Timestamp as_of);

}  // namespace annals
