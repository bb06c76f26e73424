// GET /v1/districts/{id}/rotations and /v1/districts/{id}/admissions: movements supervisors
// check over a period: teacher rotation (交流轮岗) and support teaching
// (支教), with their direction and whether the post moved; and the autumn intake by
// admission mode per 学区, with the share of migrant children in public schools.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "services/audit/standard.h"
#include "services/views/view_store.h"

namespace annals::routes {

// Transfers effective in [from, to], visible at `as_of`; with `cluster`, only those from or
// to a school that belonged to it on the transfer's date. Each with its direction (by the
// location class of both schools), its direction by strength ("strong -> weak": each school
// on the eve of the move's school year, 31 August, under the standard then in force,
// services/audit/strength.h), whether the post moved, whether the teacher was a backbone teacher of
// district level or above the day before; a summary; consistent_to.
nlohmann::json rotations(views::Reader reader, const std::string& district, Date from, Date to,
                         Timestamp as_of, const std::optional<std::string>& cluster,
                         const Standards& standards);

// The intake of school year `year` (enrolments into grades 1 and 7 effective from August to
// October) by admission mode, per stage and per 学区; and migrant children on `year`-10-01,
// in all and in public schools; consistent_to.
nlohmann::json admissions(views::Reader reader, const std::string& district, int year,
                          Timestamp as_of);

}  // namespace annals::routes
