// The pieces of a hand-computed district for the indicator and guarantee tests
// (tests/audit/indicators_test.cpp, tests/audit/guarantees_test.cpp): a school record and a
// figure put by hand.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "services/history/district_state.h"

namespace annals::testing {

// A school named "school <id>".
inline SchoolRecord school(const std::string& id, std::vector<Stage> stages,
                           SchoolKind kind = SchoolKind::regular,
                           Ownership ownership = Ownership::public_) {
  SchoolRecord s;
  s.school_id = id;
  s.name = "school " + id;
  s.stages = std::move(stages);
  s.kind = kind;
  s.ownership = ownership;
  return s;
}

// `n` in the series (section, measure, grade) of `f`.
inline void put(Figures& f, Section s, Measure m, std::int64_t n, std::uint8_t grade = 0) {
  f[{s, m, grade}] = n;
}

}  // namespace annals::testing
