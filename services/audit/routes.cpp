// The audit API's route table, and each route's handler: read the parameters (request.h),
// ask the question (routes/*.h), write the answer. Nothing else happens here.
#include "services/audit/routes.h"

#include <limits>

#include <httplib.h>

#include "events/json_codec.h"  // Violation, for reply_error
#include "services/audit/request.h"
#include "services/audit/routes/diff.h"
#include "services/audit/routes/districts.h"
#include "services/audit/routes/events.h"
#include "services/audit/routes/indicators.h"
#include "services/audit/routes/log.h"
#include "services/audit/routes/movements.h"
#include "services/audit/routes/series.h"
#include "services/audit/routes/standards.h"
#include "services/audit/routes/state.h"
#include "services/audit/routes/timelines.h"
#include "services/history/timeline.h"
#include "services/http/server.h"

namespace annals {
namespace {

using httplib::Request;
using httplib::Response;

// The question is valid and about to be answered with records of people (RouteContext).
void disclosing(RouteContext& c) {
  if (c.disclosing) c.disclosing();
}

void districts(RouteContext& c, const Request&, Response& res) {
  auto holder = [&](const std::string& district) { return c.stores.holding(district); };
  reply_json(res, 200, routes::districts(c.stores.all(), holder, today_in_beijing(), c.scope));
}

void state(RouteContext& c, const Request& req, Response& res) {
  if (auto q = district_at(c.reader, c.scope, req, res))
    reply_json_text(res, 200, routes::state(c.reader, *q));
}

void reply_download(Response& res, const routes::Download& download) {
  res.status = 200;
  res.set_header("Content-Disposition", "attachment; filename=\"" + download.filename + "\"");
  res.set_content(download.bytes, download.content_type);
}

// The indicators in `format` ("json", "csv" or "xlsx"); "" for the one ?format= asks for.
void indicators_as(RouteContext& c, const Request& req, Response& res, const char* format) {
  auto q = district_at(c.reader, c.scope, req, res);
  if (!q) return;
  auto choice =
      routes::choose_standard(c.standards, optional_param(req, "standard"), q->district, q->at);
  if (!choice.standard) {
    reply_error(res, 404, choice.error);
    return;
  }
  std::string asked = *format ? format : optional_param(req, "format").value_or("json");
  auto parsed = or_400(parse_format(asked), res);
  if (!parsed) return;
  auto answer = routes::indicators(c.reader, *q, *choice.standard, choice.why);
  if (*parsed == "xlsx") reply_download(res, routes::indicators_xlsx(answer));
  else if (*parsed == "csv") reply_download(res, routes::indicators_csv(answer));
  else reply_json_text(res, 200, routes::indicators_json(answer));
}
void indicators(RouteContext& c, const Request& req, Response& res) {
  indicators_as(c, req, res, "");
}
void indicators_csv(RouteContext& c, const Request& req, Response& res) {
  indicators_as(c, req, res, "csv");
}
void indicators_xlsx(RouteContext& c, const Request& req, Response& res) {
  indicators_as(c, req, res, "xlsx");
}

void series(RouteContext& c, const Request& req, Response& res) {
  auto period = period_param(req, res);
  if (!period) return;
  auto as_of = recorded_param(req, res);
  if (!as_of) return;
  auto step = or_400(parse_step(optional_param(req, "step").value_or("year")), res);
  if (!step) return;
  auto district = known_district(c.reader, c.scope, req, res);
  if (!district) return;
  routes::SeriesQuestion q{*district, period->from, period->to,
                           *as_of,    *step,        optional_param(req, "standard")};
  reply_json(res, 200, routes::series(c.reader, c.standards, q));
}

// ?from=, ?to=, ?recorded_at=, ?limit=, ?type=, then the district, then ?after=.
void events(RouteContext& c, const Request& req, Response& res) {
  TrailPageQuery q;
  auto from = date_param(req, res, "from", Date{std::numeric_limits<std::int32_t>::min() / 2});
  if (!from) return;
  auto to = date_param(req, res, "to", Date{std::numeric_limits<std::int32_t>::max() / 2});
  if (!to) return;
  auto as_of = recorded_param(req, res);
  if (!as_of) return;
  if (auto text = optional_param(req, "limit")) {
    auto limit = or_400(parse_limit(*text), res);
    if (!limit) return;
    q.limit = *limit;
  }
  std::vector<std::string> types;
  for (std::size_t k = 0, n = req.get_param_value_count("type"); k < n; ++k)
    types.push_back(req.get_param_value("type", k));
  auto district = known_district(c.reader, c.scope, req, res);
  if (!district) return;
  if (auto text = optional_param(req, "after")) {
    q.after = or_400(parse_cursor(*text, *district), res);
    if (!q.after) return;
  }
  q.from = *from;
  q.to = *to;
  q.as_of = *as_of;
  q.types = parse_types(types);
  disclosing(c);
  reply_json(res, 200, routes::events(c.reader, *district, q));
}

void rotations(RouteContext& c, const Request& req, Response& res) {
  auto period = period_param(req, res);
  if (!period) return;
  auto as_of = recorded_param(req, res);
  if (!as_of) return;
  auto district = known_district(c.reader, c.scope, req, res);
  if (!district) return;
  disclosing(c);
  reply_json(res, 200,
             routes::rotations(c.reader, *district, period->from, period->to, *as_of,
                               optional_param(req, "cluster"), c.standards));
}

void admissions(RouteContext& c, const Request& req, Response& res) {
  auto as_of = recorded_param(req, res);
  if (!as_of) return;
  auto year = or_400(parse_year(req.get_param_value("year")), res);
  if (!year) return;
  auto district = known_district(c.reader, c.scope, req, res);
  if (!district) return;
  reply_json(res, 200, routes::admissions(c.reader, *district, *year, *as_of));
}

void diff(RouteContext& c, const Request& req, Response& res) {
  auto period = period_param(req, res);
  if (!period) return;
  auto from_recorded = recorded_param(req, res, "from_recorded_at");
  if (!from_recorded) return;
  auto to_recorded = recorded_param(req, res, "to_recorded_at");
  if (!to_recorded) return;
  auto limit = or_400(parse_limit(optional_param(req, "limit").value_or("100")), res);
  if (!limit) return;
  auto district = known_district(c.reader, c.scope, req, res);
  if (!district) return;
  disclosing(c);
  reply_json_text(res, 200,
                  routes::diff(c.reader, {*district, period->from, period->to, *from_recorded,
                                          *to_recorded, *limit}));
}

// ?at=, ?recorded_at=, then the district that holds the entity: ?district= or the first
// district of the first store whose timelines hold it.
template <EntityKind kind>
void timeline(RouteContext& c, const Request& req, Response& res) {
  routes::EntityQuestion q{kind, req.matches[1], {}, {}, {}};
  auto at = date_param(req, res, "at");
  if (!at) return;
  auto as_of = recorded_param(req, res);
  if (!as_of) return;
  if (auto given = optional_param(req, "district")) q.district = *given;
  else
    for (views::Reader r : c.stores.all())
      if (auto found = entity_district(r, kind, q.id)) {
        // One not granted is not there, as far as this identity can tell.
        if (c.scope.grants(*found)) q.district = *found;
        break;
      }
  q.at = *at;
  q.as_of = *as_of;
  c.district = q.district;
  std::optional<nlohmann::json> answer;
  if (!q.district.empty() && c.scope.grants(q.district))
    answer = routes::entity_timeline(c.stores.holding(q.district), q);
  if (answer) reply_json(res, 200, *answer);
  else reply_error(res, 404, routes::unknown_entity(kind, q.id, q.district));
}

void reply_log(Response& res, const routes::LogAnswer& answer) {
  if (answer.status == 200) reply_json(res, 200, answer.body);
  else reply_error(res, answer.status, answer.error);
}

// ?sizes= or ?recorded_at=, then the district.
void log_head(RouteContext& c, const Request& req, Response& res) {
  std::optional<routes::LogSizes> sizes;
  if (!parsed_param(req, res, "sizes", parse_log_sizes, sizes)) return;
  auto as_of = recorded_param(req, res);
  if (!as_of) return;
  auto district = known_district(c.reader, c.scope, req, res);
  if (!district) return;
  if (!c.signing_key) {
    reply_error(res, 503,
                "this audit service signs no tree heads: it was started without "
                "--signing-key (docs/verifiable-log.md)");
    return;
  }
  reply_log(res, routes::log_head(c.reader, *district, *as_of, sizes, *c.signing_key));
}

// ?event=, ?tree_size=, then the district.
void log_inclusion(RouteContext& c, const Request& req, Response& res) {
  auto event = optional_param(req, "event");
  if (!event) return reply_400(res, "query parameter 'event' (an event id) is required");
  std::optional<std::uint64_t> tree_size;
  if (!parsed_param(req, res, "tree_size", parse_tree_size, tree_size)) return;
  auto district = known_district(c.reader, c.scope, req, res);
  if (!district) return;
  reply_log(res, routes::inclusion(c.reader, *district, *event, tree_size));
}

// ?first=, ?second=, then the district.
void log_consistency(RouteContext& c, const Request& req, Response& res) {
  std::optional<routes::LogSizes> first, second;
  if (!parsed_param(req, res, "first", parse_log_sizes, first) ||
      !parsed_param(req, res, "second", parse_log_sizes, second))
    return;
  if (!first)
    return reply_400(res, "query parameter 'first' (the older head's four log sizes) is required");
  auto district = known_district(c.reader, c.scope, req, res);
  if (!district) return;
  reply_log(res, routes::consistency(c.reader, *district, *first, second));
}

void standards(RouteContext& c, const Request&, Response& res) {
  reply_json(res, 200, routes::standards(c.standards));
}

}  // namespace

const std::vector<Route>& route_table() {
  static const std::vector<Route> table = {
      {"/v1/districts", "districts", districts},
      {R"(/v1/districts/([^/]+)/state)", "state", state},
      {R"(/v1/districts/([^/]+)/schools)", "schools", state},  // the roster; the same answer
      {R"(/v1/districts/([^/]+)/indicators)", "indicators", indicators},
      {R"(/v1/districts/([^/]+)/indicators\.csv)", "indicators_csv", indicators_csv},
      {R"(/v1/districts/([^/]+)/indicators\.xlsx)", "indicators_xlsx", indicators_xlsx},
      {R"(/v1/districts/([^/]+)/indicators/series)", "indicators_series", series, false, true},
      {R"(/v1/districts/([^/]+)/events)", "events", events, true},
      {R"(/v1/districts/([^/]+)/rotations)", "rotations", rotations, true, true},
      {R"(/v1/districts/([^/]+)/admissions)", "admissions", admissions},
      {R"(/v1/districts/([^/]+)/diff)", "diff", diff, true, true},
      {R"(/v1/districts/([^/]+)/log/head)", "log_head", log_head},
      {R"(/v1/districts/([^/]+)/log/inclusion)", "log_inclusion", log_inclusion, true},
      {R"(/v1/districts/([^/]+)/log/consistency)", "log_consistency", log_consistency},
      {R"(/v1/schools/([^/]+)/timeline)", "school_timeline", timeline<EntityKind::school>, true},
      {R"(/v1/teachers/([^/]+)/timeline)", "teacher_timeline", timeline<EntityKind::teacher>, true},
      {R"(/v1/clusters/([^/]+))", "cluster", timeline<EntityKind::cluster>},
      {"/v1/standards", "standards", standards},
  };
  return table;
}

}  // namespace annals
