// PublishingService::publish: one request's way from documents to outcomes. The contract,
// the catch-up gates (the views read after a start; unconfirmed deliveries settled), the
// idempotency and domain rules checked against the views plus an in-memory overlay of the
// request's earlier events, producing, and writing what the broker confirmed into the
// service's own views.
#include <algorithm>
#include <chrono>
#include <climits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "events/identifier.h"
#include "events/json_codec.h"
#include "services/http/server.h"
#include "services/kafka/cloudevents.h"
#include "services/projector/projection.h"
#include "services/publisher/publishing_district_locks.h"
#include "services/publisher/publishing_metrics.h"
#include "services/publisher/publishing_service.h"
#include "services/publisher/rules.h"

namespace annals {

using nlohmann::json;

namespace {
// 403 when a rule refused the event for who sent it (a retraction of another source's
// event), 422 when for what it says.
int refusal_status(const std::vector<Violation>& violations) {
  for (const auto& v : violations)
    if (v.code == "retraction_other_source") return 403;
  return 422;
}

// The violations that forbid `publisher` to publish `event` (empty when none).
std::vector<Violation> outside_grant(const Event& event, const auth::Identity& publisher) {
  std::vector<Violation> out;
  if (!publisher.scope.grants(event.envelope.district))
    out.push_back({"/district",
                   "the identity '" + publisher.name + "' is not granted district '" +
                       event.envelope.district + "'",
                   "district_not_granted"});
  if (!publisher.sources.grants(event.envelope.source))
    out.push_back({"/source",
                   "is not a source the identity '" + publisher.name +
                       "' publishes under: the source is the credential's, not the body's",
                   "source_not_yours"});
  return out;
}

}  // namespace

// One publish() call: the documents, the events decoded from them, and each one's outcome.
struct PublishingService::Request {
  Request(const std::vector<json>& docs, const auth::Identity& who)
      : documents(docs), publisher(who), outcomes(docs.size()), events(docs.size()),
        refused(docs.size()), deferred(docs.size()) {}

  // Refuses document i with `status` and `violations`; counted under the first violation's
  // code (or "invalid") and `type` by finish().
  void reject(std::size_t i, int status, const std::vector<Violation>& violations, const char* type,
              std::size_t omitted = 0) {
    // Echo the id only when it is one: anything else may be long, deep or a terminal escape.
    const json& doc = documents[i];
    json id = doc.is_object() && doc.contains("id") && doc["id"].is_string() &&
                      is_uuid(doc["id"].get_ref<const std::string&>())
                  ? doc["id"]
                  : json();
    outcomes[i] = {
        status, {{"status", "rejected"}, {"id", id}, {"violations", violations_json(violations)}}};
    if (omitted) outcomes[i].body["violations_omitted"] = omitted;
    refused[i] = {violations.empty() ? "invalid" : violations[0].code, type};
  }
  // Answers every valid event 503 with `error` (the request is not checked further).
  Request& unavailable(const char* error) {
    for (std::size_t i = 0; i < documents.size(); ++i)
      if (events[i])
        outcomes[i] = {
            503, {{"status", "unavailable"}, {"id", events[i]->envelope.id}, {"error", error}}};
    return *this;
  }
  // True while an event waits for the second pass's verdict (422 without a body yet).
  bool undecided() const {
    return std::any_of(outcomes.begin(), outcomes.end(),
                       [](const Outcome& o) { return o.status == 422 && o.body.is_null(); });
  }
  // Nothing more to learn: the first pass's verdicts stand.
  void reject_deferred() {
    for (std::size_t i = 0; i < documents.size(); ++i)
      if (outcomes[i].status == 422 && outcomes[i].body.is_null())
        reject(i, refusal_status(deferred[i]), deferred[i], type_name(events[i]->data));
  }
  // A document repeating an earlier one of the request gets that one's outcome.
  void copy_repeats(const std::vector<std::pair<std::size_t, std::size_t>>& repeats) {
    for (auto [i, first] : repeats) {
      outcomes[i] = outcomes[first];
      if (outcomes[i].status == 201) outcomes[i].body["duplicate"] = true;
    }
  }

  const std::vector<json>& documents;
  const auth::Identity& publisher;
  std::vector<Outcome> outcomes;
  std::vector<std::optional<Event>> events;  // the documents that meet the contract
  std::set<std::string> districts;           // of those events
  // Counted once per event at the end, whatever pass decided it.
  std::vector<std::pair<std::string, std::string>> refused;  // (reason, type)
  std::vector<std::vector<Violation>> deferred;  // first-pass violations, for the second
};

// A pass of the domain rules: what it lets through, to produce.
struct PublishingService::Checked {
  int pass = 0;
  std::vector<ProducerRecord> records;
  std::vector<std::size_t> record_of;  // records[k] is documents[record_of[k]]
  std::vector<std::pair<std::size_t, std::size_t>> repeats;  // (document, its first copy)
  std::map<std::string, std::size_t> first_in_request;       // id -> its record's document
  bool registry_dependent = false;  // a refusal that reading the registry further may lift
};

// The records the broker confirmed, at their log positions, and their events.
struct PublishingService::Confirmed {
  std::vector<ConsumedRecord> records;
  std::vector<const Event*> events;  // events[k] is records[k]'s, as the log decodes it
};

namespace {

json accepted_body(const Event& e, const std::string& topic, std::int32_t partition,
                   std::int64_t offset) {
  return {{"status", "accepted"},
          {"id", e.envelope.id},
          {"type", type_name(e.data)},
          {"recorded_at", e.envelope.recorded_at->to_string()},
          {"topic", topic},
          {"partition", partition},
          {"offset", offset}};
}

}  // namespace

std::vector<PublishingService::Outcome> PublishingService::publish(
    const std::vector<json>& documents, const std::vector<std::string>& parse_errors,
    const auth::Identity& publisher, Transaction* transaction) {
  Request request(documents, publisher);
  check_contract(request, parse_errors);
  // Until the views have read this service's own topic to its end once (after a start or a
  // rebuild), an id cannot be known to be new: refuse rather than publish twice.
  if (!caught_up_after_start(std::chrono::seconds(10)))
    return finish(request.unavailable(
        "the service is still reading its topic after a start; try again shortly"));
  auto held = locks_->lock(request.districts);
  if (!settle_uncertain(request))
    return finish(
        request.unavailable("an earlier delivery of this batch is unconfirmed; try again shortly"));
  Projection projection(store_, topics_, {}, Keeps::rules);  // not the record
  Checked checked = check_domain_rules(request, projection);
  Confirmed confirmed =
      produce(request, checked, transaction ? transaction->producer() : producer_);
  request.copy_repeats(checked.repeats);
  if (transaction && !transaction->commit(request.outcomes))
    return finish(request.unavailable("the Kafka transaction did not commit; read again"));
  write_published(projection, confirmed);
  return finish(request);
}

void PublishingService::check_contract(Request& request,
                                       const std::vector<std::string>& parse_errors) {
  for (std::size_t i = 0; i < request.documents.size(); ++i) {
    if (request.documents[i].is_discarded()) {
      request.reject(i, 400, {{"", parse_errors[i]}}, "unknown");
      continue;
    }
    Decoded decoded = decode_event(request.documents[i], Origin::submission);
    if (decoded.event) {
      System owner = system_of(decoded.event->data);
      if (owner != system_ && owner != System::platform)
        decoded.violations.push_back({"/type",
                                      std::string("belongs to the ") +
                                          std::string(to_string(owner)) + " service, not the " +
                                          std::string(to_string(system_)) + " service",
                                      "wrong_service"});
    }
    if (!decoded.violations.empty()) {
      request.reject(i, 422, decoded.violations,
                     decoded.event ? type_name(decoded.event->data) : "unknown", decoded.omitted);
      continue;
    }
    if (auto forbidden = outside_grant(*decoded.event, request.publisher); !forbidden.empty()) {
      request.reject(i, 403, forbidden, type_name(decoded.event->data));
      continue;
    }
    request.districts.insert(decoded.event->envelope.district);
    request.events[i] = std::move(decoded.event);
  }
}

Timestamp PublishingService::stamp() {
  std::lock_guard lock(stamp_mu_);
  last_stamp_ = std::max(Timestamp::now().micros, last_stamp_ + 1);
  return Timestamp{last_stamp_};
}

bool PublishingService::settle_uncertain(const Request& request) {
  // An id whose earlier delivery ended unconfirmed may be in the log already: read the topic
  // to its end before deciding, so that a retry never writes a second record under it.
  bool uncertain = false;
  {
    std::lock_guard lock(uncertain_mu_);
    for (const auto& e : request.events)
      if (e && uncertain_.count(e->envelope.id)) uncertain = true;
  }
  return !uncertain || await_topic(topics_.of(system_), std::chrono::seconds(10));
}

PublishingService::Checked PublishingService::check_domain_rules(Request& request,
                                                                 Projection& projection) {
  // District by district under its lock (held by publish()), each event read against the
  // views plus the events accepted before it in this request. A rule about schools may fail
  // only because this service has not yet read the registry topic that far: then read up to
  // its end and check once more.
  std::vector<Outcome> checked = request.outcomes;
  Checked pass;
  for (int number = 0; number < 2; ++number) {
    pass = Checked{.pass = number};
    request.outcomes = checked;
    check_pass(request, projection, pass);
    if (!request.undecided()) break;
    if (!pass.registry_dependent ||
        !await_topic(topics_.of(System::registry), std::chrono::seconds(5))) {
      request.reject_deferred();
      break;
    }
  }
  return pass;
}

void PublishingService::check_pass(Request& request, Projection& projection, Checked& pass) {
  views::Batch overlay(store_);
  views::Reader reader(overlay);
  for (std::size_t i = 0; i < request.documents.size(); ++i) {
    if (!request.events[i] || known_id(request, i, pass)) continue;
    std::optional<ProducerRecord> record = check_event(request, i, reader, pass);
    if (!record) continue;
    pass.records.push_back(std::move(*record));
    pass.record_of.push_back(i);
    // Seen by the rules of the events after it (a provisional position, never written).
    const ProducerRecord& r = pass.records.back();
    ConsumedRecord provisional{r.topic, INT32_MAX, std::int64_t(i), r.key, r.value};
    projection.stage({provisional}, {&*request.events[i]}, overlay, /*advance_offsets=*/false);
  }
}

bool PublishingService::known_id(Request& request, std::size_t i, Checked& pass) {
  const Event& event = *request.events[i];
  const char* type = type_name(event.data);
  if (auto first = pass.first_in_request.find(event.envelope.id);
      first != pass.first_in_request.end()) {
    if (same_event(event, *request.events[first->second]))
      pass.repeats.push_back({i, first->second});
    else
      request.reject(i, 409,
                     {{"/id", "is used by a different event earlier in this request", "id_reused"}},
                     type);
    return true;
  }
  auto stored = store_.find_event(event.envelope.id);
  if (!stored) return false;
  if (!same_event(event, stored->second)) {
    request.reject(i, 409,
                   {{"/id",
                     "was already used for a different event (recorded " +
                         stored->second.envelope.recorded_at->to_string() + ")",
                     "id_reused"}},
                   type);
  } else {
    json body =
        accepted_body(stored->second, topics_.prefix + std::string(to_string(stored->first.topic)),
                      stored->first.partition, stored->first.offset);
    body["duplicate"] = true;
    request.outcomes[i] = {201, body};
  }
  return true;
}

std::optional<ProducerRecord> PublishingService::check_event(Request& request, std::size_t i,
                                                             views::Reader& reader, Checked& pass) {
  Event& event = *request.events[i];
  std::vector<Violation> violations = check_rules(event, system_, reader);
  if (!violations.empty()) {
    for (const auto& v : violations) pass.registry_dependent |= depends_on_registry(v.code);
    if (pass.pass == 1 || system_ == System::registry) {
      request.reject(i, refusal_status(violations), violations, type_name(event.data));
    } else {
      request.outcomes[i] = {422, {}};  // decided on the second pass
      request.deferred[i] = violations;
    }
    return std::nullopt;
  }
  pass.first_in_request[event.envelope.id] = i;
  // The log keeps what the producer sent (its schema version: upcast on read), stamped; the
  // event stays as the log decodes it, to be staged without decoding its record again.
  std::string value = logged_record(request.documents[i], event, stamp());
  auto sent_version = std::int64_t(request.documents[i].at("schema_version").get<double>());
  return ProducerRecord{topics_.of(system_), event.envelope.district, std::move(value),
                        cloudevent_headers(event, sent_version)};
}

PublishingService::Confirmed PublishingService::produce(Request& request, const Checked& checked,
                                                        Producer& producer) {
  if (checked.records.empty()) return {};
  const std::string topic = topics_.of(system_);
  metrics_->queue_depth.Set(producer.queue_depth() + double(checked.records.size()));
  std::vector<Delivery> deliveries = producer.produce(checked.records);
  metrics_->queue_depth.Set(producer.queue_depth());
  Confirmed confirmed;
  for (std::size_t k = 0; k < deliveries.size(); ++k) {
    const Delivery& d = deliveries[k];
    const Event& e = *request.events[checked.record_of[k]];
    Outcome& out = request.outcomes[checked.record_of[k]];
    if (!d.ok) {
      out = unconfirmed(e, d);
      continue;
    }
    out = {201, accepted_body(e, topic, d.partition, d.offset)};
    confirmed.records.push_back(
        {topic, d.partition, d.offset, checked.records[k].key, checked.records[k].value});
    confirmed.events.push_back(&e);
  }
  return confirmed;
}

PublishingService::Outcome PublishingService::unconfirmed(const Event& e, const Delivery& d) {
  if (d.possibly_persisted) {
    std::lock_guard lock(uncertain_mu_);
    uncertain_.insert(e.envelope.id);
  }
  metrics_->rejected.Add({{"reason", "unavailable"}, {"type", type_name(e.data)}}).Increment();
  return {d.retriable ? 503 : 500,
          {{"status", "unavailable"},
           {"id", e.envelope.id},
           {"error", "the broker did not confirm the event: " + d.error}}};
}

void PublishingService::write_published(Projection& projection, const Confirmed& confirmed) {
  if (confirmed.records.empty()) return;
  views::Batch batch(store_);
  projection.stage(confirmed.records, confirmed.events, batch, /*advance_offsets=*/false);
  rocksdb::Status s = store_.write(batch);
  if (!s.ok()) throw std::runtime_error("writing the service's views: " + s.ToString());
}

std::vector<PublishingService::Outcome> PublishingService::finish(Request& request) {
  for (std::size_t i = 0; i < request.outcomes.size(); ++i) {
    const Outcome& o = request.outcomes[i];
    if (o.status == 201 && !o.body.contains("duplicate"))
      metrics_->accepted.Add({{"type", type_name(request.events[i]->data)}}).Increment();
    if (o.status >= 400 && o.status < 500 && !request.refused[i].first.empty())
      metrics_->rejected
          .Add({{"reason", request.refused[i].first}, {"type", request.refused[i].second}})
          .Increment();
  }
  return std::move(request.outcomes);
}

}  // namespace annals
