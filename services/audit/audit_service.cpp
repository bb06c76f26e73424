#include "services/audit/audit_service.h"

#include <httplib.h>

#include <filesystem>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <rocksdb/iterator.h>

#include "events/json_codec.h"
#include "services/history/headcount.h"
#include "services/history/registry_state.h"
#include "services/http/server.h"

namespace annals {

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

AuditService::AuditService(std::string store_path, std::string secondary_path, prometheus::Registry& metrics)
    : store_path_(std::move(store_path)), secondary_path_(std::move(secondary_path)),
      metrics_(std::make_unique<Metrics>(metrics)) {}

AuditService::~AuditService() = default;

views::ViewStore* AuditService::follow(std::string& error) {
  {
    std::lock_guard lock(open_mu_);
    if (!store_) {
      if (!std::filesystem::exists(std::filesystem::path(store_path_) / "CURRENT")) {
        error = "the views are not available yet: the projector has not created " + store_path_;
        return nullptr;
      }
      try {
        std::filesystem::create_directories(secondary_path_);
        store_ = views::ViewStore::open_secondary(store_path_, secondary_path_);
      } catch (const std::exception& e) {
        error = e.what();
        return nullptr;
      }
    }
  }
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  auto due = std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::milliseconds(20)).count();
  if (now - caught_up_.load() > due) {
    std::unique_lock lock(mu_);  // waits for readers; readers wait for it
    if (now - caught_up_.load() > due) {
      store_->catch_up();
      caught_up_ = now;
    }
  }
  return store_.get();
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
  std::string v = req.get_param_value(name);
  auto d = Date::parse(v);
  if (!d) reply_error(res, 400, std::string("query parameter '") + name + "' must be a date YYYY-MM-DD, got '" + v + "'");
  return d;
}

// Parses ?recorded_at= (default: no limit). A bare date means the end of that day in Beijing.
std::optional<Timestamp> recorded_param(const httplib::Request& req, httplib::Response& res) {
  if (!req.has_param("recorded_at")) return Timestamp::max();
  std::string v = req.get_param_value("recorded_at");
  if (auto t = Timestamp::parse(v)) return t;
  if (auto d = Date::parse(v))
    return Timestamp{(std::int64_t(d->days + 1) * 86400 - 8 * 3600) * 1'000'000 - 1};
  reply_error(res, 400, "query parameter 'recorded_at' must be an RFC 3339 timestamp or a date YYYY-MM-DD, got '" + v + "'");
  return std::nullopt;
}

json stages_json(const std::vector<Stage>& stages) {
  json out = json::array();
  for (Stage s : stages) out.push_back(to_string(s));
  return out;
}

json school_json(const SchoolRecord& s) {
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
  return j;
}

bool district_known(views::ViewStore& store, const std::string& district) {
  std::string prefix = views::district_prefix(district);
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(ro, store.family(views::Family::district_log)));
  it->Seek(prefix);
  return it->Valid() && it->key().starts_with(prefix);
}

}  // namespace

void AuditService::install(httplib::Server& server) {
  auto timed = [this](const char* endpoint, auto handler) {
    return [this, endpoint, handler](const httplib::Request& req, httplib::Response& res) {
      auto started = std::chrono::steady_clock::now();
      std::string error;
      views::ViewStore* store = follow(error);
      if (!store) {
        res.set_header("Retry-After", "2");
        reply_error(res, 503, error);
      } else {
        std::shared_lock lock(mu_);
        handler(*store, req, res);
      }
      metrics_->observe(endpoint, res.status,
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    };
  };

  server.Get("/v1/districts", timed("districts", [this](views::ViewStore& store, const httplib::Request&,
                                                          httplib::Response& res) {
    json out = json::array();
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;  // across districts, past the prefix extractor
    std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(ro, store.family(views::Family::district_log)));
    Date today = today_in_beijing();
    for (it->SeekToFirst(); it->Valid();) {
      std::string_view key(it->key().data(), it->key().size());
      std::string district(key.substr(0, key.find('\0')));
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
      std::string next = district;
      next.push_back('\x01');  // past every "<district>\0..." key
      it->Seek(next);
    }
    reply_json(res, 200, {{"districts", out}, {"consistent_to", consistent_to(store)}});
  }));

  server.Get(R"(/v1/districts/([^/]+)/schools)",
             timed("schools", [this](views::ViewStore& store, const httplib::Request& req, httplib::Response& res) {
               std::string district = req.matches[1];
               auto at = date_param(req, res, "at");
               if (!at) return;
               auto as_of = recorded_param(req, res);
               if (!as_of) return;
               if (!district_known(store, district)) {
                 reply_error(res, 404, "no district '" + district + "' in the record");
                 return;
               }
               RegistryState state = registry_state(store, district, *at, *as_of);
               json schools = json::array();
               std::size_t closed = 0;
               bool current = *as_of == Timestamp::max();
               for (const auto& [id, s] : state.schools) {
                 if (!s.open()) {
                   ++closed;
                   continue;
                 }
                 json j = school_json(s);
                 // Students on the date: the school's own and, from a merger on, the absorbed
                 // schools' (their students belong to the survivor). Current knowledge only.
                 if (current) {
                   Headcount count = headcount_on(store, district, s.school_id, *at);
                   for (const auto& a : s.absorbed)
                     for (const auto& [series, n] : headcount_on(store, district, a.school_id, *at)) count[series] += n;
                   json by_stage = json::object(), by_grade = json::object();
                   std::int64_t total = 0;
                   for (const auto& [series, n] : count) {
                     by_stage[std::string(to_string(series.first))] = by_stage.value(std::string(to_string(series.first)), 0) + n;
                     by_grade[std::to_string(series.second)] = by_grade.value(std::to_string(series.second), 0) + n;
                     total += n;
                   }
                   j["students"] = {{"total", total}, {"by_stage", by_stage}, {"by_grade", by_grade}};
                 }
                 schools.push_back(std::move(j));
               }
               json body = {{"district", district}, {"at", at->to_string()},
                            {"recorded_at", *as_of == Timestamp::max() ? json() : json(as_of->to_string())},
                            {"schools", schools}, {"closed_or_absorbed", closed},
                            {"consistent_to", consistent_to(store)}};
               if (state.district) body["district_name"] = state.district->name;
               reply_json(res, 200, body);
             }));
}

}  // namespace annals
