#include "services/kafka/producer.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include <librdkafka/rdkafkacpp.h>

#include "services/kafka/end_offsets.h"

namespace annals {

// One produce() call: how many records are outstanding and what became of each.
struct Producer::Pending {
  std::mutex mu;
  std::condition_variable done;
  std::size_t remaining = 0;
  std::vector<Delivery> results;
};

namespace {
struct Slot {
  Producer::Pending* pending;
  std::size_t index;
};
}  // namespace

class DeliveryCallback : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    auto* slot = static_cast<Slot*>(message.msg_opaque());
    auto* pending = slot->pending;
    Delivery d;
    d.ok = message.err() == RdKafka::ERR_NO_ERROR;
    d.partition = message.partition();
    d.offset = message.offset();
    if (!d.ok) {
      d.error = message.errstr();
      d.retriable = true;  // timeouts, transport and broker errors
      d.possibly_persisted = message.status() != RdKafka::Message::MSG_STATUS_NOT_PERSISTED;
      if (message.err() == RdKafka::ERR_MSG_SIZE_TOO_LARGE ||
          message.err() == RdKafka::ERR_INVALID_MSG ||
          message.err() == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART ||
          message.err() == RdKafka::ERR__UNKNOWN_TOPIC)
        d.retriable = false;
    }
    std::lock_guard lock(pending->mu);
    pending->results[slot->index] = std::move(d);
    if (--pending->remaining == 0) pending->done.notify_all();
  }
};

namespace {
// Throws when `error` (owned) is an error, with `what` and the brokers' reason.
void throw_if(RdKafka::Error* error, const std::string& what) {
  if (!error) return;
  std::string reason = error->str();
  delete error;
  throw std::runtime_error("kafka producer: " + what + ": " + reason);
}
}  // namespace

Producer::Producer(const ProducerOptions& options)
    : callback_(std::make_unique<DeliveryCallback>()) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  auto set = [&](const std::string& k, const std::string& v) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK)
      throw std::runtime_error("kafka producer: setting " + k + ": " + err);
  };
  set("bootstrap.servers", options.brokers);
  set("enable.idempotence", "true");
  set("acks", "all");
  set("linger.ms", std::to_string(options.linger.count()));
  set("message.timeout.ms", std::to_string(options.delivery_timeout.count()));
  set("compression.type", "lz4");
  set("batch.num.messages", "10000");
  set("queue.buffering.max.messages", "1000000");
  if (!options.transactional_id.empty()) set("transactional.id", options.transactional_id);
  apply_kafka_config(*conf, options.settings, "kafka producer");
  // A district's events are keyed by its id and must all land in one partition, whose order
  // is the record's (docs/architecture.md): librdkafka's default partitioner (CRC32 of the key
  // modulo the partition count), set after --kafka-config so that no file moves a district to
  // another partition in the middle of its history. A router in front of scaled-out audit
  // services finds a district's partition the same way (README.md, Scaling out).
  set("partitioner", "consistent_random");
  if (conf->set("dr_cb", callback_.get(), err) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error(err);
  producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!producer_) throw std::runtime_error("kafka producer: " + err);
  poller_ = std::thread([this] {
    while (!stopping_) producer_->poll(50);
  });
  if (!options.transactional_id.empty()) {
    timeout_ms_ = int(options.delivery_timeout.count());
    try {
      throw_if(producer_->init_transactions(timeout_ms_), "registering the transactional id");
    } catch (...) {
      stopping_ = true;
      poller_.join();
      throw;
    }
  }
}

void Producer::begin_transaction() {
  throw_if(producer_->begin_transaction(), "beginning a transaction");
}

namespace {
// Calls `call` (a librdkafka transactional call returning an owned Error) as librdkafka's
// contract asks: again while its error is retriable (a timeout: the call goes on in the
// background), up to `tries` times; returns the error that ended it (null: done).
template <class Call>
std::unique_ptr<RdKafka::Error> retried(Call&& call, int tries) {
  for (int i = 1;; ++i) {
    std::unique_ptr<RdKafka::Error> error(call());
    if (!error || !error->is_retriable() || i >= tries) return error;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}
constexpr int kTries = 20;  // with the 15 s call timeout: minutes of a broker outage
}  // namespace

void Producer::abort_transaction() {
  std::unique_ptr<RdKafka::Error> error =
      retried([&] { return producer_->abort_transaction(timeout_ms_); }, kTries);
  if (error) throw std::runtime_error("kafka producer: aborting a transaction: " + error->str());
}

std::string Producer::commit_transaction(const std::vector<RdKafka::TopicPartition*>& offsets,
                                         const RdKafka::ConsumerGroupMetadata& group) {
  // librdkafka's contract: a retriable error is retried (the same call), one that requires an
  // abort is answered by aborting, any other (fatal: fenced, say) ends this producer.
  auto attempt = [&](auto&& call, const char* what) -> std::string {
    std::unique_ptr<RdKafka::Error> error = retried(call, kTries);
    if (!error) return "";
    std::string reason = std::string(what) + ": " + error->str();
    if (!error->txn_requires_abort())
      throw std::runtime_error("kafka producer: " + reason);  // fatal, or retried too long
    abort_transaction();
    return reason;
  };
  if (!offsets.empty()) {
    std::string failed = attempt(
        [&] {
          return producer_->send_offsets_to_transaction(
              offsets, const_cast<RdKafka::ConsumerGroupMetadata*>(&group), timeout_ms_);
        },
        "sending the consumed offsets");
    if (!failed.empty()) return failed;
  }
  return attempt([&] { return producer_->commit_transaction(timeout_ms_); },
                 "committing the transaction");
}

Producer::~Producer() {
  producer_->flush(30000);
  stopping_ = true;
  poller_.join();
}

int Producer::queue_depth() const { return producer_->outq_len(); }

std::vector<std::int64_t> Producer::high_watermarks(const std::string& topic,
                                                    std::chrono::milliseconds timeout) const {
  std::string err;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(producer_.get(), topic, nullptr, err));
  RdKafka::Metadata* metadata = nullptr;
  std::vector<std::int64_t> out;
  if (!t || producer_->metadata(false, t.get(), &metadata, int(timeout.count())) !=
                RdKafka::ERR_NO_ERROR) {
    delete metadata;
    return out;
  }
  std::vector<TopicPartitionId> partitions;
  for (const auto* tm : *metadata->topics())
    for (const auto* pm : *tm->partitions()) partitions.push_back({topic, pm->id()});
  delete metadata;
  for (const auto& [tp, end] : end_offsets(*producer_, partitions, timeout)) {
    if (std::size_t(tp.second) >= out.size()) out.resize(tp.second + 1, 0);
    out[tp.second] = end;
  }
  if (out.size() != partitions.size()) out.clear();
  return out;
}

bool Producer::broker_reachable(std::chrono::milliseconds timeout) const {
  RdKafka::Metadata* metadata = nullptr;
  RdKafka::ErrorCode e = producer_->metadata(false, nullptr, &metadata, int(timeout.count()));
  delete metadata;
  return e == RdKafka::ERR_NO_ERROR;
}

std::vector<Delivery> Producer::produce(const std::vector<ProducerRecord>& records) {
  Pending pending;
  pending.results.resize(records.size());
  pending.remaining = records.size();
  std::vector<Slot> slots(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    slots[i] = Slot{&pending, i};
    RdKafka::Headers* headers = RdKafka::Headers::create();
    for (const auto& [k, v] : r.headers) headers->add(k, v);
    for (;;) {
      RdKafka::ErrorCode e =
          producer_->produce(r.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                             const_cast<char*>(r.value.data()), r.value.size(), r.key.data(),
                             r.key.size(), 0, headers, &slots[i]);
      if (e == RdKafka::ERR_NO_ERROR) break;  // librdkafka owns the headers now
      if (e == RdKafka::ERR__QUEUE_FULL) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      delete headers;
      std::lock_guard lock(pending.mu);
      pending.results[i] = Delivery{false, -1, -1, RdKafka::err2str(e), false};
      --pending.remaining;
      break;
    }
  }
  std::unique_lock lock(pending.mu);
  pending.done.wait(lock, [&] { return pending.remaining == 0; });
  return std::move(pending.results);
}

}  // namespace annals
