// The publishing service's HTTP face (the routes of publishing_service.h: reading a body's
// documents, replying with their outcomes, readiness, the schemas) and how it waits for its
// views to follow the topics. publish() itself is publishing_request.cpp.
#include "services/publisher/publishing_service.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>
#include <variant>

#include <httplib.h>

#include "events/json_codec.h"
#include "events/json_documents.h"
#include "events/schema.h"
#include "services/http/access.h"
#include "services/http/server.h"
#include "services/publisher/publishing_district_locks.h"
#include "services/publisher/publishing_metrics.h"

namespace annals {

using nlohmann::json;

PublishingService::PublishingService(System system, TopicNames topics, Producer& producer,
                                     views::ViewStore& store, prometheus::Registry& metrics)
    : system_(system), topics_(std::move(topics)), producer_(producer), store_(store),
      metrics_(std::make_unique<Metrics>(metrics)), locks_(std::make_unique<DistrictLocks>()) {}

PublishingService::~PublishingService() = default;

bool PublishingService::await_topics(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (System s : {System::registry, System::personnel, System::enrollment, System::finance}) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!await_topic(topics_.of(s), std::max(left, std::chrono::milliseconds(1)))) return false;
  }
  return true;
}

bool PublishingService::await_topic(const std::string& topic, std::chrono::milliseconds timeout) {
  const std::string& registry = topic;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::int64_t> ends;
  while ((ends = producer_.high_watermarks(registry, std::chrono::milliseconds(2000))).empty()) {
    // e.g. a topic still electing leaders
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (;;) {
    std::vector<std::int64_t> read(ends.size(), 0);
    for (const auto& p : store_.offsets())
      if (p.topic == registry && std::size_t(p.partition) < read.size())
        read[p.partition] = p.next_offset;
    bool caught_up = true;
    for (std::size_t p = 0; p < ends.size(); ++p) caught_up &= read[p] >= ends[p];
    if (caught_up) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool PublishingService::caught_up_after_start(std::chrono::milliseconds timeout) {
  if (!caught_up_) {
    std::lock_guard lock(catch_up_mu_);
    if (!caught_up_ && await_topics(timeout)) caught_up_ = true;
  }
  return caught_up_;
}

namespace {

// The media types /v1/events reads; anything else is 415, so that a page in a browser (which
// may POST text/plain across sites without asking) cannot publish.
enum class BodyType { json, ndjson, other };
BodyType body_type(const httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (type == "application/json") return BodyType::json;
  if (type == "application/x-ndjson") return BodyType::ndjson;
  return BodyType::other;
}

// The documents of a /v1/events body, or why the whole body is refused.
std::variant<Documents, DocumentsError> read_documents(const httplib::Request& req) {
  BodyType type = body_type(req);
  if (type == BodyType::other)
    return DocumentsError{415, "Content-Type must be application/json or application/x-ndjson"};
  return split_documents(req.body, type == BodyType::ndjson,
                         DocumentLimits{.max_documents = PublishingService::kMaxBatch});
}

// The reply to a batch: how many events were accepted, rejected and unavailable, and one
// result per event, in order; 503 when any was unavailable, 200 otherwise.
void reply_batch(httplib::Response& res, const std::vector<PublishingService::Outcome>& outcomes) {
  json results = json::array();
  std::size_t accepted = 0, rejected = 0, unavailable = 0;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    json r = outcomes[i].body;
    r["index"] = i;
    results.push_back(std::move(r));
    if (outcomes[i].status == 201) ++accepted;
    else if (outcomes[i].status >= 500) ++unavailable;
    else ++rejected;
  }
  reply_json(res, unavailable ? 503 : 200,
             {{"accepted", accepted},
              {"rejected", rejected},
              {"unavailable", unavailable},
              {"results", results}});
}

}  // namespace

void PublishingService::install(httplib::Server& server, const Access& access) {
  server.Post("/v1/events", [this, &access](const httplib::Request& req, httplib::Response& res) {
    post_events(req, res, access);
  });
  server.Get("/ready", [this](const httplib::Request&, httplib::Response& res) { get_ready(res); });
  server.Get("/v1/schemas",
             [this](const httplib::Request&, httplib::Response& res) { get_schemas(res); });
}

void PublishingService::post_events(const httplib::Request& req, httplib::Response& res,
                                    const Access& access) {
  auto publisher = access.authorize(req, res, {auth::Role::source});
  if (!publisher) return;
  if (publisher->system != system_) {
    metrics_->rejected.Add({{"reason", "forbidden"}}).Increment();
    return reply_forbidden(res, "the identity '" + publisher->name + "' publishes " +
                                    std::string(to_string(publisher->system)) +
                                    " events, not to the " + std::string(to_string(system_)) +
                                    " service");
  }
  metrics_->in_flight.Increment();
  auto started = std::chrono::steady_clock::now();
  auto split = read_documents(req);
  if (auto* refused = std::get_if<DocumentsError>(&split)) {
    metrics_->rejected
        .Add({{"reason", refused->status == 415 ? "unsupported_media_type" : "invalid"}})
        .Increment();
    reply_error(res, refused->status, refused->message,
                refused->status == 400 ? std::vector<Violation>{{"", refused->message}}
                                       : std::vector<Violation>{});
  } else {
    auto& [batch, docs, errors] = std::get<Documents>(split);
    std::vector<Outcome> outcomes = publish(docs, errors, *publisher);
    if (!batch) reply_json(res, outcomes[0].status, outcomes[0].body);
    else reply_batch(res, outcomes);
    if (res.status == 503) res.set_header("Retry-After", "5");
  }
  metrics_->latency.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  metrics_->in_flight.Decrement();
}

void PublishingService::get_ready(httplib::Response& res) {
  if (!caught_up_after_start(std::chrono::seconds(2))) {
    res.set_header("Retry-After", "2");
    reply_error(res, 503, "still reading " + topics_.of(system_) + " after a start");
  } else if (producer_.broker_reachable(std::chrono::milliseconds(2000))) {
    reply_json(res, 200, {{"status", "ready"}});
  } else {
    res.set_header("Retry-After", "5");
    reply_error(res, 503, "the Kafka broker does not answer");
  }
}

void PublishingService::get_schemas(httplib::Response& res) {
  json out = json::array();
  for (const auto& doc : all_schemas()) {
    System owner = System::platform;
    for_each_payload_type([&]<class T>(std::type_identity<T>) {
      if (doc.type == T::kType) owner = T::kSystem;
    });
    if (owner != system_ && owner != System::platform) continue;
    out.push_back({{"type", doc.type},
                   {"version", doc.version},
                   {"current", doc.current},
                   {"schema", doc.schema}});
  }
  reply_json(res, 200,
             {{"system", to_string(system_)}, {"topic", topics_.of(system_)}, {"schemas", out}});
}

}  // namespace annals
