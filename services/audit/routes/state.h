// GET /v1/districts/{id}/state (and /schools, the roster): a district on a date as recorded
// at a time.
#pragma once

#include <string>

#include "services/audit/query_params.h"
#include "services/views/view_store.h"

namespace annals::routes {

// The open schools of `q.district` on `q.at` as recorded at `q.as_of`, each with its figures
// (render.h: write_school); its clusters not dissolved; how many schools had closed or been
// absorbed; the totals (schools open, their figures summed); district_name when registered;
// and consistent_to. The JSON text, written as it goes (hundreds of schools at Beijing scale).
std::string state(views::Reader reader, const DistrictAt& q);

}  // namespace annals::routes
