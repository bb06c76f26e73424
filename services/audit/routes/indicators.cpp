// The indicators in their three forms (indicators.h).
#include "services/audit/routes/indicators.h"

#include "services/audit/indicator_tables.h"
#include "services/audit/render.h"
#include "services/history/district_state.h"

namespace annals::routes {

using nlohmann::json;

IndicatorsAnswer indicators(views::Reader reader, const DistrictAt& q, const Standard& standard,
                            std::string why) {
  DistrictState st = district_state(reader, q.district, q.at, q.as_of);
  IndicatorsAnswer answer{q, st.registry.district ? st.registry.district->name : q.district,
                          compute_indicators(st, standard), json()};
  answer.report.why_this_standard = std::move(why);
  answer.consistent_to = consistent_to_json(reader.offsets());
  return answer;
}

json indicators_json(const IndicatorsAnswer& answer) {
  json body = report_json(answer.report);
  body["district"] = answer.question.district;
  body["district_name"] = answer.district_name;
  body["at"] = answer.question.at.to_string();
  body["recorded_at"] = recorded_json(answer.question.as_of);
  body["consistent_to"] = answer.consistent_to;
  return body;
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
