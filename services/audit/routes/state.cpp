// A district on a date (state.h).
#include "services/audit/routes/state.h"

#include "services/audit/render.h"
#include "services/history/district_state.h"

namespace annals::routes {

using nlohmann::json;

json state(views::Reader reader, const DistrictAt& q) {
  DistrictState st = district_state(reader, q.district, q.at, q.as_of);
  json schools = json::array(), clusters = json::array();
  Figures all;
  std::size_t closed = 0;
  for (const auto& [id, s] : st.registry.schools) {
    if (!s.open()) {
      ++closed;
      continue;
    }
    const Figures& f = st.figures.at(id);
    for (const auto& [series, n] : f) all[series] += n;
    schools.push_back(school_json(s, &f));
  }
  for (const auto& [id, c] : st.registry.clusters)
    if (!c.dissolved_on) clusters.push_back(cluster_json(c));
  json body = {{"district", q.district},
               {"at", q.at.to_string()},
               {"recorded_at", recorded_json(q.as_of)},
               {"schools", schools},
               {"clusters", clusters},
               {"closed_or_absorbed", closed},
               {"totals", {{"schools", schools.size()}, {"figures", figures_json(all)}}},
               {"consistent_to", consistent_to_json(reader.offsets())}};
  if (st.registry.district) body["district_name"] = st.registry.district->name;
  return body;
}

}  // namespace annals::routes
