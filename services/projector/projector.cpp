#include "services/projector/projector.h"

#include <librdkafka/rdkafkacpp.h>

#include <iostream>
#include <map>
#include <set>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <stdexcept>
#include <thread>

#include "services/kafka/end_offsets.h"
#include "services/projector/projection.h"

namespace annals {

struct Projector::Metrics {
  explicit Metrics(prometheus::Registry& r)
      : applied(prometheus::BuildCounter()
                    .Name("annals_projector_events_applied_total")
                    .Help("Events applied to the views, by type.")
                    .Register(r)),
        duplicates(prometheus::BuildCounter()
                       .Name("annals_projector_duplicate_events_total")
                       .Help("Records whose event id was already applied (not applied again).")
                       .Register(r)
                       .Add({})),
        dead_letters(prometheus::BuildCounter()
                         .Name("annals_projector_dead_letters_total")
                         .Help("Records sent to the dead-letter topic, by source topic.")
                         .Register(r)),
        id_conflicts(prometheus::BuildCounter()
                         .Name("annals_projector_id_conflicts_total")
                         .Help("Records that reuse an applied event id for different content.")
                         .Register(r)
                         .Add({})),
        dead_letters_unsent(prometheus::BuildCounter()
                                .Name("annals_projector_dead_letters_unsent_total")
                                .Help("Dead letters the broker refused even without their value "
                                      "(logged with their source position).")
                                .Register(r)
                                .Add({})),
        batch_seconds(prometheus::BuildHistogram()
                          .Name("annals_projector_batch_apply_seconds")
                          .Help("Time to stage and write one batch to RocksDB.")
                          .Register(r)
                          .Add({}, prometheus::Histogram::BucketBoundaries{
                                       0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1})),
        batch_size(prometheus::BuildHistogram()
                       .Name("annals_projector_batch_records")
                       .Help("Records per applied batch.")
                       .Register(r)
                       .Add({}, prometheus::Histogram::BucketBoundaries{1, 10, 100, 1000, 5000, 10000})),
        lag(prometheus::BuildGauge()
                .Name("annals_projector_consumer_lag")
                .Help("Records in the partition not yet applied (high watermark - next offset).")
                .Register(r)),
        next_offset(prometheus::BuildGauge()
                        .Name("annals_projector_next_offset")
                        .Help("Next offset to apply, per partition.")
                        .Register(r)) {}
  prometheus::Family<prometheus::Counter>& applied;
  prometheus::Counter& duplicates;
  prometheus::Family<prometheus::Counter>& dead_letters;
  prometheus::Counter& id_conflicts;
  prometheus::Counter& dead_letters_unsent;
  prometheus::Histogram& batch_seconds;
  prometheus::Histogram& batch_size;
  prometheus::Family<prometheus::Gauge>& lag;
  prometheus::Family<prometheus::Gauge>& next_offset;
};

// On assignment, every partition starts where the store says the views end; the offsets
// committed to Kafka are informational only (for lag tools), never the source of truth.
class Projector::Rebalance : public RdKafka::RebalanceCb {
 public:
  explicit Rebalance(views::ViewStore& store) : store_(store) {}
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      std::map<std::pair<std::string, std::int32_t>, std::int64_t> stored;
      for (const auto& p : store_.offsets()) stored[{p.topic, p.partition}] = p.next_offset;
      for (auto* tp : partitions) {
        auto it = stored.find({tp->topic(), tp->partition()});
        tp->set_offset(it == stored.end() ? RdKafka::Topic::OFFSET_BEGINNING : it->second);
      }
      consumer->assign(partitions);
    } else {
      consumer->unassign();
    }
  }

 private:
  views::ViewStore& store_;
};

Projector::Projector(ProjectorOptions options, views::ViewStore& store, prometheus::Registry& metrics)
    : options_(std::move(options)), store_(store), metrics_(std::make_unique<Metrics>(metrics)) {
  if (options_.dead_letters) {
    ProducerOptions p;
    p.brokers = options_.brokers;
    dead_letter_producer_ = std::make_unique<Producer>(p);
  }
}

Projector::~Projector() = default;

ConsumedRecord consumed_record(const RdKafka::Message& msg) {
  ConsumedRecord r;
  r.topic = msg.topic_name();
  r.partition = msg.partition();
  r.offset = msg.offset();
  if (msg.key()) r.key = *msg.key();
  r.value.assign(static_cast<const char*>(msg.payload()), msg.len());
  return r;
}

namespace {

// A dead letter's reason header, bounded (a broker refuses a record over message.max.bytes,
// and a reason may quote a long value): at most 1,000 bytes, cut on a character boundary.
std::string bounded_header(std::string text) {
  constexpr std::size_t kMax = 1000;
  if (text.size() <= kMax) return text;
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "...";
}

}  // namespace

bool Projector::send_dead_letters(const std::vector<DeadLetter>& dead) {
  auto count = [&] {
    for (const auto& d : dead) {
      metrics_->dead_letters.Add({{"topic", d.record->topic}}).Increment();
      if (d.reason.rfind("conflict:", 0) == 0) metrics_->id_conflicts.Increment();
    }
    return true;
  };
  if (dead.empty() || !dead_letter_producer_) return count();
  std::vector<ProducerRecord> letters;
  std::vector<const DeadLetter*> of;
  for (const auto& d : dead) {
    letters.push_back({options_.topics.dead_letter(), d.record->key, d.record->value,
                       {{"annals_reason", bounded_header(d.reason)},
                        {"annals_source_topic", d.record->topic},
                        {"annals_source_partition", std::to_string(d.record->partition)},
                        {"annals_source_offset", std::to_string(d.record->offset)}}});
    of.push_back(&d);
  }
  // Nothing is skipped until its dead letter is safe: what the broker could not take for a
  // while (an outage) is retried until it does, or we stop and the batch is read again. What
  // it refuses for good (too large, no such topic) is sent once more without the value, which
  // stays at its source position; refused again, it is logged and counted as unsent
  // (annals_projector_dead_letters_unsent_total, alerted) and the projector goes on.
  while (!letters.empty()) {
    auto deliveries = dead_letter_producer_->produce(letters);
    std::vector<ProducerRecord> again;
    std::vector<const DeadLetter*> again_of;
    for (std::size_t k = 0; k < deliveries.size(); ++k) {
      const Delivery& r = deliveries[k];
      const DeadLetter& d = *of[k];
      if (r.ok) {
        std::cerr << "annals-projector: dead letter " << d.record->topic << "/" << d.record->partition
                  << "@" << d.record->offset << ": " << bounded_header(d.reason) << std::endl;
        continue;
      }
      bool stripped = letters[k].value.empty() && !d.record->value.empty();
      if (!r.retriable && stripped) {
        metrics_->dead_letters_unsent.Increment();
        std::cerr << "annals-projector: dead letter NOT SENT (" << r.error << "): "
                  << d.record->topic << "/" << d.record->partition << "@" << d.record->offset
                  << ": " << bounded_header(d.reason) << std::endl;
        continue;
      }
      ProducerRecord retry = std::move(letters[k]);
      if (!r.retriable) {
        retry.value.clear();
        retry.headers.push_back({"annals_value_omitted", bounded_header(r.error)});
      }
      again.push_back(std::move(retry));
      again_of.push_back(&d);
    }
    letters = std::move(again);
    of = std::move(again_of);
    if (letters.empty()) break;
    if (stopping_) return false;
    bool outage = std::any_of(deliveries.begin(), deliveries.end(),
                              [](const Delivery& r) { return !r.ok && r.retriable; });
    if (outage) {
      std::cerr << "annals-projector: dead-letter topic unavailable, retrying" << std::endl;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
  return count();
}

nlohmann::json Projector::progress() {
  std::lock_guard lock(progress_mu_);
  return progress_;
}

void Projector::run() {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  Rebalance rebalance(store_);
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
  if (!options_.instance_id.empty()) set("group.instance.id", options_.instance_id);
  if (conf->set("rebalance_cb", &rebalance, err) != RdKafka::Conf::CONF_OK) throw std::runtime_error(err);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) throw std::runtime_error("kafka consumer: " + err);
  std::vector<std::string> topics = options_.subscribe.empty() ? options_.topics.domain() : options_.subscribe;
  if (options_.all_partitions) {
    // Every partition, from where the store says the views end.
    std::map<std::pair<std::string, std::int32_t>, std::int64_t> stored;
    for (const auto& p : store_.offsets()) stored[{p.topic, p.partition}] = p.next_offset;
    std::vector<RdKafka::TopicPartition*> partitions;
    for (const auto& topic : topics) {
      std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(consumer.get(), topic, nullptr, err));
      RdKafka::Metadata* md = nullptr;
      RdKafka::ErrorCode me = RdKafka::ERR__TRANSPORT;
      for (int attempt = 0; attempt < 30 && me != RdKafka::ERR_NO_ERROR && !stopping_; ++attempt) {
        delete md;
        md = nullptr;
        me = consumer->metadata(false, t.get(), &md, 2000);
      }
      if (me != RdKafka::ERR_NO_ERROR) {
        delete md;
        throw std::runtime_error("no metadata for " + topic + ": " + RdKafka::err2str(me));
      }
      for (const auto* tm : *md->topics()) {
        if (tm->err() != RdKafka::ERR_NO_ERROR) {
          delete md;
          throw std::runtime_error("topic " + topic + ": " + RdKafka::err2str(tm->err()));
        }
        for (const auto* pm : *tm->partitions()) {
          auto it = stored.find({topic, pm->id()});
          partitions.push_back(RdKafka::TopicPartition::create(
              topic, pm->id(), it == stored.end() ? RdKafka::Topic::OFFSET_BEGINNING : it->second));
        }
      }
      delete md;
    }
    RdKafka::ErrorCode ae = consumer->assign(partitions);
    RdKafka::TopicPartition::destroy(partitions);
    if (ae) throw std::runtime_error("assign: " + RdKafka::err2str(ae));
  } else {
    RdKafka::ErrorCode e = consumer->subscribe(topics);
    if (e) throw std::runtime_error("subscribe: " + RdKafka::err2str(e));
  }

  Projection projection(store_, options_.topics,
                        std::set<std::string>(options_.index_only.begin(), options_.index_only.end()));
  std::vector<ConsumedRecord> records;
  records.reserve(options_.max_batch);
  auto last_progress = std::chrono::steady_clock::time_point{};
  auto last_log = std::chrono::steady_clock::now();
  std::size_t consumed = 0;
  bool unflushed = false;
  std::set<std::map<std::string, std::string>> gauged, held;  // partitions with lag series

  while (!stopping_) {
    records.clear();
    auto deadline = std::chrono::steady_clock::now() + options_.max_wait;
    while (records.size() < options_.max_batch && !stopping_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      int timeout = records.empty() ? 100 : int(std::max<long>(0, left.count()));
      std::unique_ptr<RdKafka::Message> msg(consumer->consume(timeout));
      if (msg->err() == RdKafka::ERR__TIMED_OUT) break;  // idle, or the batch's time is up
      if (msg->err() == RdKafka::ERR__PARTITION_EOF) continue;
      if (msg->err()) {
        std::cerr << "annals-projector: consume: " << msg->errstr() << std::endl;
        break;
      }
      records.push_back(consumed_record(*msg));
      if (std::chrono::steady_clock::now() >= deadline) break;
    }

    consumed += records.size();
    if (!records.empty()) {
      auto started = std::chrono::steady_clock::now();
      rocksdb::WriteBatchWithIndex batch(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true);
      ProjectionResult result = projection.stage(records, batch);
      if (!send_dead_letters(result.dead_letters)) {
        consumer->close();
        return;
      }
      rocksdb::Status s = store_.db()->Write(rocksdb::WriteOptions(), batch.GetWriteBatch());
      if (!s.ok()) throw std::runtime_error("writing views: " + s.ToString());
      for (const auto& [type, n] : result.applied_by_type) metrics_->applied.Add({{"type", type}}).Increment(double(n));
      metrics_->duplicates.Increment(double(result.duplicates));
      metrics_->batch_size.Observe(double(records.size()));
      metrics_->batch_seconds.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());

      // Tell Kafka too, for lag tools; the store stays the source of truth.
      std::map<std::pair<std::string, std::int32_t>, std::int64_t> next;
      for (const auto& r : records) next[{r.topic, r.partition}] = r.offset + 1;
      std::vector<RdKafka::TopicPartition*> commit;
      for (const auto& [tp, off] : next) commit.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, off));
      if (!options_.all_partitions) consumer->commitAsync(commit);
      RdKafka::TopicPartition::destroy(commit);
      unflushed = true;
    } else if (unflushed) {
      // Idle: put the memtables in files (from 8 MB), so the audit's catch-ups replay a short log.
      store_.flush_memtables(8u << 20, false);
      unflushed = false;
    }

    auto now = std::chrono::steady_clock::now();
    if (now - last_progress > std::chrono::milliseconds(200) || records.empty()) {
      last_progress = now;
      std::vector<RdKafka::TopicPartition*> assigned;
      consumer->assignment(assigned);
      std::map<std::pair<std::string, std::int32_t>, std::int64_t> stored;
      for (const auto& p : store_.offsets()) stored[{p.topic, p.partition}] = p.next_offset;
      nlohmann::json out = nlohmann::json::array();
      for (auto* tp : assigned) {
        std::int64_t low = -1, high = -1;
        consumer->get_watermark_offsets(tp->topic(), tp->partition(), &low, &high);
        auto it = stored.find({tp->topic(), tp->partition()});
        std::int64_t next = it == stored.end() ? 0 : it->second;
        std::int64_t lag = high >= 0 ? std::max<std::int64_t>(0, high - next) : -1;
        std::map<std::string, std::string> labels{{"topic", tp->topic()}, {"partition", std::to_string(tp->partition())}};
        metrics_->next_offset.Add(labels).Set(double(next));
        if (lag >= 0) metrics_->lag.Add(labels).Set(double(lag));
        out.push_back({{"topic", tp->topic()}, {"partition", tp->partition()}, {"next_offset", next},
                       {"high_watermark", high}, {"lag", lag}});
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
      held.clear();
      // A rebuild asks the brokers (not the cached figures) whether it has reached the end.
      if (options_.stop_when_caught_up && (records.empty() || now - last_log > std::chrono::seconds(2))) {
        std::vector<TopicPartitionId> ids;
        for (auto* tp : assigned) ids.push_back({tp->topic(), tp->partition()});
        auto ends = end_offsets(*consumer, ids, std::chrono::seconds(5));
        bool known = !assigned.empty() && ends.size() == ids.size();
        std::int64_t behind = 0;
        for (const auto& [tp, end] : ends) {
          auto it = stored.find(tp);
          behind += std::max<std::int64_t>(0, end - (it == stored.end() ? 0 : it->second));
        }
        if (now - last_log > std::chrono::seconds(2)) {
          std::cerr << "annals-projector: " << consumed << " records applied, " << behind << " to go" << std::endl;
          last_log = now;
        }
        if (known && behind == 0 && records.empty()) {
          std::cerr << "annals-projector: caught up after " << consumed << " records" << std::endl;
          stopping_ = true;
        }
      }
      RdKafka::TopicPartition::destroy(assigned);
      std::lock_guard lock(progress_mu_);
      progress_ = std::move(out);
    }
  }
  consumer->close();
}

}  // namespace annals
