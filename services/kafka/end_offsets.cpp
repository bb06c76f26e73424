#include "services/kafka/end_offsets.h"

#include <librdkafka/rdkafkacpp.h>

namespace annals {

std::map<TopicPartitionId, std::int64_t> end_offsets(
    RdKafka::Handle& handle, const std::vector<TopicPartitionId>& partitions,
    std::chrono::milliseconds timeout) {
  std::vector<RdKafka::TopicPartition*> query;
  for (const auto& [topic, partition] : partitions)
    query.push_back(RdKafka::TopicPartition::create(topic, partition, -1 /* latest */));
  std::map<TopicPartitionId, std::int64_t> out;
  if (handle.offsetsForTimes(query, int(timeout.count())) == RdKafka::ERR_NO_ERROR) {
    for (const auto* tp : query) {
      if (tp->err() != RdKafka::ERR_NO_ERROR || tp->offset() < 0) {
        out.clear();
        break;
      }
      out[{tp->topic(), tp->partition()}] = tp->offset();
    }
  }
  RdKafka::TopicPartition::destroy(query);
  return out;
}

}  // namespace annals
