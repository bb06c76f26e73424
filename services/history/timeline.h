// One entity's history as the views hold it: its events effective on or before a date and
// visible at a recorded time, in apply order. The unit every "state of X on D" folds. Also
// where an entity's history is kept: which district's timelines hold it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "events/entities.h"
#include "services/views/view_store.h"

namespace annals {

// The entries of the timeline of entity `id` of `kind` in `district` effective on or before
// `up_to` and visible at recorded time `as_of` (views::ViewEntry::visible_at), in apply order.
std::vector<views::ViewEntry> timeline(views::Reader reader, const std::string& district,
                                       EntityKind kind, const std::string& id, Date up_to,
                                       Timestamp as_of);

// Every entry of the timeline of entity `id` of `kind` in `district`, retracted or not, in
// apply order: what the entity's history is on every recorded time at once. With `last_key`,
// the last entry's timeline order (services/views/format.h, timeline_order) into it ("" when
// there is none).
std::vector<views::ViewEntry> whole_timeline(views::Reader reader, const std::string& district,
                                             EntityKind kind, const std::string& id,
                                             std::string* last_key = nullptr);

// The first district, in key order, whose timelines hold entity `id` of `kind` (at least one
// entry, retracted or not); nullopt when none does. One seek per district.
std::optional<std::string> entity_district(views::Reader reader, EntityKind kind,
                                           const std::string& id);

}  // namespace annals
