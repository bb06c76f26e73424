// The list of districts (districts.h).
#include "services/audit/routes/districts.h"

#include <set>

#include "services/audit/render.h"
#include "services/history/registry_state.h"

namespace annals::routes {

using nlohmann::json;

json district_summary(views::Reader reader, const std::string& district, Date today) {
  RegistryState state = registry_state(reader, district, today, Timestamp::max());
  json d = {{"id", district}};
  if (state.district) {
    d["name"] = state.district->name;
    d["city"] = state.district->city;
  }
  std::size_t open = 0;
  for (const auto& [id, s] : state.schools) open += s.open();
  d["schools_open_today"] = open;
  return d;
}

json districts(const std::vector<views::Reader>& readers,
               const std::function<views::Reader(const std::string&)>& holder, Date today,
               const auth::Scope& scope) {
  std::set<std::string> ids;
  for (views::Reader r : readers)
    for (auto& d : r.districts())
      if (scope.grants(d)) ids.insert(std::move(d));
  json out = json::array(), consistent = json::array();
  for (const auto& district : ids)
    out.push_back(district_summary(holder(district), district, today));
  for (views::Reader r : readers)
    for (const auto& p : consistent_to_json(r.offsets())) consistent.push_back(p);
  return {{"districts", out}, {"consistent_to", consistent}};
}

}  // namespace annals::routes
