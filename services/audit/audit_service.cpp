#include "services/audit/audit_service.h"

#include <httplib.h>

#include <filesystem>
#include <limits>
#include <set>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <rocksdb/iterator.h>

#include "events/bounds.h"
#include "events/binary_codec.h"
#include "events/json_codec.h"
#include "services/audit/indicator_tables.h"
#include "services/audit/movements.h"
#include "services/audit/query_params.h"
#include "services/history/district_diff.h"
#include "services/history/district_state.h"
#include "services/history/people.h"
#include "services/history/timeline.h"
#include "services/http/server.h"

namespace annals {

struct EmbeddedFile {
  const char* path;
  const char* type;
  const unsigned char* bytes;
  std::size_t size;
};
extern const EmbeddedFile kWebAssets[];  // generated from services/audit/web/

using nlohmann::json;

struct AuditService::Metrics {
  explicit Metrics(prometheus::Registry& r)
      : requests(prometheus::BuildCounter()
                     .Name("annals_audit_requests_total")
                     .Help("Audit API requests, by endpoint and status code.")
                     .Register(r)),
        duration(prometheus::BuildHistogram()
                     .Name("annals_audit_request_duration_seconds")
                     .Help("Time to answer an audit API request, by endpoint.")
                     .Register(r)) {}
  void observe(const std::string& endpoint, int status, double seconds) {
    requests.Add({{"endpoint", endpoint}, {"code", std::to_string(status)}}).Increment();
    duration
        .Add({{"endpoint", endpoint}},
             prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1})
        .Observe(seconds);
  }
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& duration;
};

AuditService::AuditService(std::vector<std::string> store_paths, std::string secondary_path, Standards standards,
                           prometheus::Registry& metrics)
    : store_paths_(std::move(store_paths)), secondary_path_(std::move(secondary_path)),
      standards_(std::move(standards)), metrics_(std::make_unique<Metrics>(metrics)) {
  stores_.resize(store_paths_.size());
}

AuditService::~AuditService() = default;

bool AuditService::follow(std::string& error) {
  bool any = false;
  {
    std::lock_guard lock(open_mu_);
    for (std::size_t i = 0; i < stores_.size(); ++i) {
      if (stores_[i]) {
        any = true;
        continue;
      }
      if (!std::filesystem::exists(std::filesystem::path(store_paths_[i]) / "CURRENT")) {
        error = "the views are not available yet: the projector has not created " + store_paths_[i];
        continue;
      }
      try {
        // One store: its secondary directory as given; several: one beside another.
        std::string own = stores_.size() == 1 ? secondary_path_ : secondary_path_ + "/store-" + std::to_string(i);
        std::filesystem::create_directories(own);
        std::unique_lock write(mu_);
        stores_[i] = views::ViewStore::open_secondary(store_paths_[i], own);
        any = true;
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
  }
  if (!any) return false;
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  auto due = std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::milliseconds(20)).count();
  if (now - caught_up_.load() > due) {
    std::unique_lock lock(mu_);  // waits for readers; readers wait for it
    if (now - caught_up_.load() > due) {
      for (auto& store : stores_)
        if (store) store->catch_up();
      caught_up_ = now;
    }
  }
  return true;
}

std::string AuditService::entity_district(EntityKind kind, const std::string& id) {
  for (auto& store : stores_) {
    if (!store) continue;
    views::Reader reader(*store);
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    auto tl = reader.iterator(views::Family::timelines, ro);
    // One seek into each district's timelines.
    for (const auto& district : reader.districts()) {
      std::string prefix = views::entity_prefix(district, kind, id);
      tl->Seek(prefix);
      if (tl->Valid() && tl->key().starts_with(prefix)) return district;
    }
  }
  return {};
}

views::ViewStore* AuditService::store_for(const std::string& district) {
  // A district's events are all in one partition number of each topic (keyed by district;
  // the range assignor gives one projector the same partition of every topic). The store
  // furthest along that partition holds the district; a store that held it before a
  // rebalance is behind, or equal and then just as right.
  if (stores_.size() == 1) return stores_[0].get();  // the usual case: nothing to choose
  views::ViewStore* best = nullptr;
  std::int64_t best_progress = -1;
  for (auto& store : stores_) {
    if (!store) continue;
    if (!best) best = store.get();
    auto first = views::Reader(*store).first_position(district);
    if (!first) continue;
    std::int64_t progress = 0;
    for (const auto& p : store->offsets())
      if (p.partition == first->partition) progress += p.next_offset;
    if (progress > best_progress) {
      best_progress = progress;
      best = store.get();
    }
  }
  return best;
}

json AuditService::consistent_to(views::ViewStore& store) {
  json out = json::array();
  for (const auto& p : store.offsets())
    out.push_back({{"topic", p.topic}, {"partition", p.partition}, {"next_offset", p.next_offset}});
  return out;
}

namespace {

// Today's date in Asia/Shanghai (UTC+8 all year).
Date today_in_beijing() {
  return Date{std::int32_t((Timestamp::now().micros / 1'000'000 + 8 * 3600) / 86400)};
}

// Parses ?at= (default today). Replies 400 and returns nullopt when malformed.
std::optional<Date> date_param(const httplib::Request& req, httplib::Response& res, const char* name) {
  if (!req.has_param(name)) return today_in_beijing();
  auto d = parse_date_param(name, req.get_param_value(name));
  if (!d) reply_error(res, 400, d.error);
  return d.value;
}

// Parses ?recorded_at= (default: no limit). A bare date means the end of that day in Beijing.
std::optional<Timestamp> recorded_param(const httplib::Request& req, httplib::Response& res,
                                        const char* name = "recorded_at") {
  if (!req.has_param(name)) return Timestamp::max();
  auto t = parse_recorded_param(name, req.get_param_value(name));
  if (!t) reply_error(res, 400, t.error);
  return t.value;
}

// Parses ?from= and ?to= (a period, to not before from). Replies 400 and returns false when wrong.
bool period_params(const httplib::Request& req, httplib::Response& res, std::optional<Date>& from,
                   std::optional<Date>& to) {
  std::optional<std::string> f, t;
  if (req.has_param("from")) f = req.get_param_value("from");
  if (req.has_param("to")) t = req.get_param_value("to");
  auto period = parse_period(f ? std::optional<std::string_view>(*f) : std::nullopt,
                             t ? std::optional<std::string_view>(*t) : std::nullopt,
                             today_in_beijing());
  if (!period) {
    reply_error(res, 400, period.error);
    return false;
  }
  from = period.value->from;
  to = period.value->to;
  return true;
}

json stages_json(const std::vector<Stage>& stages) {
  json out = json::array();
  for (Stage s : stages) out.push_back(to_string(s));
  return out;
}

// A school's figures as the API shows them: per section, each measure in its natural unit.
json figures_json(const Figures& f) {
  json out = json::object();
  for (Section section : {Section::primary, Section::junior, Section::whole}) {
    json sec = json::object();
    for (int m = 0; m <= int(Measure::subsidy_funds); ++m) {
      Measure measure = Measure(m);
      std::int64_t n = total(f, section, measure);
      if (!n) continue;
      std::string name(to_string(measure));
      if (unit_of(measure) == Unit::count) sec[name] = n;
      else sec[name + "_" + std::string(to_string(unit_of(measure)))] = natural(measure, n);
    }
    if (!sec.empty()) out[std::string(to_string(section))] = sec;
  }
  return out;
}

json school_json(const SchoolRecord& s, const Figures* figures) {
  json j = {{"school_id", s.school_id}, {"name", s.name}, {"stages", stages_json(s.stages)},
            {"kind", to_string(s.kind)}, {"ownership", to_string(s.ownership)},
            {"location", to_string(s.location)}, {"boarding", s.boarding},
            {"opened_on", s.opened_on.to_string()}};
  if (s.township) j["township"] = *s.township;
  if (s.split_from) j["split_from"] = *s.split_from;
  json absorbed = json::array();
  for (const auto& a : s.absorbed)
    absorbed.push_back({{"school_id", a.school_id}, {"name", a.name}, {"on", a.on.to_string()}});
  j["absorbed"] = absorbed;
  json clusters = json::object();
  for (const auto& [c, role] : s.clusters) clusters[c] = to_string(role);
  j["clusters"] = clusters;
  if (figures) {
    json by_stage = json::object(), by_grade = json::object();
    std::int64_t students = 0;
    for (const auto& [series, n] : *figures) {
      if (series.measure != Measure::students) continue;
      std::string stage(to_string(series.section));
      by_stage[stage] = by_stage.value(stage, 0) + n;
      by_grade[std::to_string(series.grade)] = by_grade.value(std::to_string(series.grade), 0) + n;
      students += n;
    }
    j["students"] = {{"total", students}, {"by_stage", by_stage}, {"by_grade", by_grade}};
    j["figures"] = figures_json(*figures);
  }
  return j;
}

json cluster_json(const ClusterRecord& c) {
  json members = json::array();
  for (const auto& [school, role] : c.members) members.push_back({{"school_id", school}, {"role", to_string(role)}});
  json j = {{"cluster_id", c.cluster_id}, {"name", c.name}, {"kind", to_string(c.kind)},
            {"created_on", c.created_on.to_string()}, {"members", members}};
  if (c.cycle_years) j["cycle_years"] = *c.cycle_years;
  if (c.dissolved_on) j["dissolved_on"] = c.dissolved_on->to_string();
  return j;
}

bool district_known(views::ViewStore& store, const std::string& district) {
  return views::Reader(store).has_district(district);
}

}  // namespace

void AuditService::install(httplib::Server& server) {
  auto timed = [this](const char* endpoint, auto handler) {
    return [this, endpoint, handler](const httplib::Request& req, httplib::Response& res) {
      auto started = std::chrono::steady_clock::now();
      std::string error;
      if (!follow(error)) {
        res.set_header("Retry-After", "2");
        reply_error(res, 503, error);
      } else {
        std::shared_lock lock(mu_);
        views::ViewStore* store = req.matches.size() > 1 ? store_for(req.matches[1]) : store_for("");
        handler(*store, req, res);
      }
      metrics_->observe(endpoint, res.status,
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    };
  };

  server.Get("/v1/districts", timed("districts", [this](views::ViewStore&, const httplib::Request&,
                                                          httplib::Response& res) {
    // Every district any store holds, each answered from the store that holds it now.
    std::set<std::string> districts;
    for (auto& s : stores_)
      if (s)
        for (auto& d : views::Reader(*s).districts()) districts.insert(std::move(d));
    json out = json::array(), consistent = json::array();
    Date today = today_in_beijing();
    for (const auto& district : districts) {
      views::ViewStore& store = *store_for(district);
      RegistryState state = registry_state(store, district, today, Timestamp::max());
      json d = {{"id", district}};
      if (state.district) {
        d["name"] = state.district->name;
        d["city"] = state.district->city;
      }
      std::size_t open = 0;
      for (const auto& [id, s] : state.schools) open += s.open();
      d["schools_open_today"] = open;
      out.push_back(d);
    }
    for (auto& s : stores_)
      if (s)
        for (const auto& p : consistent_to(*s)) consistent.push_back(p);
    reply_json(res, 200, {{"districts", out}, {"consistent_to", consistent}});
  }));

  // The parameters every district question shares: the district (404 when unknown), the
  // date, the recorded time. Replies and returns false when one is wrong.
  struct Question {
    std::string district;
    Date at;
    Timestamp as_of;
  };
  auto question = [](views::ViewStore& store, const httplib::Request& req, httplib::Response& res, Question& q) {
    q.district = req.matches[1];
    auto at = date_param(req, res, "at");
    if (!at) return false;
    auto as_of = recorded_param(req, res);
    if (!as_of) return false;
    if (!district_known(store, q.district)) {
      reply_error(res, 404, "no district '" + excerpt(q.district) + "' in the record");
      return false;
    }
    q.at = *at;
    q.as_of = *as_of;
    return true;
  };
  auto recorded_json = [](Timestamp as_of) { return as_of == Timestamp::max() ? json() : json(as_of.to_string()); };

  auto state = [this, question, recorded_json](views::ViewStore& store, const httplib::Request& req,
                                               httplib::Response& res) {
    Question q;
    if (!question(store, req, res, q)) return;
    DistrictState st = district_state(store, q.district, q.at, q.as_of);
    json schools = json::array(), totals = json::object();
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
    json clusters = json::array();
    for (const auto& [id, c] : st.registry.clusters)
      if (!c.dissolved_on) clusters.push_back(cluster_json(c));
    json body = {{"district", q.district}, {"at", q.at.to_string()}, {"recorded_at", recorded_json(q.as_of)},
                 {"schools", schools}, {"clusters", clusters}, {"closed_or_absorbed", closed},
                 {"totals", {{"schools", schools.size()}, {"figures", figures_json(all)}}},
                 {"consistent_to", consistent_to(store)}};
    if (st.registry.district) body["district_name"] = st.registry.district->name;
    reply_json(res, 200, body);
  };
  server.Get(R"(/v1/districts/([^/]+)/state)", timed("state", state));
  server.Get(R"(/v1/districts/([^/]+)/schools)", timed("schools", state));  // the roster; same answer

  // The standard asked for (?standard=) or the one in force; replies 404 and returns nullptr.
  auto pick_standard = [this](const httplib::Request& req, httplib::Response& res, const std::string& district,
                              Date at, std::string& why) -> const Standard* {
    if (req.has_param("standard")) {
      std::string id = req.get_param_value("standard");
      const Standard* s = standards_.find(id);
      if (!s) {
        std::string known;
        for (const auto& k : standards_.all()) known += (known.empty() ? "" : ", ") + k.id;
        reply_error(res, 404, "no standard '" + excerpt(id) + "'; known: " + known);
        return nullptr;
      }
      why = "asked for by the request (?standard=" + id + ")";
      return s;
    }
    const Standard* s = standards_.in_force(district, at, why);
    if (!s) reply_error(res, 404, why + ": ask for one with ?standard=");
    return s;
  };

  auto indicators = [this, question, recorded_json, pick_standard](views::ViewStore& store, const httplib::Request& req,
                                                                  httplib::Response& res, const std::string& as) {
    Question q;
    if (!question(store, req, res, q)) return;
    std::string why;
    const Standard* standard = pick_standard(req, res, q.district, q.at, why);
    if (!standard) return;
    DistrictState st = district_state(store, q.district, q.at, q.as_of);
    IndicatorReport report = compute_indicators(st, *standard);
    report.why_this_standard = why;
    std::string name = st.registry.district ? st.registry.district->name : q.district;
    std::string asked = as;
    if (asked.empty()) asked = req.has_param("format") ? req.get_param_value("format") : "json";
    auto parsed_format = parse_format(asked);
    if (!parsed_format) {
      reply_error(res, 400, parsed_format.error);
      return;
    }
    const std::string& format = *parsed_format;
    if (format == "xlsx") {
      res.status = 200;
      res.set_header("Content-Disposition", "attachment; filename=\"" + q.district + "-indicators-" + q.at.to_string() + ".xlsx\"");
      res.set_content(report_xlsx(report, name, q.at), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      return;
    }
    if (format == "csv") {
      res.status = 200;
      res.set_header("Content-Disposition", "attachment; filename=\"" + q.district + "-indicators-" + q.at.to_string() + ".csv\"");
      res.set_content("\xEF\xBB\xBF" + report_csv(report, name, q.at), "text/csv; charset=utf-8");  // BOM: Excel reads UTF-8
      return;
    }
    json body = report_json(report);
    body["district"] = q.district;
    body["district_name"] = name;
    body["at"] = q.at.to_string();
    body["recorded_at"] = recorded_json(q.as_of);
    body["consistent_to"] = consistent_to(store);
    reply_json(res, 200, body);
  };
  server.Get(R"(/v1/districts/([^/]+)/indicators)",
             timed("indicators", [indicators](views::ViewStore& store, const httplib::Request& req,
                                              httplib::Response& res) { indicators(store, req, res, ""); }));
  server.Get(R"(/v1/districts/([^/]+)/indicators\.csv)",
             timed("indicators_csv", [indicators](views::ViewStore& store, const httplib::Request& req,
                                                  httplib::Response& res) { indicators(store, req, res, "csv"); }));
  server.Get(R"(/v1/districts/([^/]+)/indicators\.xlsx)",
             timed("indicators_xlsx", [indicators](views::ViewStore& store, const httplib::Request& req,
                                                   httplib::Response& res) { indicators(store, req, res, "xlsx"); }));

  server.Get(R"(/v1/districts/([^/]+)/indicators/series)",
             timed("indicators_series", [this, pick_standard](views::ViewStore& store, const httplib::Request& req,
                                                              httplib::Response& res) {
               std::string district = req.matches[1];
               std::optional<Date> from, to;
               if (!period_params(req, res, from, to)) return;
               auto as_of = recorded_param(req, res);
               if (!as_of) return;
               std::string asked = req.has_param("step") ? req.get_param_value("step") : "year";
               auto parsed_step = parse_step(asked);
               if (!parsed_step) {
                 reply_error(res, 400, parsed_step.error);
                 return;
               }
               const std::string& step = *parsed_step;
               if (!district_known(store, district)) {
                 reply_error(res, 404, "no district '" + excerpt(district) + "' in the record");
                 return;
               }
               std::string text = from->to_string();
               int year = std::stoi(text.substr(0, 4)), month = std::stoi(text.substr(5, 2)), day = std::stoi(text.substr(8, 2));
               json points = json::array();
               for (int k = 0; k < 1200; ++k) {
                 int y = step == "year" ? year + k : year + (month - 1 + k) / 12;
                 int m = step == "year" ? month : (month - 1 + k) % 12 + 1;
                 Date at = Date::from_ymd(y, unsigned(m), unsigned(std::min(day, 28)));
                 if (day > 28) at = Date{at.days + (day - 28)};  // 29-31 run on into the next month when short
                 if (*to < at) break;
                 std::string why;
                 const Standard* standard = pick_standard(req, res, district, at, why);
                 json point = {{"at", at.to_string()}};
                 if (!standard) {
                   res.status = 200;
                   point["standard"] = nullptr;
                   point["why"] = why;
                   points.push_back(point);
                   continue;
                 }
                 IndicatorReport report = compute_indicators(district_state(store, district, at, *as_of), *standard);
                 point["standard"] = standard->id;
                 point["complies"] = report.complies ? json(*report.complies) : json();
                 json stages = json::object();
                 for (const auto& s : report.stages) {
                   json cvs = json::object();
                   for (const auto& i : s.indicators) cvs[i.id] = i.cv ? json(*i.cv) : json();
                   stages[std::string(to_string(s.stage))] = {
                       {"cv", cvs}, {"composite_cv", s.composite_cv ? json(*s.composite_cv) : json()},
                       {"passes", s.passes ? json(*s.passes) : json()}, {"schools_counted", s.schools_counted},
                       {"students", s.students}};
                 }
                 point["stages"] = stages;
                 points.push_back(point);
               }
               reply_json(res, 200, {{"district", district}, {"from", from->to_string()}, {"to", to->to_string()},
                                     {"step", step}, {"points", points}, {"consistent_to", consistent_to(store)}});
             }));

  // The audit trail: the district's events in apply order, paged by an opaque cursor.
  server.Get(R"(/v1/districts/([^/]+)/events)",
             timed("events", [this](views::ViewStore& store, const httplib::Request& req, httplib::Response& res) {
               std::string district = req.matches[1];
               std::optional<Date> from = Date{std::numeric_limits<std::int32_t>::min() / 2};
               std::optional<Date> to = Date{std::numeric_limits<std::int32_t>::max() / 2};
               if (req.has_param("from") && !(from = date_param(req, res, "from"))) return;
               if (req.has_param("to") && !(to = date_param(req, res, "to"))) return;
               auto as_of = recorded_param(req, res);
               if (!as_of) return;
               std::size_t limit = 100;
               if (req.has_param("limit")) {
                 auto parsed_limit = parse_limit(req.get_param_value("limit"));
                 if (!parsed_limit) {
                   reply_error(res, 400, parsed_limit.error);
                   return;
                 }
                 limit = *parsed_limit;
               }
               std::set<std::string> types;
               for (std::size_t k = 0, n = req.get_param_value_count("type"); k < n; ++k) {
                 std::string t = req.get_param_value("type", k);
                 for (std::size_t pos = 0; pos <= t.size();) {
                   std::size_t comma = std::min(t.find(',', pos), t.size());
                   if (comma > pos) types.insert(t.substr(pos, comma - pos));
                   pos = comma + 1;
                 }
               }
               if (!district_known(store, district)) {
                 reply_error(res, 404, "no district '" + excerpt(district) + "' in the record");
                 return;
               }
               std::string begin = views::district_order_key(district, *from, Timestamp{INT64_MIN}, {});
               if (req.has_param("after")) {
                 auto after = parse_cursor(req.get_param_value("after"), district);
                 if (!after) {
                   reply_error(res, 400, after.error);
                   return;
                 }
                 begin = *after + '\0';
               }
               std::string end = views::district_after_date(district, *to);
               rocksdb::Slice upper(end);
               rocksdb::ReadOptions ro;
               ro.iterate_upper_bound = &upper;
               ro.prefix_same_as_start = true;
               views::Reader reader(store);
               auto it = reader.iterator(views::Family::district_log, ro);
               json events = json::array();
               std::string last;
               bool more = false;
               for (it->Seek(begin); it->Valid(); it->Next()) {
                 std::string key(it->value().data(), it->value().size());
                 auto found = reader.event_at_key(key);
                 if (!found) continue;
                 const Event& e = found->event;
                 if (*e.envelope.recorded_at > *as_of) continue;
                 if (!types.empty() && !types.count(type_name(e.data))) continue;
                 if (events.size() == limit) {
                   more = true;
                   break;
                 }
                 json j = json::parse(encode_event(e));
                 // Retracted? Say when (the retraction is in the trail too).
                 if (auto t = reader.retracted_at(key, district, *as_of)) j["retracted_at"] = t->to_string();
                 events.push_back(std::move(j));
                 last = it->key().ToString();
               }
               json body = {{"district", district}, {"events", events}, {"consistent_to", consistent_to(store)}};
               body["next"] = more ? json(encode_cursor(last)) : json();
               reply_json(res, 200, body);
             }));

  server.Get(R"(/v1/districts/([^/]+)/rotations)",
             timed("rotations", [this](views::ViewStore& store, const httplib::Request& req, httplib::Response& res) {
               std::string district = req.matches[1];
               std::optional<Date> from, to;
               if (!period_params(req, res, from, to)) return;
               auto as_of = recorded_param(req, res);
               if (!as_of) return;
               if (!district_known(store, district)) {
                 reply_error(res, 404, "no district '" + excerpt(district) + "' in the record");
                 return;
               }
               std::optional<std::string> cluster;
               if (req.has_param("cluster")) cluster = req.get_param_value("cluster");
               json body = rotations(store, district, *from, *to, *as_of, cluster);
               body["consistent_to"] = consistent_to(store);
               reply_json(res, 200, body);
             }));

  server.Get(R"(/v1/districts/([^/]+)/admissions)",
             timed("admissions", [this](views::ViewStore& store, const httplib::Request& req, httplib::Response& res) {
               std::string district = req.matches[1];
               auto as_of = recorded_param(req, res);
               if (!as_of) return;
               auto parsed_year = parse_year(req.get_param_value("year"));
               if (!parsed_year) {
                 reply_error(res, 400, parsed_year.error);
                 return;
               }
               int year = *parsed_year;
               if (!district_known(store, district)) {
                 reply_error(res, 404, "no district '" + excerpt(district) + "' in the record");
                 return;
               }
               json body = admissions(store, district, year, *as_of);
               body["consistent_to"] = consistent_to(store);
               reply_json(res, 200, body);
             }));

  server.Get(R"(/v1/districts/([^/]+)/diff)",
             timed("diff", [this, recorded_json](views::ViewStore& store, const httplib::Request& req,
                                                 httplib::Response& res) {
               std::string district = req.matches[1];
               std::optional<Date> from, to;
               if (!period_params(req, res, from, to)) return;
               auto from_recorded = recorded_param(req, res, "from_recorded_at");
               if (!from_recorded) return;
               auto to_recorded = recorded_param(req, res, "to_recorded_at");
               if (!to_recorded) return;
               if (!district_known(store, district)) {
                 reply_error(res, 404, "no district '" + excerpt(district) + "' in the record");
                 return;
               }
               DistrictState before = district_state(store, district, *from, *from_recorded);
               DistrictState after = district_state(store, district, *to, *to_recorded);
               DistrictDiff d = diff(store, before, after, 500);
               auto figure_changes = [](const std::vector<FigureChange>& changes) {
                 json out = json::array();
                 for (const auto& c : changes) {
                   // In natural units, as /state shows them: m² and yuan.
                   Unit unit = unit_of(c.measure);
                   auto v = [&](std::int64_t n) { return unit == Unit::count ? json(n) : json(natural(c.measure, n)); };
                   out.push_back({{"section", to_string(c.section)}, {"measure", to_string(c.measure)}, {"unit", to_string(unit)},
                                  {"before", v(c.before)}, {"after", v(c.after)}, {"change", v(c.after - c.before)}});
                 }
                 return out;
               };
               json opened = json::array(), stopped = json::array(), changed = json::array(), events = json::array();
               for (const auto* s : d.opened) opened.push_back({{"school_id", s->school_id}, {"name", s->name}, {"opened_on", s->opened_on.to_string()}});
               for (const auto* s : d.stopped) {
                 json j = {{"school_id", s->school_id}, {"name", s->name}};
                 if (s->closed_on) j["closed_on"] = s->closed_on->to_string();
                 if (s->merged_into) j["merged_into"] = *s->merged_into;
                 if (s->closed_reason) j["reason"] = *s->closed_reason;
                 stopped.push_back(j);
               }
               for (const auto& c : d.changed)
                 changed.push_back({{"school_id", c.school_id}, {"name", c.name}, {"record", c.record},
                                    {"figures", figure_changes(c.figures)}});
               for (const auto& e : d.events) {
                 json j = json::parse(encode_event(e.event));
                 if (e.correction) j["correction"] = true;
                 events.push_back(std::move(j));
               }
               std::size_t total = 0;
               for (const auto& [type, n] : d.events_by_type) total += n;
               reply_json(res, 200, {{"district", district},
                                     {"from", {{"at", from->to_string()}, {"recorded_at", recorded_json(*from_recorded)}}},
                                     {"to", {{"at", to->to_string()}, {"recorded_at", recorded_json(*to_recorded)}}},
                                     {"schools_opened", opened}, {"schools_stopped", stopped}, {"schools_changed", changed},
                                     {"totals", figure_changes(d.totals)}, {"events", events},
                                     {"events_by_type", d.events_by_type}, {"events_total", total},
                                     {"events_truncated", events.size() < total},
                                     {"consistent_to", consistent_to(store)}});
             }));

  // An entity's own history: its events in apply order (with when each was retracted, if it
  // was) and its state on ?at=. ?district= saves looking the entity up.
  auto timeline_route = [this, timed](EntityKind kind, const char* endpoint) {
    return timed(endpoint, [this, kind](views::ViewStore&, const httplib::Request& req, httplib::Response& res) {
      std::string id = req.matches[1];
      auto at = date_param(req, res, "at");
      if (!at) return;
      auto as_of = recorded_param(req, res);
      if (!as_of) return;
      std::string district = req.has_param("district") ? req.get_param_value("district") : entity_district(kind, id);
      views::ViewStore* store = district.empty() ? nullptr : store_for(district);
      std::vector<views::ViewEntry> entries;
      if (store) entries = timeline(*store, district, kind, id, Date{std::numeric_limits<std::int32_t>::max() - 1}, Timestamp::max());
      if (entries.empty()) {
        reply_error(res, 404, std::string("no ") + (kind == EntityKind::school ? "school" : kind == EntityKind::teacher ? "teacher" : "cluster") +
                                  " '" + excerpt(id) + "' in the record" + (district.empty() ? "" : " of district '" + excerpt(district) + "'"));
        return;
      }
      json events = json::array();
      for (const auto& e : entries) {
        if (*e.event.envelope.recorded_at > *as_of) continue;
        json j = json::parse(encode_event(e.event));
        if (e.retracted_at && *e.retracted_at <= *as_of) j["retracted_at"] = e.retracted_at->to_string();
        events.push_back(std::move(j));
      }
      json body = {{"district", district}, {"at", at->to_string()}, {"events", events}, {"consistent_to", consistent_to(*store)}};
      if (kind == EntityKind::school) {
        body["school_id"] = id;
        RegistryState reg = registry_state(*store, district, *at, *as_of);
        auto s = reg.schools.find(id);
        if (s != reg.schools.end()) {
          json j = school_json(s->second, nullptr);
          if (s->second.closed_on) j["closed_on"] = s->second.closed_on->to_string();
          if (s->second.merged_into) j["merged_into"] = *s->second.merged_into;
          j["held_by"] = reg.resolve(id);
          body["on"] = j;
        } else {
          body["on"] = nullptr;  // not opened yet on that date
        }
      } else if (kind == EntityKind::teacher) {
        body["teacher_id"] = id;
        TeacherRecord t = teacher_on(*store, district, id, *at, *as_of);
        json j = {{"employed", t.employed}};
        if (t.ever_hired) {
          j.update({{"school_id", t.school_id}, {"stage", to_string(t.stage)}, {"subject", to_string(t.subject)},
                    {"qualification", to_string(t.qualification)}, {"title", to_string(t.title)},
                    {"full_time", t.full_time}, {"hired_on", t.hired_on.to_string()}});
          if (t.post_school) j["post_school_id"] = *t.post_school;
          json honours = json::array();
          for (const auto& [h, level] : t.honours) honours.push_back({{"honour", to_string(h)}, {"level", to_string(level)}});
          j["honours"] = honours;
          if (t.returns) j["returns"] = {{"on", t.returns->first.to_string()}, {"to_school_id", t.returns->second}};
          if (t.left) j["left"] = {{"reason", to_string(*t.left)}, {"on", t.left_on.to_string()}};
        }
        body["on"] = j;
      } else {
        body["cluster_id"] = id;
        auto c = cluster_on(*store, district, id, *at, *as_of);
        if (c) {
          json j = cluster_json(*c);
          RegistryState reg = registry_state(*store, district, *at, *as_of);
          for (auto& m : j["members"]) {
            auto s = reg.schools.find(m["school_id"].get<std::string>());
            if (s != reg.schools.end()) m["name"] = s->second.name;
          }
          body["on"] = j;
        } else {
          body["on"] = nullptr;
        }
      }
      reply_json(res, 200, body);
    });
  };
  server.Get(R"(/v1/schools/([^/]+)/timeline)", timeline_route(EntityKind::school, "school_timeline"));
  server.Get(R"(/v1/teachers/([^/]+)/timeline)", timeline_route(EntityKind::teacher, "teacher_timeline"));
  server.Get(R"(/v1/clusters/([^/]+))", timeline_route(EntityKind::cluster, "cluster"));

  // The web page and its assets, from the binary itself.
  auto serve = [](const std::string& name, httplib::Response& res) {
    for (const EmbeddedFile* f = kWebAssets; f->path; ++f)
      if (name == f->path) {
        res.status = 200;
        res.set_header("Cache-Control", "no-cache");
        res.set_content(reinterpret_cast<const char*>(f->bytes), f->size, f->type);
        return;
      }
    reply_error(res, 404, "no file '" + excerpt(name) + "'");
  };
  server.Get("/", [serve](const httplib::Request&, httplib::Response& res) { serve("index.html", res); });
  server.Get(R"(/ui/([A-Za-z0-9_.-]+))", [serve](const httplib::Request& req, httplib::Response& res) { serve(req.matches[1], res); });

  server.Get("/v1/standards", timed("standards", [this](views::ViewStore&, const httplib::Request&, httplib::Response& res) {
    json out = json::array();
    for (const auto& s : standards_.all()) out.push_back(s.source);
    reply_json(res, 200, {{"standards", out}});
  }));
}

}  // namespace annals
