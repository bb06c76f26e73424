// GET /v1/districts/{id}/indicators/series: the coefficients of variation of a district over
// time, one point per year or month.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "services/audit/standard.h"
#include "services/views/view_store.h"

namespace annals::routes {

struct SeriesQuestion {
  std::string district;  // known to the record
  Date from;
  Date to;  // not before from
  Timestamp as_of = Timestamp::max();
  std::string step = "year";            // "year" or "month"
  std::optional<std::string> standard;  // ?standard=; absent: the one in force at each point
};

// Points at `from`, then every step after it (events/time.h: add_years, add_months) up to
// `to`, at most 1200. Each point: its date and, under the standard chosen for it
// (standards.h: choose_standard), the standard's id, whether the district complied, and per
// stage each indicator's CV, the composite CV, the verdict, the schools counted and the
// students; or, when no standard could be chosen, "standard": null and why. With district,
// from, to, step and consistent_to.
nlohmann::json series(views::Reader reader, const Standards& standards, const SeriesQuestion& q);

}  // namespace annals::routes
