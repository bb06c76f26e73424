// Reads a whole topic from the beginning with librdkafka (no consumer group): what the log
// really holds, for tests that count records. An optional librdkafka properties file
// (--kafka-config's format, services/kafka/kafka_config.h) is applied last: a secured broker.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <librdkafka/rdkafkacpp.h>

#include "services/kafka/kafka_config.h"

namespace annals::testing {

struct TopicRecord {
  std::string value;
  std::map<std::string, std::string> headers;
};

inline std::vector<TopicRecord> read_records(const std::string& brokers, const std::string& topic,
                                             const std::string& kafka_config = "") {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", brokers, err);
  conf->set("group.id", "annals-test-reader", err);
  conf->set("enable.partition.eof", "true", err);
  conf->set("enable.auto.commit", "false", err);
  apply_kafka_config(*conf, load_kafka_config(kafka_config), "the test's topic reader");
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) throw std::runtime_error(err);
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(consumer.get(), topic, nullptr, err));
  RdKafka::Metadata* md = nullptr;
  if (consumer->metadata(false, t.get(), &md, 10000) != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("metadata");
  std::vector<RdKafka::TopicPartition*> parts;
  for (const auto* tm : *md->topics())
    for (const auto* pm : *tm->partitions())
      parts.push_back(
          RdKafka::TopicPartition::create(topic, pm->id(), RdKafka::Topic::OFFSET_BEGINNING));
  delete md;
  consumer->assign(parts);
  std::size_t eofs = 0, n = parts.size();
  RdKafka::TopicPartition::destroy(parts);
  std::vector<TopicRecord> values;
  int idle = 0;
  while (eofs < n && idle < 100) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
    if (m->err() == RdKafka::ERR__PARTITION_EOF) ++eofs;
    else if (m->err() == RdKafka::ERR__TIMED_OUT) ++idle;
    else if (!m->err()) {
      TopicRecord r{std::string(static_cast<const char*>(m->payload()), m->len()), {}};
      if (m->headers())
        for (const auto& h : m->headers()->get_all())
          r.headers[h.key()] = std::string(static_cast<const char*>(h.value()), h.value_size());
      values.push_back(std::move(r));
    }
  }
  consumer->close();
  return values;
}

inline std::vector<std::string> read_topic(const std::string& brokers, const std::string& topic,
                                           const std::string& kafka_config = "") {
  std::vector<std::string> values;
  for (auto& r : read_records(brokers, topic, kafka_config)) values.push_back(std::move(r.value));
  return values;
}

}  // namespace annals::testing
