// The end (high watermark) of many partitions in one request: a ListOffsets for "latest"
// (librdkafka's offsetsForTimes with timestamp -1) instead of one round trip per partition.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace RdKafka {
class Handle;
}

namespace annals {

using TopicPartitionId = std::pair<std::string, std::int32_t>;

// The next offset to be written in each partition; empty when the brokers do not answer
// within `timeout` or any partition fails.
std::map<TopicPartitionId, std::int64_t> end_offsets(
    RdKafka::Handle& handle, const std::vector<TopicPartitionId>& partitions,
    std::chrono::milliseconds timeout);

}  // namespace annals
