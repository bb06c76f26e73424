// The publishing service: how one municipal system's events enter Annals over HTTP.
//
//   POST /v1/events     one event (JSON object), a batch (JSON array), or NDJSON
//                       (Content-Type: application/x-ndjson). Each event is validated against
//                       the contract, stamped with recorded_at, published to this system's
//                       topic, and acknowledged only once the broker has it.
//   GET  /v1/schemas    the event types and versions this service accepts
//   GET  /ready         200 when the broker answers, 503 otherwise
//
// Who may publish: a source identity (services/auth/identity.h) of this service's system,
// for the districts it is granted, under the `source` it is given (401 without a valid
// token, 403 for another role or system). An event of a district not granted, or whose
// `source` is not the identity's, or a retraction of an event another source published, is
// refused with 403 and the violation that says why.
//
// Responses: a single event gets 201 with its log position, 422 with every violation
// (JSON pointer, code and reason), 400 when the body is not JSON, 409 when its id was used
// for a different event, 503 with Retry-After when the broker did not confirm. A batch gets
// 200 (or 503) with one result per event, in order.
//
// Idempotent on the event id: an event sent again gets its first outcome ("duplicate":
// true) and is not published twice, even when its first delivery ended unconfirmed. An id
// is unique across the whole record: the service follows every domain topic's ids and
// refuses (409) an id that another service's topic already holds for a different event.
// The service keeps its own views (services/views) of its topic and the registry topic,
// rebuilt from them on start: what its rules read (the events, timelines and registry; no
// figures: Keeps::rules, services/projector/projection.h); it checks each
// event against them
// (services/publisher/rules.h) and writes what it publishes into them at once. Events of
// one district are checked and published one request at a time, so two requests cannot
// both pass a rule that only one may.
//
// publishing_service.cpp has the routes and how the service waits for its views to follow
// the topics; publishing_request.cpp has publish() and its steps; publishing_metrics.h and
// publishing_district_locks.h are private parts both use.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/enums.h"
#include "services/auth/identity.h"
#include "services/kafka/producer.h"
#include "services/kafka/topics.h"
#include "services/views/view_store.h"

namespace prometheus {
class Registry;
}
namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace annals {

class Access;
class Projection;
struct ConsumedRecord;
struct Event;

class PublishingService {
 public:
  // Publishes with `producer` to `topics`' topic of `system`, reading and writing the
  // service's own views in `store` (followed by a Projector); registers its metrics in
  // `metrics`. The producer and the store must outlive the service.
  PublishingService(System system, TopicNames topics, Producer& producer, views::ViewStore& store,
                    prometheus::Registry& metrics);
  ~PublishingService();

  // Adds the routes above; `access` says who calls (it must outlive the server).
  void install(httplib::Server& server, const Access& access);

  struct Outcome {
    int status;           // 201 accepted, 422 invalid, 503 broker unavailable
    nlohmann::json body;  // what the client is told about this event
  };
  // How publish() produces when the events arrive from Kafka rather than HTTP
  // (services/publisher/inbound_consumer.h): through a transactional producer, committed
  // before the service's views are written.
  class Transaction {
   public:
    virtual ~Transaction() = default;
    // The transactional producer, its transaction begun.
    virtual Producer& producer() = 0;
    // Called once the checked events are produced, with every document's outcome, while
    // publish() still holds their districts; true when the transaction committed. When false
    // nothing of it is visible: the views are not written, every valid event is answered 503.
    virtual bool commit(const std::vector<Outcome>& outcomes) = 0;
  };

  // Validates and publishes documents for `publisher` (a source identity of this service's
  // system); one outcome per document, in order. Documents that failed to parse are passed
  // as a discarded json with their parse error in `parse_errors`. Produced with the service's
  // own producer, or in `transaction` when given (whose commit() is then called unless the
  // service answered every valid event 503 before producing).
  std::vector<Outcome> publish(const std::vector<nlohmann::json>& documents,
                               const std::vector<std::string>& parse_errors,
                               const auth::Identity& publisher, Transaction* transaction = nullptr);

  static constexpr std::size_t kMaxBatch = 100000;

 private:
  struct Metrics;
  class DistrictLocks;
  struct Request;  // one publish() call: its documents, events and outcomes
  struct Checked;  // what the domain rules let through, ready to produce

  // The routes (publishing_service.cpp).
  void post_events(const httplib::Request& req, httplib::Response& res, const Access& access);
  void get_ready(httplib::Response& res);
  void get_schemas(httplib::Response& res);

  // Following the topics (publishing_service.cpp).
  // Waits until this service's views have read `topic` as far as the brokers have it now;
  // false when that takes longer than `timeout`.
  bool await_topic(const std::string& topic, std::chrono::milliseconds timeout);
  // The same for every domain topic (this service's views claim ids from all of them).
  bool await_topics(std::chrono::milliseconds timeout);
  // True once the views have read every domain topic to its end after a start (waiting up
  // to `timeout` for it, one caller at a time, until they have).
  bool caught_up_after_start(std::chrono::milliseconds timeout);

  // publish()'s steps (publishing_request.cpp), in order.
  // 1. The contract: refuses the documents that did not parse (400), do not decode or are
  //    another service's events (422), or that the publisher may not publish (403: a
  //    district not granted, a `source` not its own); notes the districts of the valid ones.
  void check_contract(Request& request, const std::vector<std::string>& parse_errors);
  // When an event's id had an unconfirmed delivery, reads this service's topic to its end
  // first (it may hold the event already); false when that did not finish in time.
  bool settle_uncertain(const Request& request);
  // 2. Idempotency and the domain rules, in a second pass when a first-pass refusal may
  //    only be the registry topic not yet read that far (then read to its end first).
  Checked check_domain_rules(Request& request, Projection& projection);
  // One pass over the events, each read against the views plus an in-memory overlay of the
  // events let through before it in this request.
  void check_pass(Request& request, Projection& projection, Checked& pass);
  // True when document i is decided by its id: a repeat of an earlier document, an id of a
  // different event (409), or an event already stored (its first outcome, "duplicate").
  bool known_id(Request& request, std::size_t i, Checked& pass);
  // Document i's record, stamped with recorded_at, when the rules let it through; otherwise
  // refuses it (422) or, on the first pass, defers it to the second.
  std::optional<ProducerRecord> check_event(Request& request, std::size_t i, views::Reader& reader,
                                            Checked& pass);
  // 3. Produces the records with `producer` and answers each event by what the broker said;
  //    returns the confirmed records at their log positions, with their events.
  struct Confirmed;
  Confirmed produce(Request& request, const Checked& checked, Producer& producer);
  // The answer to an event the broker did not confirm (its id remembered when the broker
  // may have written it nonetheless).
  Outcome unconfirmed(const Event& event, const Delivery& delivery);
  // Writes the confirmed records into this service's own views at once: the one write.
  void write_published(Projection& projection, const Confirmed& confirmed);
  // Counts every accepted event under its type and every refused one under its reason, and
  // returns the outcomes.
  std::vector<Outcome> finish(Request& request);

  System system_;
  TopicNames topics_;
  Producer& producer_;
  views::ViewStore& store_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<DistrictLocks> locks_;
  std::atomic<bool> caught_up_{false};
  std::mutex catch_up_mu_;
  // The last recorded_at this process stamped: the next is later, even when the clock steps
  // back (recorded_at never goes back in time on a topic this service writes).
  std::int64_t last_stamp_ = 0;
  std::mutex stamp_mu_;
  // Stamps recorded_at: now, or a microsecond after the last stamp when that is later.
  Timestamp stamp();
  // Ids whose delivery ended unconfirmed although the broker may have written them.
  std::set<std::string> uncertain_;
  std::mutex uncertain_mu_;
};

}  // namespace annals
