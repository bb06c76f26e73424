// The projector's Kafka side: the consumer's configuration, its partitions (a group
// subscription with a rebalance callback, or every partition assigned from the topics'
// metadata), polling a batch, committing offsets, the lag gauges and progress(), and the
// caught-up check of a rebuild. The store's offsets are always where a partition starts.
#include <algorithm>
#include <functional>
#include <iostream>
#include <stdexcept>

#include <librdkafka/rdkafkacpp.h>

#include "services/kafka/end_offsets.h"
#include "services/kafka/kafka_config.h"
#include "services/projector/projector.h"
#include "services/projector/projector_metrics.h"

namespace annals {

namespace {

using PartitionOffsets = std::map<std::pair<std::string, std::int32_t>, std::int64_t>;

// Every partition's next offset as the store records it.
PartitionOffsets stored_offsets(views::ViewStore& store) {
  PartitionOffsets stored;
  for (const auto& p : store.offsets()) stored[{p.topic, p.partition}] = p.next_offset;
  return stored;
}

// Where a partition starts: the store's next offset, or the beginning when it has none.
std::int64_t start_offset(const PartitionOffsets& stored, const std::string& topic,
                          std::int32_t partition) {
  auto it = stored.find({topic, partition});
  return it == stored.end() ? RdKafka::Topic::OFFSET_BEGINNING : it->second;
}

// The store's next offset of a partition, 0 when it has none.
std::int64_t stored_next(const PartitionOffsets& stored,
                         const std::pair<std::string, std::int32_t>& partition) {
  auto it = stored.find(partition);
  return it == stored.end() ? 0 : it->second;
}

// On assignment, every partition starts where the store says the views end; the offsets
// committed to Kafka are informational only (for lag tools), never the source of truth.
// `written` waits for the batch being written, so that the store's offsets include it.
class Rebalance : public RdKafka::RebalanceCb {
 public:
  Rebalance(views::ViewStore& store, std::function<void()> written)
      : store_(store), written_(std::move(written)) {}
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      written_();
      PartitionOffsets stored = stored_offsets(store_);
      for (auto* tp : partitions)
        tp->set_offset(start_offset(stored, tp->topic(), tp->partition()));
      consumer->assign(partitions);
    } else {
      consumer->unassign();
    }
    // A rebalance is rare and decides what this instance projects: said in the log.
    std::cerr << "annals-projector: the group "
              << (err == RdKafka::ERR__ASSIGN_PARTITIONS ? "assigned " : "revoked ")
              << partitions.size() << " partition(s)" << std::endl;
  }

 private:
  views::ViewStore& store_;
  std::function<void()> written_;
};

// The metadata of `topic`, asked up to 30 times (2 s each) until the brokers answer or
// `stopping`. Throws std::runtime_error when there is none.
std::unique_ptr<RdKafka::Metadata> topic_metadata(RdKafka::KafkaConsumer& consumer,
                                                  const std::string& topic,
                                                  const std::atomic<bool>& stopping) {
  std::string err;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(&consumer, topic, nullptr, err));
  RdKafka::Metadata* md = nullptr;
  RdKafka::ErrorCode me = RdKafka::ERR__TRANSPORT;
  for (int attempt = 0; attempt < 30 && me != RdKafka::ERR_NO_ERROR && !stopping; ++attempt) {
    delete md;
    md = nullptr;
    me = consumer.metadata(false, t.get(), &md, 2000);
  }
  std::unique_ptr<RdKafka::Metadata> metadata(md);
  if (me != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("no metadata for " + topic + ": " + RdKafka::err2str(me));
  return metadata;
}

}  // namespace

std::unique_ptr<RdKafka::RebalanceCb> Projector::rebalance_callback() {
  // Only waits: a failed write is thrown by finish_writing in the loop, not through librdkafka.
  return std::make_unique<Rebalance>(store_, [this] {
    if (writing_) writing_->written.wait();
  });
}

std::unique_ptr<RdKafka::KafkaConsumer> Projector::create_consumer(
    RdKafka::RebalanceCb& rebalance) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  auto set = [&](const std::string& k, const std::string& v) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) throw std::runtime_error(k + ": " + err);
  };
  set("bootstrap.servers", options_.brokers);
  set("group.id", options_.group);
  // Range, not round robin or sticky: every topic has the same partitions and is keyed by
  // district, so each instance gets the same partition numbers of every topic and holds
  // whole districts (the audit service finds a district's store by its partition).
  set("partition.assignment.strategy", "range");
  set("enable.auto.commit", "false");
  set("enable.auto.offset.store", "false");
  set("auto.offset.reset", "earliest");
  set("fetch.min.bytes", "1");
  set("queued.max.messages.kbytes", "65536");
  set("session.timeout.ms", "10000");
  // A subscribed topic the brokers did not list yet (just created) is looked for again within
  // 10 s, not librdkafka's default 5 minutes, in which the group would assign none of it.
  set("topic.metadata.refresh.interval.ms", "10000");
  if (!options_.instance_id.empty()) set("group.instance.id", options_.instance_id);
  apply_kafka_config(*conf, options_.kafka_config, "kafka consumer");
  // Never the records of an aborted transaction (services/publisher/inbound_consumer.h),
  // whatever --kafka-config says: set after it.
  set("isolation.level", "read_committed");
  if (conf->set("rebalance_cb", &rebalance, err) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error(err);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) throw std::runtime_error("kafka consumer: " + err);
  return consumer;
}

void Projector::join_topics(RdKafka::KafkaConsumer& consumer) {
  std::vector<std::string> topics =
      options_.subscribe.empty() ? options_.topics.domain() : options_.subscribe;
  if (options_.all_partitions) {
    assign_all_partitions(consumer, topics);
  } else {
    RdKafka::ErrorCode e = consumer.subscribe(topics);
    if (e) throw std::runtime_error("subscribe: " + RdKafka::err2str(e));
  }
}

void Projector::assign_all_partitions(RdKafka::KafkaConsumer& consumer,
                                      const std::vector<std::string>& topics) {
  // Every partition (or those of options_.partitions), from where the store says the views end.
  PartitionOffsets stored = stored_offsets(store_);
  const auto& only = options_.partitions;
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const auto& topic : topics) {
    std::unique_ptr<RdKafka::Metadata> md = topic_metadata(consumer, topic, stopping_);
    for (const auto* tm : *md->topics()) {
      if (tm->err() != RdKafka::ERR_NO_ERROR) {
        RdKafka::TopicPartition::destroy(partitions);
        throw std::runtime_error("topic " + topic + ": " + RdKafka::err2str(tm->err()));
      }
      std::size_t found = 0;
      for (const auto* pm : *tm->partitions()) {
        if (!only.empty() && std::find(only.begin(), only.end(), pm->id()) == only.end()) continue;
        ++found;
        partitions.push_back(RdKafka::TopicPartition::create(
            topic, pm->id(), start_offset(stored, topic, pm->id())));
      }
      if (found < only.size()) {
        RdKafka::TopicPartition::destroy(partitions);
        throw std::runtime_error("topic " + topic + " has " +
                                 std::to_string(tm->partitions()->size()) +
                                 " partitions, numbered from 0: not every one of --partitions");
      }
    }
  }
  RdKafka::ErrorCode ae = consumer.assign(partitions);
  RdKafka::TopicPartition::destroy(partitions);
  if (ae) throw std::runtime_error("assign: " + RdKafka::err2str(ae));
}

void Projector::poll_batch(RdKafka::KafkaConsumer& consumer, std::vector<ConsumedRecord>& records,
                           PartitionOffsets& skipped) {
  records.clear();
  skipped.clear();
  auto deadline = std::chrono::steady_clock::now() + options_.max_wait;
  while (records.size() < options_.max_batch && !stopping_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    int timeout = records.empty() ? 100 : int(std::max<long>(0, left.count()));
    std::unique_ptr<RdKafka::Message> msg(consumer.consume(timeout));
    if (msg->err() == RdKafka::ERR__TIMED_OUT) {  // idle, or the batch's time is up
      skipped = past_markers(consumer, records);
      break;
    }
    if (msg->err() == RdKafka::ERR__PARTITION_EOF) continue;
    if (msg->err()) {
      std::cerr << "annals-projector: consume: " << msg->errstr() << std::endl;
      break;
    }
    records.push_back(consumed_record(*msg));
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
}

Projector::PartitionOffsets Projector::past_markers(RdKafka::KafkaConsumer& consumer,
                                                    const std::vector<ConsumedRecord>& records) {
  // A transaction's marker takes an offset that no record has: when it ends a partition, only
  // the consumer's position (which steps over markers) says that the partition is read to its
  // end, and without it the views would seem one offset behind for good.
  std::vector<RdKafka::TopicPartition*> assigned;
  consumer.assignment(assigned);
  consumer.position(assigned);
  PartitionOffsets known = stored_offsets(store_);
  if (writing_)
    for (const auto& [tp, next] : writing_->next) known[tp] = std::max(known[tp], next);
  for (const auto& r : records)
    known[{r.topic, r.partition}] = std::max(known[{r.topic, r.partition}], r.offset + 1);
  PartitionOffsets past;
  for (auto* tp : assigned) {
    std::pair<std::string, std::int32_t> id{tp->topic(), tp->partition()};
    auto it = known.find(id);
    std::int64_t next = it == known.end() ? 0 : it->second;
    // A position is invalid (negative) until the consumer has fetched from the partition.
    if (tp->err() == RdKafka::ERR_NO_ERROR && tp->offset() > next) past[id] = tp->offset();
  }
  RdKafka::TopicPartition::destroy(assigned);
  return past;
}

void Projector::commit_offsets(RdKafka::KafkaConsumer& consumer, const PartitionOffsets& next) {
  std::vector<RdKafka::TopicPartition*> commit;
  for (const auto& [tp, off] : next)
    commit.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, off));
  if (!options_.all_partitions) consumer.commitAsync(commit);
  RdKafka::TopicPartition::destroy(commit);
}

void Projector::report_progress(RdKafka::KafkaConsumer& consumer, bool idle, RunState& state) {
  auto now = std::chrono::steady_clock::now();
  if (!(now - state.last_progress > std::chrono::milliseconds(200) || idle)) return;
  state.last_progress = now;
  std::vector<RdKafka::TopicPartition*> assigned;
  consumer.assignment(assigned);
  PartitionOffsets stored = stored_offsets(store_);
  nlohmann::json out = gauge_partitions(consumer, assigned, stored, state.gauged);
  // A rebuild asks the brokers (not the cached figures) whether it has reached the end.
  if (options_.stop_when_caught_up && (idle || now - state.last_log > std::chrono::seconds(2)))
    check_caught_up(consumer, assigned, stored, idle, now, state);
  RdKafka::TopicPartition::destroy(assigned);
  std::lock_guard lock(progress_mu_);
  progress_ = std::move(out);
}

nlohmann::json Projector::gauge_partitions(RdKafka::KafkaConsumer& consumer,
                                           const std::vector<RdKafka::TopicPartition*>& assigned,
                                           const PartitionOffsets& stored,
                                           std::set<std::map<std::string, std::string>>& gauged) {
  nlohmann::json out = nlohmann::json::array();
  std::set<std::map<std::string, std::string>> held;
  for (auto* tp : assigned) {
    std::int64_t low = -1, high = -1;
    consumer.get_watermark_offsets(tp->topic(), tp->partition(), &low, &high);
    std::int64_t next = stored_next(stored, {tp->topic(), tp->partition()});
    std::int64_t lag = high >= 0 ? std::max<std::int64_t>(0, high - next) : -1;
    std::map<std::string, std::string> labels{{"topic", tp->topic()},
                                              {"partition", std::to_string(tp->partition())}};
    metrics_->next_offset.Add(labels).Set(double(next));
    if (lag >= 0) metrics_->lag.Add(labels).Set(double(lag));
    out.push_back({{"topic", tp->topic()},
                   {"partition", tp->partition()},
                   {"next_offset", next},
                   {"high_watermark", high},
                   {"lag", lag}});
    held.insert(std::move(labels));
  }
  // Partitions this instance no longer holds (a rebalance moved them): their series go,
  // so that a dashboard's sum of lag counts each partition once, at its current owner.
  for (const auto& labels : gauged)
    if (!held.count(labels)) {
      metrics_->lag.Remove(&metrics_->lag.Add(labels));
      metrics_->next_offset.Remove(&metrics_->next_offset.Add(labels));
    }
  gauged = std::move(held);
  return out;
}

void Projector::check_caught_up(RdKafka::KafkaConsumer& consumer,
                                const std::vector<RdKafka::TopicPartition*>& assigned,
                                const PartitionOffsets& stored, bool idle,
                                std::chrono::steady_clock::time_point now, RunState& state) {
  std::vector<TopicPartitionId> ids;
  for (auto* tp : assigned) ids.push_back({tp->topic(), tp->partition()});
  auto ends = end_offsets(consumer, ids, std::chrono::seconds(5));
  bool known = !assigned.empty() && ends.size() == ids.size();
  std::int64_t behind = 0;
  for (const auto& [tp, end] : ends)
    behind += std::max<std::int64_t>(0, end - stored_next(stored, tp));
  if (now - state.last_log > std::chrono::seconds(2)) {
    std::cerr << "annals-projector: " << state.consumed << " records applied, " << behind
              << " to go" << std::endl;
    state.last_log = now;
  }
  if (known && behind == 0 && idle) {
    std::cerr << "annals-projector: caught up after " << state.consumed << " records" << std::endl;
    caught_up_ = true;
    stopping_ = true;
  }
}

}  // namespace annals
