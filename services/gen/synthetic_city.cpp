// The public entry of the synthetic city (synthetic_city.h): the scales, and generate_city,
// which runs one DistrictHistory (district_history.h) per district.
#include "services/gen/synthetic_city.h"

#include "services/gen/district_history.h"

namespace annals {

std::optional<CityScale> city_scale(const std::string& name) {
  if (name == "demo") return CityScale{"demo", 2, 10, 30, 10};
  if (name == "small") return CityScale{"small", 4, 30, 60, 10};
  if (name == "medium") return CityScale{"medium", 8, 60, 100, 10};
  if (name == "beijing") return CityScale{"beijing", 16, 88, 140, 10};
  return std::nullopt;
}

std::vector<std::string> city_scale_names() { return {"demo", "small", "medium", "beijing"}; }

void generate_city(const CityOptions& options, const std::function<void(Event&&)>& sink) {
  for (int d = 0; d < options.scale.districts; ++d)
    gen::DistrictHistory(options, options.first_district + d, sink).run();
}

}  // namespace annals
