// GET /v1/districts/{id}/events: the audit trail, a page at a time.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "services/history/trail.h"
#include "services/views/view_store.h"

namespace annals::routes {

// One page of `district`'s trail (history/trail.h: trail_page): "events", each as published
// with "retracted_at" when it was retracted by `query.as_of`; "next", the cursor of the
// following page (query_params.h: encode_cursor) or null on the last; district and
// consistent_to.
nlohmann::json events(views::Reader reader, const std::string& district,
                      const TrailPageQuery& query);

}  // namespace annals::routes
