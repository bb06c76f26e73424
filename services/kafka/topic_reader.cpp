// Reading topics to their end (services/kafka/topic_reader.h).
#include "services/kafka/topic_reader.h"

#include <memory>
#include <set>
#include <stdexcept>
#include <utility>

#include <librdkafka/rdkafkacpp.h>

namespace annals {

ConsumedRecord consumed_record(const RdKafka::Message& msg) {
  ConsumedRecord r;
  r.topic = msg.topic_name();
  r.partition = msg.partition();
  r.offset = msg.offset();
  if (msg.key()) r.key = *msg.key();
  r.value.assign(static_cast<const char*>(msg.payload()), msg.len());
  return r;
}

void read_topics(const TopicReaderOptions& options, const std::vector<std::string>& topics,
                 const std::function<void(ConsumedRecord&&)>& each) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  auto set = [&](const std::string& k, const std::string& v) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK)
      throw std::runtime_error(options.what + "'s consumer: " + k + ": " + err);
  };
  set("bootstrap.servers", options.brokers);
  set("group.id", options.group_id);  // assign() only: never joined nor committed
  set("enable.partition.eof", "true");
  set("enable.auto.commit", "false");
  apply_kafka_config(*conf, options.settings, options.what + "'s consumer");
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) throw std::runtime_error(options.what + "'s consumer: " + err);
  std::vector<RdKafka::TopicPartition*> parts;
  auto release = [&] { RdKafka::TopicPartition::destroy(parts); };
  for (const auto& name : topics) {
    std::unique_ptr<RdKafka::Topic> topic(
        RdKafka::Topic::create(consumer.get(), name, nullptr, err));
    RdKafka::Metadata* md = nullptr;
    if (!topic || consumer->metadata(false, topic.get(), &md, 5000) != RdKafka::ERR_NO_ERROR) {
      release();
      throw std::runtime_error("the brokers did not answer for " + name);
    }
    std::unique_ptr<RdKafka::Metadata> owned(md);
    for (const auto* tm : *md->topics()) {
      if (tm->err() != RdKafka::ERR_NO_ERROR) {
        release();
        throw std::runtime_error("topic " + name + ": " + RdKafka::err2str(tm->err()));
      }
      for (const auto* pm : *tm->partitions())
        parts.push_back(
            RdKafka::TopicPartition::create(name, pm->id(), RdKafka::Topic::OFFSET_BEGINNING));
    }
  }
  std::size_t n = parts.size();
  std::set<std::pair<std::string, std::int32_t>> ended;  // a partition ends once
  consumer->assign(parts);
  release();
  auto last = std::chrono::steady_clock::now();
  while (ended.size() < n) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(200));
    auto now = std::chrono::steady_clock::now();
    if (m->err() == RdKafka::ERR__TIMED_OUT) {
      if (now - last > options.idle_timeout)
        throw std::runtime_error(options.what + ": the brokers sent nothing for " +
                                 std::to_string(options.idle_timeout.count() / 1000) + " s");
      continue;
    }
    last = now;
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      ended.emplace(m->topic_name(), m->partition());
    } else if (m->err() == RdKafka::ERR_NO_ERROR) {
      each(consumed_record(*m));
    } else {
      throw std::runtime_error(options.what + ": reading " + m->topic_name() + ": " + m->errstr());
    }
  }
  consumer->close();
}

}  // namespace annals
