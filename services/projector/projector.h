// The projector process's engine: a Kafka consumer-group member that reads every domain
// topic and applies batches through Projection, committing the offsets in the same RocksDB
// write batch as the changes. Records that cannot be applied go to the dead-letter topic
// (confirmed by the broker before the batch that skips them is written).
//
// projector.cpp runs the loop, writes each batch and sends its dead letters;
// projector_consumer.cpp is the Kafka side: the consumer's setup, polling, offsets, lag and
// the caught-up check; projector_metrics.h names the metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "services/kafka/kafka_config.h"
#include "services/kafka/producer.h"
#include "services/kafka/topics.h"
#include "services/projector/projection.h"
#include "services/views/view_store.h"

namespace prometheus {
class Registry;
}

namespace RdKafka {
class KafkaConsumer;
class Message;
class RebalanceCb;
class TopicPartition;
}  // namespace RdKafka

namespace annals {

struct ProjectorOptions {
  std::string brokers = "127.0.0.1:19092";
  // The process's --kafka-config (load_kafka_config), applied last to the consumer and to
  // the dead-letter producer: how to reach and authenticate to the brokers.
  KafkaProperties kafka_config;
  std::string group = "annals-projector";
  // Static group membership (group.instance.id): a restarted instance with the same store
  // gets its partitions back at once instead of waiting for a rebalance.
  std::string instance_id;
  // Read every partition of the topics, without a consumer group (a publishing service
  // following its topics, or a rebuild); otherwise share them with the group.
  bool all_partitions = false;
  // With all_partitions: only these partition numbers of every topic (empty: all of them).
  // The rebuild of one scaled-out instance's store, which holds whole districts because every
  // topic has the same partitions and is keyed by district (annals-projector --partitions).
  std::vector<std::int32_t> partitions;
  TopicNames topics;
  // Topics to consume; empty: every domain topic.
  std::vector<std::string> subscribe;
  // Send records that cannot be projected to the dead-letter topic (the projector does; a
  // publishing service following its own topic only counts them).
  bool dead_letters = true;
  // Topics (also in `subscribe`) of which only the event ids are kept (Projection).
  std::vector<std::string> index_only;
  // What is kept of each accepted event (Projection): the projector keeps the views and the
  // verifiable log; a publishing service the views only.
  Keeps keeps = Keeps::views_and_log;
  std::size_t max_batch = 5000;
  // Stop once every assigned partition is read to the end the brokers report (a rebuild),
  // logging progress every two seconds on the way.
  bool stop_when_caught_up = false;
  std::chrono::milliseconds max_wait{50};
};

class Projector {
 public:
  // Registers the projector's metrics in `metrics`; with options.dead_letters, creates the
  // dead-letter producer. Reads and writes `store`, which must outlive it.
  Projector(ProjectorOptions options, views::ViewStore& store, prometheus::Registry& metrics);
  ~Projector();

  // Consumes and applies until stop() is called. Throws on unrecoverable errors.
  void run();
  // Asks run() to return (after the batch in hand); callable from any thread.
  void stop() { stopping_ = true; }
  // True once the caught-up check (stop_when_caught_up) found every partition read to its end.
  bool caught_up() const { return caught_up_; }

  // Per assigned partition: the store's next offset, the high watermark and the lag.
  nlohmann::json progress();

 private:
  struct Metrics;
  // (topic, partition) -> next offset.
  using PartitionOffsets = std::map<std::pair<std::string, std::int32_t>, std::int64_t>;
  // What run() carries from one batch to the next.
  struct RunState {
    std::size_t consumed = 0;  // records read so far
    bool unflushed = false;    // a batch was written since the memtables were last flushed
    std::chrono::steady_clock::time_point last_progress{};
    std::chrono::steady_clock::time_point last_log = std::chrono::steady_clock::now();
    std::set<std::map<std::string, std::string>> gauged;  // partitions with lag series
  };

  // Consumer setup (projector_consumer.cpp).
  // The rebalance callback: each assigned partition starts where the store says the views
  // end, once the batch being written is in (finish_writing). It must outlive the consumer
  // that calls it.
  std::unique_ptr<RdKafka::RebalanceCb> rebalance_callback();
  // A consumer configured from the options (range assignment, no auto commit, then
  // kafka_config) that calls `rebalance`. Throws std::runtime_error naming a setting Kafka
  // refuses (never the value of one from kafka_config).
  std::unique_ptr<RdKafka::KafkaConsumer> create_consumer(RdKafka::RebalanceCb& rebalance);
  // Subscribes to the topics as a group member or, with all_partitions, assigns every
  // partition of them (or options.partitions of each) from the store's offsets (reading their
  // metadata). Throws on failure, and when a topic lacks one of options.partitions.
  void join_topics(RdKafka::KafkaConsumer& consumer);
  // The all_partitions case of join_topics.
  void assign_all_partitions(RdKafka::KafkaConsumer& consumer,
                             const std::vector<std::string>& topics);

  // The loop's steps, in order.
  // Replaces `records` with the next batch: up to max_batch records, ending max_wait after
  // it started (waiting up to 100 ms for a first record), on a consume error, or on stop().
  // When the brokers had no more for now, `skipped` gets the partitions whose consumer
  // position is past every record read (a transaction's commit or abort marker ends them:
  // services/publisher/inbound_consumer.h): their next offset is that position.
  void poll_batch(RdKafka::KafkaConsumer& consumer, std::vector<ConsumedRecord>& records,
                  PartitionOffsets& skipped);
  // The `skipped` of poll_batch: the assigned partitions whose position is past `records`,
  // the batch being written and the store's offsets.
  PartitionOffsets past_markers(RdKafka::KafkaConsumer& consumer,
                                const std::vector<ConsumedRecord>& records);
  // Stages `records` through `projection` on top of the batch being written, sends their
  // dead letters (send_dead_letters), waits for that write (finish_writing), and starts
  // writing this batch with its offsets on another thread: staging a batch and writing the
  // one before use both cores, and the store changes by whole batches as before. False when
  // stopping before the dead letters are safe (this batch is not written).
  // The partitions of `skipped` advance to their offsets with it.
  bool apply_batch(RdKafka::KafkaConsumer& consumer, Projection& projection,
                   const std::vector<ConsumedRecord>& records, const PartitionOffsets& skipped);
  // Waits for the batch being written, if any (its metrics are counted on the writing thread
  // once it is in the store): throws when the store refused it; otherwise commits its offsets
  // to Kafka. Called before a new batch is written, when idle, and on the way out; the
  // rebalance callback only waits for the write before it reads the store's offsets.
  void finish_writing(RdKafka::KafkaConsumer& consumer);
  // The applied, duplicate and batch metrics of one written batch begun at `started`
  // (thread-safe: called on the writing thread).
  void count_batch(const ProjectionResult& result, std::size_t records,
                   std::chrono::steady_clock::time_point started);
  // Tells Kafka a batch's next offsets (for lag tools; never with all_partitions): the
  // store stays the source of truth.
  void commit_offsets(RdKafka::KafkaConsumer& consumer, const PartitionOffsets& next);
  // Idle: flushes the memtables written since the last flush.
  void flush_when_idle(RunState& state);
  // At most every 200 ms, and whenever `idle`: the lag gauges and progress() of every
  // assigned partition, then (stop_when_caught_up) the caught-up check.
  void report_progress(RdKafka::KafkaConsumer& consumer, bool idle, RunState& state);
  // Sets the next-offset and lag gauges of the `assigned` partitions, removes those of the
  // partitions in `gauged` no longer held (then `gauged` is the assigned ones); returns the
  // progress() figures.
  nlohmann::json gauge_partitions(RdKafka::KafkaConsumer& consumer,
                                  const std::vector<RdKafka::TopicPartition*>& assigned,
                                  const PartitionOffsets& stored,
                                  std::set<std::map<std::string, std::string>>& gauged);
  // Asks the brokers how far the `assigned` partitions end, logs how many records are to go
  // (every two seconds), and stops the projector once all are applied and `idle`.
  void check_caught_up(RdKafka::KafkaConsumer& consumer,
                       const std::vector<RdKafka::TopicPartition*>& assigned,
                       const PartitionOffsets& stored, bool idle,
                       std::chrono::steady_clock::time_point now, RunState& state);

  // The dead-letter sink (projector.cpp).
  // Counts and sends a batch's dead letters; false when stopping before they are all safe.
  bool send_dead_letters(const std::vector<DeadLetter>& dead);
  // After one round of sending `letters` (from `of`): logs the sent ones, counts and logs
  // those refused even without their value, and leaves in `letters` and `of` those to send
  // again (without the value when the broker refused it for good).
  void keep_unsent(const std::vector<Delivery>& deliveries, std::vector<ProducerRecord>& letters,
                   std::vector<const DeadLetter*>& of);
  // The dead-letter metrics of a batch's dead letters, once they are safe.
  void count_dead_letters(const std::vector<DeadLetter>& dead);

  // A staged batch being written to the store (ViewStore::write_staged) on another thread.
  struct Writing {
    std::unique_ptr<views::Batch> batch;
    std::future<rocksdb::Status> written;
    ProjectionResult result;
    std::size_t records = 0;
    PartitionOffsets next;  // the batch's next offset per partition
    std::chrono::steady_clock::time_point started;
  };

  ProjectorOptions options_;
  views::ViewStore& store_;
  std::optional<Writing> writing_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Producer> dead_letter_producer_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> caught_up_{false};
  std::mutex progress_mu_;
  nlohmann::json progress_ = nlohmann::json::array();
};

}  // namespace annals
