// The Kafka-native way in: a municipal system that already speaks Kafka writes its events
// with its own client to its inbound topic (annals.inbound.<system>, keyed by district, one
// event document a record, the same JSON as POST /v1/events takes) and reads what became of
// each from its outcomes topic (annals.outcomes.<system>, keyed by event id).
//
// The publishing service consumes the inbound topic (group annals-<system>-service-inbound,
// read_committed) in batches and treats each batch as one POST would be treated
// (PublishingService::publish: the contract, the grant, idempotency, the domain rules, the
// recorded_at stamp), on behalf of one source identity of the token file: the brokers have
// authenticated the writer (only that system's principal may write its inbound topic,
// deploy/local/broker), the identity says which districts and sources it is granted. One Kafka
// transaction (transactional.id annals-<system>-inbound) then holds the accepted events on the
// domain topic, one outcome per inbound record on the outcomes topic, and the inbound offsets
// consumed: all three are visible together or not at all, so that an event is published once
// however often the service stops, and every inbound record has exactly one outcome.
//
// An outcome is the JSON answer POST /v1/events gives for that event ("status": "accepted"
// with its topic, partition and offset, or "rejected" with its violations, "duplicate": true
// for an id already published), with "http_status" (the HTTP status it would have had) and
// "inbound" (the record's topic, partition and offset). Its key is the event's id, or, for a
// record with no valid id, "<topic>/<partition>/<offset>" of the inbound record.
//
// When the service cannot decide a batch now (the broker did not confirm, the views are still
// catching up after a start, the transaction did not commit), the transaction is aborted and
// the same records are read again after a pause: nothing is answered 503 on the outcomes
// topic. A record the brokers refuse for good (too large once stamped, say) is answered on the
// next attempt with that reason (400), so that it cannot hold up the records after it. One
// publishing service instance per system consumes its inbound topic (the id fences any other: its
// open transaction is aborted and it stops).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "events/enums.h"
#include "services/kafka/kafka_config.h"
#include "services/kafka/topics.h"

namespace prometheus {
class Registry;
}

namespace annals {

class Access;
class PublishingService;
struct ConsumedRecord;

struct InboundOptions {
  System system = System::registry;
  std::string brokers;
  KafkaProperties kafka_config;  // --kafka-config: the service's principal
  TopicNames topics;
  std::string identity;  // the token file's source identity the inbound events are published for
  std::size_t max_batch = 1000;             // records in one transaction
  std::chrono::milliseconds max_wait{100};  // the longest a batch waits to fill
  std::chrono::milliseconds delivery_timeout{15000};
};

class InboundConsumer {
 public:
  // Consumes `options.system`'s inbound topic into `service`, finding the identity in
  // `access`'s token file at every batch (a revoked identity's records are refused, 401).
  // Counts transactions in `metrics` (annals_inbound_transactions_total{result}). Throws
  // std::runtime_error when the identity is not a source identity of the system. (run() sets
  // up the transactional producer, trying again every 2 s and logging why while the brokers
  // refuse: a missing ACL shows in the log, not as an exit.)
  InboundConsumer(InboundOptions options, PublishingService& service, const Access& access,
                  prometheus::Registry& metrics);
  ~InboundConsumer();

  // Consumes and publishes until stop(). Throws std::runtime_error when the producer is
  // fenced or fails for good.
  void run();
  void stop() { stopping_ = true; }

 private:
  struct Metrics;
  class Batch;  // one transaction's records and its PublishingService::Transaction
  using Position = std::tuple<std::string, std::int32_t, std::int64_t>;  // topic, partition, offset
  static Position position(const ConsumedRecord& r);

  InboundOptions options_;
  PublishingService& service_;
  const Access& access_;
  std::unique_ptr<Metrics> metrics_;
  std::atomic<bool> stopping_{false};
  // Inbound records the brokers refused for good (a permanent delivery error), until the batch
  // that answers them with that reason commits.
  std::map<Position, std::string> refused_for_good_;
};

}  // namespace annals
