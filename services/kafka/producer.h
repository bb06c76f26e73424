// A Kafka producer that answers only when the broker has the records: idempotent
// (enable.idempotence, acks=all), batched by librdkafka (linger), with delivery confirmed
// per record before produce() returns. Thread-safe: many HTTP request threads share one.
// With a transactional id it is a transactional producer instead (one thread at a time): what
// produce() sends between begin_transaction() and commit_transaction() becomes visible to
// read_committed consumers together with the consumer offsets the commit carries, or not at
// all (Kafka's exactly-once read-process-write).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "services/kafka/kafka_config.h"

namespace RdKafka {
class Producer;
class TopicPartition;
class ConsumerGroupMetadata;
}  // namespace RdKafka

namespace annals {

struct ProducerRecord {
  std::string topic;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct Delivery {
  bool ok = false;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::string error;       // librdkafka's reason when !ok
  bool retriable = false;  // a broker or network fault: the caller may try again later
  // The broker may have written it although it did not confirm (a timeout after sending):
  // before sending it again, read the topic to its end to find out.
  bool possibly_persisted = false;
};

struct ProducerOptions {
  std::string brokers = "127.0.0.1:19092";
  // Upper bound for one record's delivery, retries included (message.timeout.ms).
  std::chrono::milliseconds delivery_timeout{15000};
  std::chrono::milliseconds linger{5};
  // Further librdkafka settings, applied last ("compression.type" -> "zstd", ...): the
  // process's --kafka-config (load_kafka_config) goes here, over any of its own.
  KafkaProperties settings;
  // Kafka's transactional.id: when set, the producer is transactional. An instance that
  // starts with the id of another fences it (its open transaction is aborted, its commits fail).
  std::string transactional_id;
};

class Producer {
 public:
  // Throws std::runtime_error when librdkafka rejects the configuration (naming the setting,
  // never the value of one from `settings`), or, with a transactional id, when the brokers do
  // not register it within the delivery timeout.
  explicit Producer(const ProducerOptions& options);
  ~Producer();  // flushes what is in flight, up to the delivery timeout

  // Produces every record and blocks until each is acknowledged by all in-sync replicas
  // or has failed. Results are in the order of `records`.
  std::vector<Delivery> produce(const std::vector<ProducerRecord>& records);

  // Records handed to librdkafka and not yet acknowledged or failed.
  int queue_depth() const;

  // The high watermark (next offset) of every partition of `topic`, asked of the brokers;
  // empty when they do not answer within `timeout`.
  std::vector<std::int64_t> high_watermarks(const std::string& topic,
                                            std::chrono::milliseconds timeout) const;

  // True when a broker answers a metadata request within `timeout`.
  bool broker_reachable(std::chrono::milliseconds timeout) const;

  // Transactions (a transactional id only). A call that fails retriably (a timeout, a broker
  // outage) is made again, up to 20 times. Each throws std::runtime_error with the brokers'
  // reason when the producer can no longer transact (fenced by a newer instance of its id,
  // another fatal error, or retried that long): the process must start it again.
  // Starts a transaction: what produce() sends until it ends belongs to it.
  void begin_transaction();
  // Commits the transaction together with `offsets` (each partition's next offset) consumed
  // in the group `group`. Returns "" when committed; when the brokers require an abort, aborts
  // it and returns why: then nothing of it is visible, and the caller reads the same records
  // again.
  std::string commit_transaction(const std::vector<RdKafka::TopicPartition*>& offsets,
                                 const RdKafka::ConsumerGroupMetadata& group);
  // Aborts the open transaction: nothing it produced becomes visible.
  void abort_transaction();

  struct Pending;  // one produce() call in flight

 private:
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<class DeliveryCallback> callback_;
  std::thread poller_;
  std::atomic<bool> stopping_{false};
  int timeout_ms_ = 15000;  // a transaction call's bound: the delivery timeout
};

}  // namespace annals
