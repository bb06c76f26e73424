// GET /v1/districts/{id}/state (and /schools, the roster): a district on a date as recorded
// at a time.
#pragma once

#include <nlohmann/json.hpp>

#include "services/audit/query_params.h"
#include "services/views/view_store.h"

namespace annals::routes {

// The open schools of `q.district` on `q.at` as recorded at `q.as_of`, each with its figures
// (render.h: school_json); its clusters not dissolved; how many schools had closed or been
// absorbed; the totals (schools open, their figures summed); district_name when registered;
// and consistent_to.
nlohmann::json state(views::Reader reader, const DistrictAt& q);

}  // namespace annals::routes
