// A district on a date (state.h).
#include "services/audit/routes/state.h"

#include "services/audit/render.h"
#include "services/history/district_state.h"

namespace annals::routes {

std::string state(views::Reader reader, const DistrictAt& q) {
  DistrictState st = district_state(reader, q.district, q.at, q.as_of);
  JsonWriter out;
  out.begin_object().field("at", q.at.to_string());
  std::size_t closed = 0;
  for (const auto& [id, s] : st.registry.schools) closed += !s.open();
  out.field("closed_or_absorbed", closed).key("clusters").begin_array();
  for (const auto& [id, c] : st.registry.clusters)
    if (!c.dissolved_on) write_cluster(out, c);
  out.end_array().field("consistent_to", consistent_to_json(reader.offsets()));
  out.field("district", q.district);
  if (st.registry.district) out.field("district_name", st.registry.district->name);
  out.field("recorded_at", recorded_json(q.as_of)).key("schools").begin_array();
  Figures all;
  std::size_t open = 0;
  for (const auto& [id, s] : st.registry.schools) {
    if (!s.open()) continue;
    const Figures& f = st.figures.at(id);
    for (const auto& [series, n] : f) all[series] += n;
    write_school(out, s, &f);
    ++open;
  }
  out.end_array().key("totals").begin_object();
  write_figures(out.key("figures"), all);
  out.field("schools", open).end_object().end_object();
  return out.take();
}

}  // namespace annals::routes
