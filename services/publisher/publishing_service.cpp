#include "services/publisher/publishing_service.h"

#include <httplib.h>

#include <chrono>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "events/json_codec.h"
#include "events/json_documents.h"
#include "events/schema.h"
#include "services/http/server.h"
#include "services/kafka/cloudevents.h"
#include "services/projector/projection.h"
#include "services/publisher/rules.h"
#include "events/identifier.h"

#include <algorithm>
#include <map>
#include <thread>
#include <mutex>
#include <set>

namespace annals {

using nlohmann::json;

struct PublishingService::Metrics {
  explicit Metrics(prometheus::Registry& r)
      : accepted(prometheus::BuildCounter()
                     .Name("annals_events_accepted_total")
                     .Help("Events published and confirmed by the broker, by type.")
                     .Register(r)),
        rejected(prometheus::BuildCounter()
                     .Name("annals_events_rejected_total")
                     .Help("Events not published, by type and reason (invalid, a rule's name, unavailable).")
                     .Register(r)),
        latency(prometheus::BuildHistogram()
                    .Name("annals_publish_duration_seconds")
                    .Help("Time from receiving a request to the broker's confirmation.")
                    .Register(r)
                    .Add({}, prometheus::Histogram::BucketBoundaries{
                                 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})),
        in_flight(prometheus::BuildGauge()
                      .Name("annals_http_requests_in_flight")
                      .Help("Publish requests being handled.")
                      .Register(r)
                      .Add({})),
        queue_depth(prometheus::BuildGauge()
                        .Name("annals_producer_queue_depth")
                        .Help("Records handed to the Kafka producer and not yet confirmed.")
                        .Register(r)
                        .Add({})) {}
  prometheus::Family<prometheus::Counter>& accepted;
  prometheus::Family<prometheus::Counter>& rejected;
  prometheus::Histogram& latency;
  prometheus::Gauge& in_flight;
  prometheus::Gauge& queue_depth;
};

// One mutex per district, created on first use (a city has tens of districts, a country
// thousands: the map stays small).
class PublishingService::DistrictLocks {
 public:
  // Locks every district in `districts` (sorted, so two requests cannot deadlock).
  std::vector<std::unique_lock<std::mutex>> lock(const std::set<std::string>& districts) {
    std::vector<std::unique_lock<std::mutex>> held;
    for (const auto& d : districts) {
      std::mutex* m;
      {
        std::lock_guard guard(mu_);
        auto& slot = by_district_[d];
        if (!slot) slot = std::make_unique<std::mutex>();
        m = slot.get();
      }
      held.emplace_back(*m);
    }
    return held;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> by_district_;
};

PublishingService::PublishingService(System system, TopicNames topics, Producer& producer,
                                     views::ViewStore& store, prometheus::Registry& metrics)
    : system_(system), topics_(std::move(topics)), producer_(producer), store_(store),
      metrics_(std::make_unique<Metrics>(metrics)), locks_(std::make_unique<DistrictLocks>()) {}

PublishingService::~PublishingService() = default;

namespace {

json accepted_body(const Event& e, const std::string& topic, std::int32_t partition, std::int64_t offset) {
  return {{"status", "accepted"}, {"id", e.envelope.id}, {"type", type_name(e.data)},
          {"recorded_at", e.envelope.recorded_at->to_string()}, {"topic", topic},
          {"partition", partition}, {"offset", offset}};
}

}  // namespace

bool PublishingService::await_topics(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (System s : {System::registry, System::personnel, System::enrollment, System::finance}) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!await_topic(topics_.of(s), std::max(left, std::chrono::milliseconds(1)))) return false;
  }
  return true;
}

bool PublishingService::await_topic(const std::string& topic, std::chrono::milliseconds timeout) {
  const std::string& registry = topic;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::int64_t> ends;
  while ((ends = producer_.high_watermarks(registry, std::chrono::milliseconds(2000))).empty()) {
    if (std::chrono::steady_clock::now() > deadline) return false;  // e.g. a topic still electing leaders
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (;;) {
    std::vector<std::int64_t> read(ends.size(), 0);
    for (const auto& p : store_.offsets())
      if (p.topic == registry && std::size_t(p.partition) < read.size()) read[p.partition] = p.next_offset;
    bool caught_up = true;
    for (std::size_t p = 0; p < ends.size(); ++p) caught_up &= read[p] >= ends[p];
    if (caught_up) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<PublishingService::Outcome> PublishingService::publish(
    const std::vector<json>& documents, const std::vector<std::string>& parse_errors) {
  std::vector<Outcome> outcomes(documents.size());
  std::vector<std::optional<Event>> events(documents.size());
  std::set<std::string> districts;
  // Counted once per event at the end, whatever pass decided it.
  std::vector<std::pair<std::string, std::string>> refused(documents.size());  // (reason, type)
  auto reject = [&](std::size_t i, int status, const std::vector<Violation>& violations, const char* type,
                    std::size_t omitted = 0) {
    // Echo the id only when it is one: anything else may be long, deep or a terminal escape.
    json id = documents[i].is_object() && documents[i].contains("id") && documents[i]["id"].is_string() &&
                      is_uuid(documents[i]["id"].get_ref<const std::string&>())
                  ? documents[i]["id"] : json();
    outcomes[i] = {status, {{"status", "rejected"}, {"id", id}, {"violations", violations_json(violations)}}};
    if (omitted) outcomes[i].body["violations_omitted"] = omitted;
    refused[i] = {violations.empty() ? "invalid" : violations[0].code, type};
  };
  auto finish = [&]() {
    for (std::size_t i = 0; i < outcomes.size(); ++i)
      if (outcomes[i].status >= 400 && outcomes[i].status < 500 && !refused[i].first.empty())
        metrics_->rejected.Add({{"reason", refused[i].first}, {"type", refused[i].second}}).Increment();
    return outcomes;
  };

  // 1. The contract.
  for (std::size_t i = 0; i < documents.size(); ++i) {
    if (documents[i].is_discarded()) {
      reject(i, 400, {{"", parse_errors[i]}}, "unknown");
      continue;
    }
    Decoded decoded = decode_event(documents[i], Origin::submission);
    if (decoded.event) {
      System owner = system_of(decoded.event->data);
      if (owner != system_ && owner != System::platform)
        decoded.violations.push_back({"/type", std::string("belongs to the ") + std::string(to_string(owner)) +
                                                   " service, not the " + std::string(to_string(system_)) + " service",
                                      "wrong_service"});
    }
    if (!decoded.violations.empty()) {
      reject(i, 422, decoded.violations, decoded.event ? type_name(decoded.event->data) : "unknown",
             decoded.omitted);
      continue;
    }
    districts.insert(decoded.event->envelope.district);
    events[i] = std::move(decoded.event);
  }

  // Until the views have read this service's own topic to its end once (after a start or a
  // rebuild), an id cannot be known to be new: refuse rather than publish twice.
  if (!caught_up_) {
    std::lock_guard lock(catch_up_mu_);
    if (!caught_up_ && await_topics(std::chrono::seconds(10))) caught_up_ = true;
    if (!caught_up_) {
      for (std::size_t i = 0; i < documents.size(); ++i)
        if (events[i])
          outcomes[i] = {503, {{"status", "unavailable"}, {"id", events[i]->envelope.id},
                               {"error", "the service is still reading its topic after a start; try again shortly"}}};
      return finish();
    }
  }

  // 2. Idempotency and the domain rules, district by district under its lock, each event
  //    read against the views plus the events accepted before it in this request. A rule
  //    about schools may fail only because this service has not yet read the registry
  //    topic that far: then read up to its end and check once more.
  auto held = locks_->lock(districts);
  // An id whose earlier delivery ended unconfirmed may be in the log already: read the topic
  // to its end before deciding, so that a retry never writes a second record under it.
  bool uncertain = false;
  {
    std::lock_guard lock(uncertain_mu_);
    for (const auto& e : events)
      if (e && uncertain_.count(e->envelope.id)) uncertain = true;
  }
  if (uncertain && !await_topic(topics_.of(system_), std::chrono::seconds(10))) {
    for (std::size_t i = 0; i < documents.size(); ++i)
      if (events[i])
        outcomes[i] = {503, {{"status", "unavailable"}, {"id", events[i]->envelope.id},
                             {"error", "an earlier delivery of this batch is unconfirmed; try again shortly"}}};
    return finish();
  }
  const std::string topic = topics_.of(system_);
  Projection projection(store_, topics_);
  rocksdb::WriteBatchWithIndex overlay(rocksdb::BytewiseComparator(), 0, true);
  std::vector<ProducerRecord> records;
  std::vector<std::size_t> record_of;  // records[k] is documents[record_of[k]]
  std::vector<std::pair<std::size_t, std::size_t>> repeats;  // (document, its first copy)
  std::vector<Outcome> checked = outcomes;
  std::vector<std::vector<Violation>> deferred(documents.size());
  for (int pass = 0; pass < 2; ++pass) {
    overlay.Clear();
    records.clear();
    record_of.clear();
    repeats.clear();
    outcomes = checked;
    bool registry_dependent = false;
    views::Reader reader(store_, &overlay);
    std::map<std::string, std::size_t> first_in_request;
    for (std::size_t i = 0; i < documents.size(); ++i) {
      if (!events[i]) continue;
      Event& event = *events[i];
      const char* type = type_name(event.data);
      if (auto first = first_in_request.find(event.envelope.id); first != first_in_request.end()) {
        if (same_event(event, *events[first->second])) repeats.push_back({i, first->second});
        else reject(i, 409, {{"/id", "is used by a different event earlier in this request", "id_reused"}}, type);
        continue;
      }
      if (auto stored = store_.find_event(event.envelope.id)) {
        if (!same_event(event, stored->second)) {
          reject(i, 409, {{"/id", "was already used for a different event (recorded " +
                                      stored->second.envelope.recorded_at->to_string() + ")", "id_reused"}}, type);
        } else {
          json body = accepted_body(stored->second, topics_.prefix + std::string(to_string(stored->first.topic)),
                                    stored->first.partition, stored->first.offset);
          body["duplicate"] = true;
          outcomes[i] = {201, body};
        }
        continue;
      }
      std::vector<Violation> violations = check_rules(event, system_, reader);
      if (!violations.empty()) {
        for (const auto& v : violations)
          registry_dependent |= v.code == "school_not_open" || v.code == "school_unknown" ||
                                v.code == "stage_not_served" || v.code == "cluster_not_active";
        if (pass == 1 || system_ == System::registry) reject(i, 422, violations, type);
        else outcomes[i] = {422, {}}, deferred[i] = violations;  // decided on the second pass
        continue;
      }
      event.envelope.recorded_at = Timestamp::now();
      first_in_request[event.envelope.id] = i;
      // The log keeps what the producer sent (its schema version: upcast on read), stamped.
      json stamped = documents[i];
      stamped["recorded_at"] = event.envelope.recorded_at->to_string();
      event.envelope.schema_version = std::int64_t(documents[i].at("schema_version").get<double>());
      records.push_back(ProducerRecord{topic, event.envelope.district, stamped.dump(), cloudevent_headers(event)});
      record_of.push_back(i);
      // Seen by the rules of the events after it (a provisional position, never written).
      ConsumedRecord provisional{topic, INT32_MAX, std::int64_t(i), event.envelope.district, records.back().value};
      projection.stage({provisional}, overlay, /*advance_offsets=*/false);
    }
    bool undecided = std::any_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.status == 422 && o.body.is_null(); });
    if (!undecided) break;
    if (!registry_dependent || !await_topic(topics_.of(System::registry), std::chrono::seconds(5))) {
      // Nothing more to learn: the first pass's verdicts stand.
      for (std::size_t i = 0; i < documents.size(); ++i)
        if (outcomes[i].status == 422 && outcomes[i].body.is_null())
          reject(i, 422, deferred[i], type_name(events[i]->data));
      break;
    }
  }

  // 3. Publish, and write what the broker confirmed into the service's own views.
  if (!records.empty()) {
    metrics_->queue_depth.Set(producer_.queue_depth() + double(records.size()));
    std::vector<Delivery> deliveries = producer_.produce(records);
    metrics_->queue_depth.Set(producer_.queue_depth());
    std::vector<ConsumedRecord> confirmed;
    for (std::size_t k = 0; k < deliveries.size(); ++k) {
      const Delivery& d = deliveries[k];
      const Event& e = *events[record_of[k]];
      Outcome& out = outcomes[record_of[k]];
      if (d.ok) {
        out = {201, accepted_body(e, topic, d.partition, d.offset)};
        metrics_->accepted.Add({{"type", type_name(e.data)}}).Increment();
        confirmed.push_back({topic, d.partition, d.offset, records[k].key, records[k].value});
      } else {
        if (d.possibly_persisted) {
          std::lock_guard lock(uncertain_mu_);
          uncertain_.insert(e.envelope.id);
        }
        out = {d.retriable ? 503 : 500,
               {{"status", "unavailable"}, {"id", e.envelope.id},
                {"error", "the broker did not confirm the event: " + d.error}}};
        metrics_->rejected.Add({{"reason", "unavailable"}, {"type", type_name(e.data)}}).Increment();
      }
    }
    if (!confirmed.empty()) {
      rocksdb::WriteBatchWithIndex batch(rocksdb::BytewiseComparator(), 0, true);
      projection.stage(confirmed, batch, /*advance_offsets=*/false);
      rocksdb::Status s = store_.db()->Write(rocksdb::WriteOptions(), batch.GetWriteBatch());
      if (!s.ok()) throw std::runtime_error("writing the service's views: " + s.ToString());
    }
  }
  for (auto [i, first] : repeats) {
    outcomes[i] = outcomes[first];
    if (outcomes[i].status == 201) outcomes[i].body["duplicate"] = true;
  }
  return finish();
}

namespace {

// The media types /v1/events reads; anything else is 415, so that a page in a browser (which
// may POST text/plain across sites without asking) cannot publish.
enum class BodyType { json, ndjson, other };
BodyType body_type(const httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  if (type == "application/json") return BodyType::json;
  if (type == "application/x-ndjson") return BodyType::ndjson;
  return BodyType::other;
}

}  // namespace

void PublishingService::install(httplib::Server& server) {
  server.Post("/v1/events", [this](const httplib::Request& req, httplib::Response& res) {
    metrics_->in_flight.Increment();
    auto started = std::chrono::steady_clock::now();
    BodyType type = body_type(req);
    auto split = type == BodyType::other
                     ? std::variant<Documents, DocumentsError>(DocumentsError{
                           415, "Content-Type must be application/json or application/x-ndjson"})
                     : split_documents(req.body, type == BodyType::ndjson,
                                       DocumentLimits{.max_documents = kMaxBatch});
    if (auto* refused = std::get_if<DocumentsError>(&split)) {
      metrics_->rejected.Add({{"reason", refused->status == 415 ? "unsupported_media_type" : "invalid"}})
          .Increment();
      reply_error(res, refused->status, refused->message,
                  refused->status == 400 ? std::vector<Violation>{{"", refused->message}}
                                         : std::vector<Violation>{});
    } else {
      auto& [batch, docs, errors] = std::get<Documents>(split);
      std::vector<Outcome> outcomes = publish(docs, errors);
      if (!batch) {
        reply_json(res, outcomes[0].status, outcomes[0].body);
      } else {
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
                   {{"accepted", accepted}, {"rejected", rejected}, {"unavailable", unavailable},
                    {"results", results}});
      }
      if (res.status == 503) res.set_header("Retry-After", "5");
    }
    metrics_->latency.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    metrics_->in_flight.Decrement();
  });

  server.Get("/ready", [this](const httplib::Request&, httplib::Response& res) {
    if (!caught_up_) {
      std::lock_guard lock(catch_up_mu_);
      if (!caught_up_ && await_topics(std::chrono::seconds(2))) caught_up_ = true;
    }
    if (!caught_up_) {
      res.set_header("Retry-After", "2");
      reply_error(res, 503, "still reading " + topics_.of(system_) + " after a start");
    } else if (producer_.broker_reachable(std::chrono::milliseconds(2000))) {
      reply_json(res, 200, {{"status", "ready"}});
    } else {
      res.set_header("Retry-After", "5");
      reply_error(res, 503, "the Kafka broker does not answer");
    }
  });

  server.Get("/v1/schemas", [this](const httplib::Request&, httplib::Response& res) {
    json out = json::array();
    for (const auto& doc : all_schemas()) {
      System owner = System::platform;
      for_each_payload_type([&]<class T>(std::type_identity<T>) {
        if (doc.type == T::kType) owner = T::kSystem;
      });
      if (owner != system_ && owner != System::platform) continue;
      out.push_back({{"type", doc.type}, {"version", doc.version}, {"current", doc.current},
                     {"schema", doc.schema}});
    }
    reply_json(res, 200, {{"system", to_string(system_)}, {"topic", topics_.of(system_)}, {"schemas", out}});
  });
}

}  // namespace annals
