// The audit service's plumbing: following the projectors' stores, choosing the store that
// holds a district, timing every request, and installing the route table (routes.h) and the
// web page.
#include "services/audit/audit_service.h"

#include <filesystem>

#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "events/bounds.h"
#include "events/json_codec.h"  // Violation, for reply_error
#include "services/audit/request.h"
#include "services/audit/routes.h"
#include "services/http/access.h"
#include "services/http/server.h"

namespace annals {

struct EmbeddedFile {
  const char* path;
  const char* type;
  const unsigned char* bytes;
  std::size_t size;
};
extern const EmbeddedFile kWebAssets[];  // generated from services/audit/web/

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
             prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05, 0.1, 0.25, 1})
        .Observe(seconds);
  }
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& duration;
};

AuditService::AuditService(std::vector<std::string> store_paths, std::string secondary_path,
                           Standards standards, std::unique_ptr<AccessLog> access_log,
                           prometheus::Registry& metrics)
    : store_paths_(std::move(store_paths)), secondary_path_(std::move(secondary_path)),
      standards_(std::move(standards)), access_log_(std::move(access_log)),
      metrics_(std::make_unique<Metrics>(metrics)) {
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
        std::string own =
            stores_.size() == 1 ? secondary_path_ : secondary_path_ + "/store-" + std::to_string(i);
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
  auto due =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::milliseconds(20))
          .count();
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

// The stores as the routes see them; used under the read lock.
class AuditService::OpenStores final : public Stores {
 public:
  explicit OpenStores(AuditService& service) : service_(service) {}
  std::vector<views::Reader> all() override {
    std::vector<views::Reader> out;
    for (auto& store : service_.stores_)
      if (store) out.emplace_back(*store);
    return out;
  }
  views::Reader holding(const std::string& district) override {
    return *service_.store_for(district);
  }

 private:
  AuditService& service_;
};

void AuditService::ask(const Route& route, const auth::Identity& who, const httplib::Request& req,
                       httplib::Response& res, std::string& district) {
  std::string error;
  if (!follow(error)) {
    res.set_header("Retry-After", "2");
    return reply_error(res, 503, error);
  }
  std::shared_lock lock(mu_);
  views::ViewStore* store = req.matches.size() > 1 ? store_for(req.matches[1]) : store_for("");
  OpenStores stores(*this);
  // The district a district route reads; a timeline's handler names its entity's.
  bool district_route = std::string_view(route.pattern).starts_with("/v1/districts/(");
  RouteContext context{*store, stores, standards_, who.scope,
                       district_route ? req.matches[1].str() : std::string()};
  route.handler(context, req, res);
  district = context.district;
}

void AuditService::answer(const Route& route, const Access& access, const httplib::Request& req,
                          httplib::Response& res) {
  auto started = std::chrono::steady_clock::now();
  if (auto who = access.authorize(req, res, {auth::Role::reader})) {
    std::string district;
    ask(route, *who, req, res, district);
    // Recorded before it is sent, outside the read lock (a broker round trip).
    if (route.personal && res.status == 200 &&
        !access_log_->record(*who, district, route.endpoint, req.target, res.status)) {
      res = httplib::Response();
      res.set_header("Retry-After", "5");
      reply_error(res, 503,
                  "this read of personal records could not be recorded in the access log (the "
                  "Kafka broker did not confirm it), so it is not answered; try again shortly");
    }
  }
  metrics_->observe(
      route.endpoint, res.status,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

namespace {

// The web page and its assets, from the binary itself.
void serve(const std::string& name, httplib::Response& res) {
  for (const EmbeddedFile* f = kWebAssets; f->path; ++f)
    if (name == f->path) {
      res.status = 200;
      res.set_header("Cache-Control", "no-cache");
      res.set_content(reinterpret_cast<const char*>(f->bytes), f->size, f->type);
      return;
    }
  reply_error(res, 404, "no file '" + excerpt(name) + "'");
}

}  // namespace

void AuditService::list_access_log(const Access& access, const httplib::Request& req,
                                   httplib::Response& res) {
  auto auditor = access.authorize(req, res, {auth::Role::auditor});
  if (!auditor) return;
  AccessLog::Query q{auditor->scope, optional_param(req, "district").value_or(""),
                     optional_param(req, "name").value_or(""), 1000};
  if (auto text = optional_param(req, "limit")) {
    auto limit = or_400(parse_limit(*text), res);
    if (!limit) return;
    q.limit = *limit;
  }
  try {
    reply_json(res, 200, access_log_->list(q));
  } catch (const std::exception& e) {
    res.set_header("Retry-After", "5");
    reply_error(res, 503, std::string("the access log cannot be read now: ") + e.what());
  }
}

void AuditService::install(httplib::Server& server, const Access& access) {
  for (const Route& route : route_table())
    server.Get(route.pattern,
               [this, route, &access](const httplib::Request& req, httplib::Response& res) {
                 answer(route, access, req, res);
               });
  server.Get("/v1/whoami", [&access](const httplib::Request& req, httplib::Response& res) {
    if (auto who = access.authenticate(req, res)) reply_json(res, 200, identity_json(*who));
  });
  server.Get("/v1/access-log",
             [this, &access](const httplib::Request& req, httplib::Response& res) {
               list_access_log(access, req, res);
             });
  server.Get("/",
             [](const httplib::Request&, httplib::Response& res) { serve("index.html", res); });
  server.Get(R"(/ui/([A-Za-z0-9_.-]+))", [](const httplib::Request& req, httplib::Response& res) {
    serve(req.matches[1], res);
  });
}

}  // namespace annals
