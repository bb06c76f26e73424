// A deterministic synthetic city: districts, schools, teachers, students and money over a
// run of years, with the dynamics docs/domain.md describes (intakes, promotions and graduations,
// transfers and withdrawals, hires, retirements, rotations and support teaching, honours and
// qualifications, yearly facility surveys, purchases and construction, funding cycles,
// mergers, closures, stage changes, clusters and education groups), and the untidiness of
// real records: late records, corrections recorded months later, retractions.
//
// The same seed and scale give the same events, byte for byte.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "events/event.h"

namespace annals {

struct CityScale {
  std::string name;
  int districts = 2;
  int schools_per_district = 10;
  int intake_per_grade = 30;  // mean students per grade of an average school
  int years = 10;
};

// demo (2 districts, 10 schools each: the local stack), small (4 x 30: the benchmark's
// default), beijing (16 x 88, 1.5 million students: about 20 million events).
std::optional<CityScale> city_scale(const std::string& name);
std::vector<std::string> city_scale_names();

struct CityOptions {
  std::uint64_t seed = 2012;
  CityScale scale;
  int first_year = 2012;
  int first_district = 1;  // 0 is 东城区; the demo leaves it to the hand-written history
};

// Generates the city district by district; within a district, events come in the order
// the platform recorded them (recorded_at), as a live log would hold them.
void generate_city(const CityOptions& options, const std::function<void(Event&&)>& sink);

}  // namespace annals
