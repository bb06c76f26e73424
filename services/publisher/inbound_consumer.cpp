// InboundConsumer (inbound_consumer.h): the consumer of a system's inbound topic, its batches,
// and the Kafka transaction each batch is published in.
#include "services/publisher/inbound_consumer.h"

#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <librdkafka/rdkafkacpp.h>
#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "events/identifier.h"
#include "events/json_documents.h"
#include "services/http/access.h"
#include "services/kafka/producer.h"
#include "services/kafka/topic_reader.h"
#include "services/publisher/publishing_service.h"

namespace annals {

using nlohmann::json;

struct InboundConsumer::Metrics {
  explicit Metrics(prometheus::Registry& registry)
      : transactions(prometheus::BuildCounter()
                         .Name("annals_inbound_transactions_total")
                         .Help("Transactions of inbound records by result: committed (their "
                               "events published, their outcomes written, their offsets "
                               "committed) or aborted (read again)")
                         .Register(registry)),
        committed(transactions.Add({{"result", "committed"}})),
        aborted(transactions.Add({{"result", "aborted"}})),
        records(prometheus::BuildCounter()
                    .Name("annals_inbound_records_total")
                    .Help("Inbound records answered on the outcomes topic")
                    .Register(registry)
                    .Add({})) {}
  prometheus::Family<prometheus::Counter>& transactions;
  prometheus::Counter& committed;
  prometheus::Counter& aborted;
  prometheus::Counter& records;
};

namespace {

// The identity inbound events are published for, or why there is none now.
auth::Verdict source_identity(const Access& access, const std::string& name, System system) {
  auth::Verdict v = access.identity_named(name);
  if (v.identity && (v.identity->role != auth::Role::source || v.identity->system != system)) {
    v.error = "the identity '" + name + "' is not a source identity of the " +
              std::string(to_string(system)) + " system";
    v.identity.reset();
  }
  return v;
}

std::unique_ptr<RdKafka::KafkaConsumer> inbound_consumer(const InboundOptions& o) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  auto set = [&](const std::string& k, const std::string& v) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK)
      throw std::runtime_error("inbound consumer: " + k + ": " + err);
  };
  set("bootstrap.servers", o.brokers);
  // Named under the service's consumer groups (deploy/local/broker's ACLs).
  set("group.id", "annals-" + std::string(to_string(o.system)) + "-service-inbound");
  set("enable.auto.commit", "false");  // the offsets commit with each transaction
  set("isolation.level", "read_committed");
  set("auto.offset.reset", "earliest");
  set("session.timeout.ms", "10000");
  set("topic.metadata.refresh.interval.ms", "10000");
  apply_kafka_config(*conf, o.kafka_config, "the inbound consumer");
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) throw std::runtime_error("inbound consumer: " + err);
  RdKafka::ErrorCode e = c->subscribe({o.topics.inbound(o.system)});
  if (e) throw std::runtime_error("inbound consumer: subscribe: " + RdKafka::err2str(e));
  return c;
}

// The transactional producer, registered with the brokers; tried again every 2 s while they
// do not answer. Empty when stopped first.
std::unique_ptr<Producer> transactional_producer(const InboundOptions& o,
                                                 const std::atomic<bool>& stopping) {
  ProducerOptions p;
  p.brokers = o.brokers;
  p.settings = o.kafka_config;
  p.delivery_timeout = o.delivery_timeout;
  p.transactional_id = "annals-" + std::string(to_string(o.system)) + "-inbound";
  std::string last;
  while (!stopping) {
    try {
      return std::make_unique<Producer>(p);
    } catch (const std::exception& e) {
      if (e.what() != last) std::cerr << "annals-inbound: " << e.what() << "; trying again\n";
      last = e.what();
      std::this_thread::sleep_for(std::chrono::seconds(2));
    }
  }
  return nullptr;
}

}  // namespace

// One batch of inbound records: its documents, and the transaction publish() produces in.
class InboundConsumer::Batch : public PublishingService::Transaction {
 public:
  // `refused` holds the records the brokers refused for good in an earlier attempt: they are
  // answered with that reason, not produced again (they would abort every attempt).
  Batch(const InboundOptions& options, Producer& producer, RdKafka::KafkaConsumer& consumer,
        std::vector<ConsumedRecord> records, const std::map<Position, std::string>& refused)
      : options_(options), producer_(producer), consumer_(consumer), records_(std::move(records)) {
    for (const auto& r : records_) {
      std::string error;
      auto earlier = refused.find(position(r));
      if (earlier != refused.end()) {
        documents.push_back(json(json::value_t::discarded));
        errors.push_back("the brokers refused to take it: " + earlier->second);
      } else if (r.value.empty()) {
        documents.push_back(json(json::value_t::discarded));
        errors.push_back("the record has no value: an event document is due");
      } else {
        documents.push_back(parse_bounded(r.value, DocumentLimits{}.max_depth, error));
        errors.push_back(error);
      }
      auto& next = next_[{r.topic, r.partition}];
      next = std::max(next, r.offset + 1);
      first_.try_emplace({r.topic, r.partition}, r.offset);
    }
  }

  Producer& producer() override { return producer_; }

  bool commit(const std::vector<PublishingService::Outcome>& outcomes) override {
    for (std::size_t i = 0; i < outcomes.size(); ++i)
      if (outcomes[i].status >= 500) {
        why = outcomes[i].body.value("error", "unavailable");
        // 500: the brokers refused the record for good (too large, say); the next attempt
        // answers it with that instead of producing it again.
        if (outcomes[i].status == 500) refused_for_good[position(records_[i])] = why;
      }
    if (!why.empty()) return false;  // the caller aborts: read again
    std::vector<ProducerRecord> answers;
    for (std::size_t i = 0; i < outcomes.size(); ++i) answers.push_back(answer(i, outcomes[i]));
    std::vector<Delivery> delivered = producer_.produce(answers);
    for (std::size_t i = 0; i < delivered.size(); ++i)
      if (!delivered[i].ok) {
        why = "writing an outcome: " + delivered[i].error;
        if (!delivered[i].retriable) refused_for_good[position(records_[i])] = why;
      }
    if (!why.empty()) return false;
    std::vector<RdKafka::TopicPartition*> offsets;
    for (const auto& [tp, next] : next_)
      offsets.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, next));
    std::unique_ptr<RdKafka::ConsumerGroupMetadata> group(consumer_.groupMetadata());
    why = producer_.commit_transaction(offsets, *group);
    RdKafka::TopicPartition::destroy(offsets);
    aborted_ = !why.empty();  // commit_transaction aborted it
    committed = why.empty();
    return committed;
  }

  // Ends a transaction that did not commit; the consumer reads the batch again. Throws when
  // it cannot rewind (the next batch would skip records): the process starts again, from the
  // offsets committed.
  void abandon() {
    if (!aborted_) producer_.abort_transaction();
    for (const auto& [tp, first] : first_) {
      std::unique_ptr<RdKafka::TopicPartition> at(
          RdKafka::TopicPartition::create(tp.first, tp.second, first));
      if (RdKafka::ErrorCode e = consumer_.seek(*at, 5000))
        throw std::runtime_error("inbound consumer: rewinding " + tp.first + "/" +
                                 std::to_string(tp.second) + ": " + RdKafka::err2str(e));
    }
  }

  std::size_t size() const { return records_.size(); }
  // Where each record of the batch is.
  std::vector<Position> positions() const {
    std::vector<Position> out;
    for (const auto& r : records_) out.push_back(position(r));
    return out;
  }

  std::vector<json> documents;
  std::vector<std::string> errors;
  bool committed = false;
  std::string why;                                   // when not committed
  std::map<Position, std::string> refused_for_good;  // found by this attempt

 private:
  // The outcome record of inbound record i.
  ProducerRecord answer(std::size_t i, const PublishingService::Outcome& outcome) const {
    const ConsumedRecord& r = records_[i];
    json body = outcome.body;
    body["http_status"] = outcome.status;
    body["inbound"] = {{"topic", r.topic}, {"partition", r.partition}, {"offset", r.offset}};
    std::string key =
        body.contains("id") && body["id"].is_string()
            ? body["id"].get<std::string>()
            : r.topic + "/" + std::to_string(r.partition) + "/" + std::to_string(r.offset);
    return {options_.topics.outcomes(options_.system), key, body.dump(), {}};
  }

  const InboundOptions& options_;
  Producer& producer_;
  RdKafka::KafkaConsumer& consumer_;
  std::vector<ConsumedRecord> records_;
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_, first_;
  bool aborted_ = false;
};

InboundConsumer::Position InboundConsumer::position(const ConsumedRecord& r) {
  return {r.topic, r.partition, r.offset};
}

InboundConsumer::InboundConsumer(InboundOptions options, PublishingService& service,
                                 const Access& access, prometheus::Registry& metrics)
    : options_(std::move(options)), service_(service), access_(access),
      metrics_(std::make_unique<Metrics>(metrics)) {
  auth::Verdict v = source_identity(access_, options_.identity, options_.system);
  if (!v.identity)
    throw std::runtime_error("--inbound-identity '" + options_.identity + "': " + v.error);
}

InboundConsumer::~InboundConsumer() = default;

void InboundConsumer::run() {
  std::unique_ptr<RdKafka::KafkaConsumer> consumer = inbound_consumer(options_);
  std::unique_ptr<Producer> producer = transactional_producer(options_, stopping_);
  std::cerr << "annals-" << to_string(options_.system) << ": consuming "
            << options_.topics.inbound(options_.system) << ", answering on "
            << options_.topics.outcomes(options_.system) << std::endl;
  std::string last_why;
  while (!stopping_ && producer) {
    std::vector<ConsumedRecord> records;
    auto deadline = std::chrono::steady_clock::now() + options_.max_wait;
    while (records.size() < options_.max_batch && !stopping_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      std::unique_ptr<RdKafka::Message> m(
          consumer->consume(records.empty() ? 200 : int(std::max<long>(0, left.count()))));
      if (m->err() == RdKafka::ERR__TIMED_OUT) break;
      if (m->err() == RdKafka::ERR__PARTITION_EOF) continue;
      if (m->err()) {
        std::cerr << "annals-inbound: consume: " << m->errstr() << std::endl;
        break;
      }
      records.push_back(consumed_record(*m));
    }
    if (records.empty()) continue;
    Batch batch(options_, *producer, *consumer, std::move(records), refused_for_good_);
    producer->begin_transaction();
    auth::Verdict who = source_identity(access_, options_.identity, options_.system);
    if (who.identity) {
      for (const auto& o : service_.publish(batch.documents, batch.errors, *who.identity, &batch))
        if (o.status >= 500 && batch.why.empty()) batch.why = o.body.value("error", "unavailable");
    } else {
      // Revoked since the start: every record is refused as a request without a valid
      // credential would be.
      batch.commit(std::vector<PublishingService::Outcome>(
          batch.size(),
          {401,
           {{"status", "rejected"},
            {"error", "the inbound identity '" + options_.identity + "': " + who.error},
            {"code", "unauthenticated"}}}));
    }
    if (batch.committed) {
      metrics_->committed.Increment();
      metrics_->records.Increment(double(batch.size()));
      for (const Position& p : batch.positions()) refused_for_good_.erase(p);
      last_why.clear();
      continue;
    }
    batch.abandon();
    refused_for_good_.merge(batch.refused_for_good);
    if (batch.why.empty()) batch.why = "the service cannot decide yet (reading its topics)";
    metrics_->aborted.Increment();
    if (batch.why != last_why)
      std::cerr << "annals-inbound: " << batch.size() << " record(s) to read again: " << batch.why
                << std::endl;
    last_why = batch.why;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  consumer->close();
}

}  // namespace annals
