// The projector's loop (Projector::run) and what it does with a batch: stage it, make its
// dead letters safe on the dead-letter topic, write it with its offsets, count it. The
// Kafka side of the loop (setup, polling, offsets, lag, caught up) is projector_consumer.cpp.
#include "services/projector/projector.h"

#include <algorithm>
#include <future>
#include <iostream>
#include <set>
#include <stdexcept>
#include <thread>

#include <librdkafka/rdkafkacpp.h>

#include "services/projector/projection.h"
#include "services/projector/projector_metrics.h"

namespace annals {

Projector::Projector(ProjectorOptions options, views::ViewStore& store,
                     prometheus::Registry& metrics)
    : options_(std::move(options)), store_(store), metrics_(std::make_unique<Metrics>(metrics)) {
  if (options_.dead_letters) {
    ProducerOptions p;
    p.brokers = options_.brokers;
    p.settings = options_.kafka_config;
    dead_letter_producer_ = std::make_unique<Producer>(p);
  }
}

Projector::~Projector() = default;

nlohmann::json Projector::progress() {
  std::lock_guard lock(progress_mu_);
  return progress_;
}

void Projector::run() {
  std::unique_ptr<RdKafka::RebalanceCb> rebalance = rebalance_callback();
  std::unique_ptr<RdKafka::KafkaConsumer> consumer = create_consumer(*rebalance);
  join_topics(*consumer);

  Projection projection(
      store_, options_.topics,
      std::set<std::string>(options_.index_only.begin(), options_.index_only.end()),
      options_.keeps);
  std::vector<ConsumedRecord> records;
  records.reserve(options_.max_batch);
  RunState state;
  PartitionOffsets skipped;
  while (!stopping_) {
    poll_batch(*consumer, records, skipped);
    state.consumed += records.size();
    if (records.empty() && skipped.empty()) {
      finish_writing(*consumer);
      flush_when_idle(state);
    } else {
      if (!apply_batch(*consumer, projection, records, skipped)) break;  // stopping
      state.unflushed = true;
    }
    report_progress(*consumer, records.empty(), state);
  }
  finish_writing(*consumer);
  consumer->close();
}

bool Projector::apply_batch(RdKafka::KafkaConsumer& consumer, Projection& projection,
                            const std::vector<ConsumedRecord>& records,
                            const PartitionOffsets& skipped) {
  auto started = std::chrono::steady_clock::now();
  auto batch = std::make_unique<views::Batch>(store_, writing_ ? writing_->batch.get() : nullptr);
  ProjectionResult result = projection.stage(records, *batch);
  projection.advance(skipped, *batch);
  if (!send_dead_letters(result.dead_letters)) return false;
  finish_writing(consumer);
  batch->detach();  // what it was staged on is in the store now
  Writing& w = writing_.emplace(
      Writing{std::move(batch), {}, std::move(result), records.size(), {}, started});
  for (const auto& r : records) w.next[{r.topic, r.partition}] = r.offset + 1;
  for (const auto& [tp, next] : skipped) w.next[tp] = std::max(w.next[tp], next);
  w.written = std::async(std::launch::async, [this, &w] {
    rocksdb::Status s = store_.write_staged(*w.batch);
    // Counted as soon as it is in the store, where readers of the views see it.
    if (s.ok()) count_batch(w.result, w.records, w.started);
    return s;
  });
  return true;
}

void Projector::finish_writing(RdKafka::KafkaConsumer& consumer) {
  if (!writing_) return;
  rocksdb::Status s = writing_->written.get();
  if (!s.ok()) throw std::runtime_error("writing views: " + s.ToString());
  commit_offsets(consumer, writing_->next);
  writing_.reset();
}

void Projector::count_batch(const ProjectionResult& result, std::size_t records,
                            std::chrono::steady_clock::time_point started) {
  for (const auto& [type, n] : result.applied_by_type)
    metrics_->applied.Add({{"type", type}}).Increment(double(n));
  metrics_->duplicates.Increment(double(result.duplicates));
  metrics_->recorded_at_regressions.Increment(double(result.recorded_at_regressions));
  metrics_->batch_size.Observe(double(records));
  metrics_->batch_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

void Projector::flush_when_idle(RunState& state) {
  if (!state.unflushed) return;
  // Idle: put the memtables in files (from 8 MB), so the audit's catch-ups replay a short log.
  store_.flush_memtables(8u << 20, false);
  state.unflushed = false;
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

// The record of `d` on the dead-letter topic: its key and value, why, and where it was.
ProducerRecord dead_letter_record(const std::string& topic, const DeadLetter& d) {
  return {topic,
          d.record->key,
          d.record->value,
          {{"annals_reason", bounded_header(d.reason)},
           {"annals_source_topic", d.record->topic},
           {"annals_source_partition", std::to_string(d.record->partition)},
           {"annals_source_offset", std::to_string(d.record->offset)}}};
}

}  // namespace

bool Projector::send_dead_letters(const std::vector<DeadLetter>& dead) {
  if (!dead.empty() && dead_letter_producer_) {
    std::vector<ProducerRecord> letters;
    std::vector<const DeadLetter*> of;
    for (const auto& d : dead) {
      letters.push_back(dead_letter_record(options_.topics.dead_letter(), d));
      of.push_back(&d);
    }
    // Nothing is skipped until its dead letter is safe: what the broker could not take for a
    // while (an outage) is retried until it does, or we stop and the batch is read again.
    // What it refuses for good (too large, no such topic) is sent once more without the
    // value, which stays at its source position; refused again, it is logged and counted as
    // unsent (annals_projector_dead_letters_unsent_total, alerted) and the projector goes on.
    while (!letters.empty()) {
      std::vector<Delivery> deliveries = dead_letter_producer_->produce(letters);
      keep_unsent(deliveries, letters, of);
      if (letters.empty()) break;
      if (stopping_) return false;
      bool outage = std::any_of(deliveries.begin(), deliveries.end(),
                                [](const Delivery& r) { return !r.ok && r.retriable; });
      if (outage) {
        std::cerr << "annals-projector: dead-letter topic unavailable, retrying" << std::endl;
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }
  }
  count_dead_letters(dead);
  return true;
}

void Projector::keep_unsent(const std::vector<Delivery>& deliveries,
                            std::vector<ProducerRecord>& letters,
                            std::vector<const DeadLetter*>& of) {
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
      std::cerr << "annals-projector: dead letter NOT SENT (" << r.error << "): " << d.record->topic
                << "/" << d.record->partition << "@" << d.record->offset << ": "
                << bounded_header(d.reason) << std::endl;
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
}

void Projector::count_dead_letters(const std::vector<DeadLetter>& dead) {
  for (const auto& d : dead) {
    metrics_->dead_letters.Add({{"topic", d.record->topic}}).Increment();
    if (d.reason.rfind("conflict:", 0) == 0) metrics_->id_conflicts.Increment();
  }
}

}  // namespace annals
