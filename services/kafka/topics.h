// The topics of Annals, named as Kafka names them, and their creation.
//
// One topic per source system (registry, personnel, enrollment, finance), keyed by
// district, so that all of a district's events from one system are in one partition, in
// order. A dead-letter topic keeps records that could not be projected, with the reason.
// Retention is unlimited: the log is the record.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "events/enums.h"

namespace annals {

struct TopicNames {
  std::string prefix = "annals.";
  std::string of(System system) const;  // "annals.registry"; platform -> none (throws)
  std::string dead_letter() const { return prefix + "deadletter"; }
  std::vector<std::string> domain() const;  // the four source topics
};

// Creates the domain topics with `partitions` partitions each and the dead-letter topic,
// all with retention.ms=-1 and retention.bytes=-1. Topics that already exist are left as
// they are. Throws std::runtime_error with the broker's reason on any other failure.
void create_topics(const std::string& brokers, const TopicNames& names, int partitions,
                   int replication_factor);

}  // namespace annals
