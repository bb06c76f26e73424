// 东城区's demo district at a supervisor's scale: the hand-written narrative
// (deploy/local/demo/dongcheng-narrative.ndjson: thirteen schools from the seeds, 学区, an
// education group, the 2014 merger of 西总布小学 into 史家胡同小学, a school that becomes
// nine-year, a closure, a split, a rename, a retraction, two teacher transfers, a budget) and,
// around it, the people and money such a district has: 11,000 to 12,000 pupils (400 to 1,900
// a school, 景山 with both stages 2,060) enrolled on 1 September 2012 and in every autumn intake to
// 2016, promoted and graduated at each school year's end; about 850 teachers (15 pupils to one,
// their qualifications, titles, subjects and backbone honours), hired, retiring, rotating; each
// school's facilities surveyed every year; operating and training funds and the district's budget
// every year to 2019.
//
// Deterministic: the same narrative gives the same lines, byte for byte (a fixed seed; event
// ids are name-based UUIDs of what each event is about). Every line passes the publishing
// services' rules in the order `annals import` sends the file
// (tests/gen/dongcheng_demo_test.cpp).
#pragma once

#include <string>
#include <vector>

namespace annals {

// The demo file's lines: every line of `narrative` (the hand-written NDJSON, blank lines
// left out) as it is, then the generated events, one canonical JSON document a line, in
// effective-date order. The generator builds on the narrative's own pupils, teachers,
// surveys, funds and budget (it adds none of its own where the narrative has one). Throws
// std::invalid_argument when a narrative line is not a valid event submission.
std::vector<std::string> dongcheng_demo(const std::vector<std::string>& narrative);

}  // namespace annals
