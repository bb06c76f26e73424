// A Kafka producer that answers only when the broker has the records: idempotent
// (enable.idempotence, acks=all), batched by librdkafka (linger), with delivery confirmed
// per record before produce() returns. Thread-safe: many HTTP request threads share one.
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
}

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
};

class Producer {
 public:
  // Throws std::runtime_error when librdkafka rejects the configuration (naming the setting,
  // never the value of one from `settings`).
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

  struct Pending;  // one produce() call in flight

 private:
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<class DeliveryCallback> callback_;
  std::thread poller_;
  std::atomic<bool> stopping_{false};
};

}  // namespace annals
