// The indicators in their three forms (indicators.h).
#include "services/audit/routes/indicators.h"

#include <algorithm>
#include <optional>

#include "services/audit/indicator_tables.h"
#include "services/audit/render.h"
#include "services/history/district_state.h"

namespace annals::routes {

using nlohmann::json;

IndicatorsAnswer indicators(views::Reader reader, const DistrictAt& q, const Standard& standard,
                            std::string why) {
  DistrictState st = district_state(reader, q.district, q.at, q.as_of);
  // The growths per pupil compare with the year before: read only when the standard has one.
  std::optional<DistrictState> before;
  if (std::any_of(standard.guarantees.begin(), standard.guarantees.end(),
                  [](const GuaranteeDefinition& g) { return needs_year_before(g); }))
    before = district_state(reader, q.district, year_before(q.at), q.as_of);
  IndicatorsAnswer answer{q, st.registry.district ? st.registry.district->name : q.district,
                          compute_indicators(st, standard, before ? &*before : nullptr), json()};
  answer.report.why_this_standard = std::move(why);
  answer.consistent_to = consistent_to_json(reader.offsets());
  return answer;
}

std::string indicators_json(const IndicatorsAnswer& answer) {
  JsonWriter out;
  out.begin_object()
      .field("at", answer.question.at.to_string())
      .field("complies", complies_json(answer.report))
      .field("consistent_to", answer.consistent_to)
      .field("district", answer.question.district)
      .field("district_name", answer.district_name)
      .key("guarantees");
  write_guarantees(out, answer.report);
  out.field("recorded_at", recorded_json(answer.question.as_of)).key("stages");
  write_stages(out, answer.report);
  out.field("standard", standard_json(answer.report)).end_object();
  return out.take();
}

namespace {

std::string file_name(const IndicatorsAnswer& answer, const char* extension) {
  return answer.question.district + "-indicators-" + answer.question.at.to_string() + extension;
}

}  // namespace

Download indicators_csv(const IndicatorsAnswer& answer) {
  return {file_name(answer, ".csv"), "text/csv; charset=utf-8",
          "\xEF\xBB\xBF" + report_csv(answer.report, answer.district_name, answer.question.at)};
}

Download indicators_xlsx(const IndicatorsAnswer& answer) {
  return {file_name(answer, ".xlsx"),
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          report_xlsx(answer.report, answer.district_name, answer.question.at)};
}

}  // namespace annals::routes
