// The projector process's engine: a Kafka consumer-group member that reads every domain
// topic and applies batches through Projection, committing the offsets in the same RocksDB
// write batch as the changes. Records that cannot be applied go to the dead-letter topic
// (confirmed by the broker before the batch that skips them is written).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "services/kafka/producer.h"
#include "services/kafka/topics.h"
#include "services/projector/projection.h"
#include "services/views/view_store.h"

namespace prometheus {
class Registry;
}

namespace RdKafka {
class Message;
}

namespace annals {

// A consumed Kafka message as the projection takes it: topic, partition, offset, and owned
// copies of the key and value. (The benchmark's raw-limit consumer uses the same.)
ConsumedRecord consumed_record(const RdKafka::Message& message);

struct ProjectorOptions {
  std::string brokers = "127.0.0.1:19092";
  std::string group = "annals-projector";
  // Static group membership (group.instance.id): a restarted instance with the same store
  // gets its partitions back at once instead of waiting for a rebalance.
  std::string instance_id;
  // Read every partition of the topics, without a consumer group (a publishing service
  // following its topics, or a rebuild); otherwise share them with the group.
  bool all_partitions = false;
  TopicNames topics;
  // Topics to consume; empty: every domain topic.
  std::vector<std::string> subscribe;
  // Send records that cannot be projected to the dead-letter topic (the projector does; a
  // publishing service following its own topic only counts them).
  bool dead_letters = true;
  // Topics (also in `subscribe`) of which only the event ids are kept (Projection).
  std::vector<std::string> index_only;
  std::size_t max_batch = 5000;
  // Stop once every assigned partition is read to the end the brokers report (a rebuild),
  // logging progress every two seconds on the way.
  bool stop_when_caught_up = false;
  std::chrono::milliseconds max_wait{50};
};

class Projector {
 public:
  Projector(ProjectorOptions options, views::ViewStore& store, prometheus::Registry& metrics);
  ~Projector();

  // Consumes and applies until stop() is called. Throws on unrecoverable errors.
  void run();
  void stop() { stopping_ = true; }

  // Per assigned partition: the store's next offset, the high watermark and the lag.
  nlohmann::json progress();

 private:
  struct Metrics;
  class Rebalance;
  // Counts and sends a batch's dead letters; false when stopping before they are all safe.
  bool send_dead_letters(const std::vector<DeadLetter>& dead);
  ProjectorOptions options_;
  views::ViewStore& store_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Producer> dead_letter_producer_;
  std::atomic<bool> stopping_{false};
  std::mutex progress_mu_;
  nlohmann::json progress_ = nlohmann::json::array();
};

}  // namespace annals
