// Reading topics from their start to the end the brokers have now, outside any consumer
// group (partitions assigned, nothing committed): the access log's listing, the digests a
// supervision office keeps, and `annals verify audit`'s replay of the domain topics.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "services/kafka/kafka_config.h"

namespace RdKafka {
class Message;
}

namespace annals {

// One record as a consumer reads it.
struct ConsumedRecord {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string value;
};

// A consumed Kafka message as the projection takes it: topic, partition, offset, and owned
// copies of the key and value (the projector's consumer and the benchmark's raw-limit
// consumer use the same).
ConsumedRecord consumed_record(const RdKafka::Message& message);

struct TopicReaderOptions {
  std::string brokers;
  KafkaProperties settings;  // librdkafka properties (--kafka-config), applied last
  std::string group_id;      // named in the brokers' ACLs; never joined nor committed
  std::string what;          // who reads, for error messages ("the access log")
  // The brokers must deliver something (a record or a partition's end) within this time.
  std::chrono::milliseconds idle_timeout{30000};
};

// Calls `each` with every record of every partition of `topics`, each partition in offset
// order (partitions interleaved), until every partition has been read to the end it had
// when reading reached it. Throws std::runtime_error when a topic does not exist, the brokers
// do not answer within the idle timeout, or a read fails.
void read_topics(const TopicReaderOptions& options, const std::vector<std::string>& topics,
                 const std::function<void(ConsumedRecord&&)>& each);

}  // namespace annals
