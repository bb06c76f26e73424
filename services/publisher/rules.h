// The domain rules a publishing service checks before it publishes: an event must be
// consistent with the record on its own effective date (a late or retroactive event is
// welcome when it is). Each rule has a name, reported as the violation's code.
//
//   registry    school_exists (opening a school that is open), school_not_open (closing,
//               merging, splitting, changing or equipping a school that is not open on the
//               date), merger_into_itself, cluster_exists, cluster_not_active,
//               not_a_member; breaks_later_events (the event fits its date but would make a
//               later registry event of the record invalid: a merger dated in the past that
//               makes a later merger a cycle, absorbing a school that a later merger
//               absorbs, closing a school that later registry events are about; each such
//               later event is named, with why)
//   personnel   teacher_already_hired, teacher_not_employed, teacher_not_at_school
//               (a transfer from a school the teacher is not at on the date),
//               rotation_without_end, rotation_ends_before_start, permanent_with_end,
//               school_not_open, honour_not_held
//   enrollment  student_already_enrolled, student_not_enrolled, student_not_at_school,
//               school_not_open, stage_not_served, grade_not_in_stage
//   finance     school_unknown
//   platform    retraction_target_unknown (not an event of this service's topic),
//               retraction_of_retraction, retraction_other_district
#pragma once

#include <string_view>
#include <vector>

#include "events/event.h"
#include "events/json_codec.h"
#include "services/views/view_store.h"

namespace annals {

// Violations of the rules by `event`, read against `reader` (the service's views, through
// the events accepted earlier in the same request). `own` is the service's system.
std::vector<Violation> check_rules(const Event& event, System own, views::Reader reader);

// True when a violation of the rule `code` may be lifted by reading the registry further: it
// is about a school's standing or a cluster, or where a person is through the mergers the
// registry records. Another service's views follow the registry topic a little behind it.
bool depends_on_registry(std::string_view code);

}  // namespace annals
