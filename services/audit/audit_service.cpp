// The audit service's plumbing: following the projectors' stores (a follower thread), choosing the
// store that holds a district, timing every request, and installing the route table (routes.h) and
// the web page.
#include "services/audit/audit_service.h"

#include <filesystem>
#include <future>
#include <set>

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
                     .Register(r)),
        access_log(prometheus::BuildHistogram()
                       .Name("annals_audit_access_log_seconds")
                       .Help("Time for the broker to confirm (or refuse) the access log's record "
                             "of a personal read, by outcome.")
                       .Register(r)) {}
  // The buckets of both histograms, in seconds.
  static inline const prometheus::Histogram::BucketBoundaries kBuckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
  void observe(const std::string& endpoint, int status, double seconds) {
    requests.Add({{"endpoint", endpoint}, {"code", std::to_string(status)}}).Increment();
    duration.Add({{"endpoint", endpoint}}, kBuckets).Observe(seconds);
  }
  // Records a personal read in `log` (AccessLog::record), timing the broker's confirmation.
  bool record(AccessLog& log, const auth::Identity& who, const std::string& district,
              const std::string& endpoint, const std::string& target, int status) {
    auto started = std::chrono::steady_clock::now();
    bool recorded = log.record(who, district, endpoint, target, status);
    access_log.Add({{"outcome", recorded ? "recorded" : "refused"}}, kBuckets)
        .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return recorded;
  }
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& duration;
  prometheus::Family<prometheus::Histogram>& access_log;
};

// The long questions' nice value, below the process's: CFS then gives a thread of theirs about a
// ninth of the weight of a short question's when both want a core. The pool has a thread per
// connection thread (services/http/server.h), so a long question never waits for another.
constexpr int kBackgroundNice = 10;

AuditService::AuditService(std::vector<std::string> store_paths, std::string secondary_path,
                           Standards standards, std::unique_ptr<AccessLog> access_log,
                           prometheus::Registry& metrics)
    : store_paths_(std::move(store_paths)), secondary_path_(std::move(secondary_path)),
      standards_(std::move(standards)), access_log_(std::move(access_log)),
      metrics_(std::make_unique<Metrics>(metrics)),
      background_(kConnectionThreads, kBackgroundNice) {
  stores_.resize(store_paths_.size());
  std::string error;
  follow(error);  // the stores that exist now answer the first question
  follower_ = std::thread([this] {
    std::unique_lock lock(stop_mu_);
    while (!stop_.wait_for(lock, std::chrono::milliseconds(20), [this] { return stopping_; })) {
      lock.unlock();
      std::string ignored;  // a question reports it (503) while no store is open
      follow(ignored);
      lock.lock();
    }
  });
}

AuditService::~AuditService() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_.notify_all();
  follower_.join();
}

void AuditService::follow(std::string& error) {
  std::lock_guard following(follow_mu_);
  for (std::size_t i = 0; i < stores_.size(); ++i) {
    std::shared_ptr<FollowedStore> store;
    {
      std::lock_guard lock(stores_mu_);
      store = stores_[i];
    }
    if (store) {
      store->catch_up();
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
      auto opened = std::make_shared<FollowedStore>(store_paths_[i], own);
      std::lock_guard lock(stores_mu_);
      stores_[i] = std::move(opened);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
}

std::vector<std::shared_ptr<views::ViewStore>> AuditService::serving(std::string& error) {
  auto collect = [this] {
    std::vector<std::shared_ptr<views::ViewStore>> out;
    std::lock_guard lock(stores_mu_);
    for (const auto& store : stores_)
      if (store) out.push_back(store->serving());
    return out;
  };
  auto out = collect();
  if (out.empty()) {  // none yet: try now, and say why not
    follow(error);
    out = collect();
    if (out.empty() && error.empty()) error = "the views are not available yet";
  }
  return out;
}

namespace {

// The store of `stores` that holds `district` (the first when none does).
views::ViewStore& store_for(const std::vector<std::shared_ptr<views::ViewStore>>& stores,
                            const std::string& district) {
  // A district's events are all in one partition number of each topic (keyed by district;
  // the range assignor gives one projector the same partition of every topic). The store
  // furthest along that partition holds the district; a store that held it before a
  // rebalance is behind, or equal and then just as right.
  if (stores.size() == 1) return *stores[0];  // the usual case: nothing to choose
  views::ViewStore* best = stores[0].get();
  std::int64_t best_progress = -1;
  for (const auto& store : stores) {
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
  return *best;
}

// The stores as one question sees them: the instances serving when it began.
class QuestionStores final : public Stores {
 public:
  explicit QuestionStores(const std::vector<std::shared_ptr<views::ViewStore>>& stores)
      : stores_(stores) {}
  std::vector<views::Reader> all() override {
    std::vector<views::Reader> out;
    for (const auto& store : stores_) out.emplace_back(*store);
    return out;
  }
  views::Reader holding(const std::string& district) override {
    return store_for(stores_, district);
  }

 private:
  const std::vector<std::shared_ptr<views::ViewStore>>& stores_;
};

}  // namespace

void AuditService::ask(const Route& route, const auth::Identity& who, const httplib::Request& req,
                       httplib::Response& res, std::string& district,
                       std::future<bool>& recording) {
  std::string error;
  auto stores = serving(error);  // held until the answer is made: one state of the views
  if (stores.empty()) {
    res.set_header("Retry-After", "2");
    return reply_error(res, 503, error);
  }
  views::ViewStore& store = store_for(stores, req.matches.size() > 1 ? req.matches[1].str() : "");
  QuestionStores question_stores(stores);
  // The district a district route reads; a timeline's handler names its entity's.
  bool district_route = std::string_view(route.pattern).starts_with("/v1/districts/(");
  RouteContext context{store,
                       question_stores,
                       standards_,
                       who.scope,
                       district_route ? req.matches[1].str() : std::string(),
                       signing_key_.get(),
                       {}};
  if (route.personal)  // the record of an answer that is 200 unless making it fails (5xx)
    context.disclosing = [&] {
      recording = std::async(std::launch::async, [&, district = context.district] {
        return metrics_->record(*access_log_, who, district, route.endpoint, req.target, 200);
      });
    };
  if (route.background) background_.run([&] { route.handler(context, req, res); });
  else route.handler(context, req, res);
  district = context.district;
  // Which tree head the answer reflects: the sizes of the district's four logs in the views it
  // was read from (GET .../log/head?sizes= signs that head; docs/verifiable-log.md).
  if (district_route && res.status == 200) {
    std::string sizes;
    for (System log : transparency::kLogs)
      sizes += (sizes.empty() ? "" : ",") +
               std::to_string(transparency::log_size(context.reader, district, log));
    res.set_header("Annals-Log-Sizes", sizes);
  }
}

void AuditService::sign_heads_with(transparency::SigningKey key) {
  signing_key_ = std::make_unique<transparency::SigningKey>(std::move(key));
}

std::map<std::string, nlohmann::json> AuditService::signed_heads() {
  std::map<std::string, nlohmann::json> heads;
  if (!signing_key_) return heads;
  std::string error;
  for (const auto& store : serving(error)) {
    views::Reader reader(*store);
    for (const auto& district : reader.districts()) {
      if (heads.count(district)) continue;
      if (auto head = transparency::tree_head(reader, district))
        heads[district] = transparency::to_json(transparency::sign_head(*head, *signing_key_),
                                                signing_key_->public_key());
    }
  }
  return heads;
}

std::vector<DistrictVerdict> AuditService::verdicts(Date today) {
  std::vector<DistrictVerdict> out;
  std::string error;
  auto stores = serving(error);  // one state of the views for the whole computation
  QuestionStores held(stores);
  std::set<std::string> districts;
  for (views::Reader reader : held.all())
    for (auto& district : reader.districts()) districts.insert(std::move(district));
  for (const auto& district : districts) {
    std::string why;
    const Standard* standard = standards_.in_force(district, today, why);
    if (!standard) continue;
    views::Reader reader = held.holding(district);
    out.push_back(
        {district,
         compute_indicators(district_state(reader, district, today, Timestamp::max()), *standard)});
  }
  return out;
}

void AuditService::answer(const Route& route, const Access& access, const httplib::Request& req,
                          httplib::Response& res) {
  auto started = std::chrono::steady_clock::now();
  if (auto who = access.authorize(req, res, {auth::Role::reader})) {
    std::string district;
    std::future<bool> recording;  // begun by the route (RouteContext::disclosing)
    ask(route, *who, req, res, district, recording);
    // Recorded before it is sent, once the views are released (a broker round trip), unless
    // the route began the record while it made the answer.
    if (route.personal && res.status == 200 &&
        !(recording.valid() ? recording.get()
                            : metrics_->record(*access_log_, *who, district, route.endpoint,
                                               req.target, res.status))) {
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
