// The topics of Annals, named as Kafka names them, and their creation.
//
// One topic per source system (registry, personnel, enrollment, finance), keyed by
// district, so that all of a district's events from one system are in one partition, in
// order. A dead-letter topic keeps records that could not be projected, with the reason; the
// access topic, who read records about individual people (the audit service's access log); the
// digests topic, the districts' signed tree heads.
// A municipal system that speaks Kafka writes its events to its inbound topic (keyed by
// district) and reads what became of each from its outcomes topic (keyed by event id):
// services/publisher/inbound_consumer.h. Those two are a mailbox, not the record: they keep 30
// days. Every other topic's retention is unlimited: the log is the record. Who may write and read
// each topic is the brokers' ACLs (deploy/local/broker secure): only the identities that stamp
// recorded_at (the publishing services, a privileged history import) write the domain topics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "events/enums.h"
#include "services/kafka/kafka_config.h"

namespace annals {

struct TopicNames {
  std::string prefix = "annals.";
  std::string of(System system) const;  // "annals.registry"; platform -> none (throws)
  std::string dead_letter() const { return prefix + "deadletter"; }
  // The audit service's read-access log of pupil-level records, keyed by district.
  std::string access() const { return prefix + "access"; }
  // The districts' signed tree heads, published by the audit service at an interval, keyed by
  // district (docs/verifiable-log.md): what a supervision office keeps.
  std::string digests() const { return prefix + "digests"; }
  std::vector<std::string> domain() const;  // the four source topics
  // What `system` writes with its own Kafka client ("annals.inbound.registry"), and where its
  // publishing service answers each event ("annals.outcomes.registry").
  std::string inbound(System system) const {
    return prefix + "inbound." + of(system).substr(prefix.size());
  }
  std::string outcomes(System system) const {
    return prefix + "outcomes." + of(system).substr(prefix.size());
  }
};

// Creates the domain topics, the access topic, the digests topic and every system's inbound and
// outcomes topics with `partitions` partitions each and the dead-letter topic (one), all with
// retention.ms=-1 and retention.bytes=-1 but the inbound and outcomes topics (30 days), as a
// client of `brokers` configured by `config` (applied last; creating topics needs an identity
// allowed to, deploy/local/broker's admin). Topics that already exist are left as they are. Throws
// std::runtime_error with the broker's reason on any other failure.
void create_topics(const std::string& brokers, const TopicNames& names, int partitions,
                   int replication_factor, const KafkaProperties& config = {});

}  // namespace annals
