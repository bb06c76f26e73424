// The publishing service: how one municipal system's events enter Annals over HTTP.
//
//   POST /v1/events     one event (JSON object), a batch (JSON array), or NDJSON
//                       (Content-Type: application/x-ndjson). Each event is validated against
//                       the contract, stamped with recorded_at, published to this system's
//                       topic, and acknowledged only once the broker has it.
//   GET  /v1/schemas    the event types and versions this service accepts
//   GET  /ready         200 when the broker answers, 503 otherwise
//
// Responses: a single event gets 201 with its log position, 422 with every violation
// (JSON pointer, code and reason), 400 when the body is not JSON, 409 when its id was used
// for a different event, 503 with Retry-After when the broker did not confirm. A batch gets
// 200 (or 503) with one result per event, in order.
//
// Idempotent on the event id: an event sent again gets its first outcome ("duplicate":
// true) and is not published twice, even when its first delivery ended unconfirmed. An id
// is unique across the whole record: the service follows every domain topic's ids and
// refuses (409) an id that another service's topic already holds for a different event. The service keeps its own views (services/views) of
// its topic and the registry topic, rebuilt from them on start; it checks each event
// against them (services/publisher/rules.h) and writes what it publishes into them at once.
// Events of one district are checked and published one request at a time, so two requests
// cannot both pass a rule that only one may.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/enums.h"
#include "services/kafka/producer.h"
#include "services/kafka/topics.h"
#include "services/views/view_store.h"

namespace prometheus {
class Registry;
}
namespace httplib {
class Server;
}

namespace annals {

class PublishingService {
 public:
  PublishingService(System system, TopicNames topics, Producer& producer, views::ViewStore& store,
                    prometheus::Registry& metrics);
  ~PublishingService();

  // Adds the routes above.
  void install(httplib::Server& server);

  struct Outcome {
    int status;           // 201 accepted, 422 invalid, 503 broker unavailable
    nlohmann::json body;  // what the client is told about this event
  };
  // Validates and publishes documents; one outcome per document, in order. Documents that
  // failed to parse are passed as a discarded json with their parse error in `parse_errors`.
  std::vector<Outcome> publish(const std::vector<nlohmann::json>& documents,
                               const std::vector<std::string>& parse_errors);

  static constexpr std::size_t kMaxBatch = 100000;

 private:
  // Waits until this service's views have read `topic` as far as the brokers have it now;
  // false when that takes longer than `timeout`.
  bool await_topic(const std::string& topic, std::chrono::milliseconds timeout);
  // The same for every domain topic (this service's views claim ids from all of them).
  bool await_topics(std::chrono::milliseconds timeout);

  struct Metrics;
  class DistrictLocks;
  System system_;
  TopicNames topics_;
  Producer& producer_;
  views::ViewStore& store_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<DistrictLocks> locks_;
  std::atomic<bool> caught_up_{false};
  std::mutex catch_up_mu_;
  // Ids whose delivery ended unconfirmed although the broker may have written them.
  std::set<std::string> uncertain_;
  std::mutex uncertain_mu_;
};

}  // namespace annals
