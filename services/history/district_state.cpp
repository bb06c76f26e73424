#include "services/history/district_state.h"

namespace annals {

std::vector<const SchoolRecord*> DistrictState::open_schools() const {
  std::vector<const SchoolRecord*> out;
  for (const auto& [id, s] : registry.schools)
    if (s.open()) out.push_back(&s);
  return out;
}

DistrictState district_state(views::Reader reader, const std::string& district, Date at,
                             Timestamp as_of) {
  DistrictState out{district, at, as_of, registry_state(reader, district, at, as_of), {}};
  auto add_to_holder = [&](const std::string& school, Figures& f) {
    auto holder = out.registry.schools.find(out.registry.resolve(school));
    if (holder == out.registry.schools.end() || !holder->second.open()) return;
    auto& into = out.figures[holder->first];
    if (into.empty()) into = std::move(f);  // the school itself, most often: nothing to add
    else
      for (const auto& [series, n] : f) into[series] += n;
  };
  for (const auto& [id, s] : out.registry.schools)
    if (s.open()) out.figures[id];  // every open school, even with nothing yet
  std::vector<std::string> ids;     // those that count in an open school: itself or its holder
  for (const auto& [id, s] : out.registry.schools)
    if (out.figures.count(out.registry.resolve(id))) ids.push_back(id);
  for (auto& [id, f] : figures_at(reader, district, ids, at, as_of)) add_to_holder(id, f);
  return out;
}

}  // namespace annals
