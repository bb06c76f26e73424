// The digests: at an interval, the audit service signs the tree head of every district whose
// record grew since its last digest and publishes it to the digests topic
// (TopicNames::digests, keyed by district; the value is the signed head's JSON,
// services/transparency/signed_tree_head.h: to_json). A supervision office that reads the
// topic keeps every head the platform signed, and `annals verify audit` checks the log
// against them (docs/verifiable-log.md). Only the audit service may write the topic
// (deploy/local/broker's ACLs).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "services/kafka/producer.h"

namespace prometheus {
class Registry;
}

namespace annals {

struct DigestOptions {
  std::string brokers;
  std::string topic;  // TopicNames::digests()
  KafkaProperties settings;
  std::chrono::milliseconds interval{60000};
};

// The signed head of every district now, by district (AuditService::signed_heads).
using SignedHeads = std::function<std::map<std::string, nlohmann::json>()>;

class DigestPublisher {
 public:
  // Starts publishing every `options.interval`. Throws std::runtime_error when librdkafka
  // rejects the settings.
  DigestPublisher(DigestOptions options, SignedHeads heads, prometheus::Registry& metrics);
  ~DigestPublisher();  // stops publishing

  // Publishes the heads whose text differs from the last one published for their district;
  // returns how many the broker confirmed. A head the broker did not confirm is tried again
  // at the next interval.
  std::size_t publish_changed();

 private:
  struct Metrics;
  DigestOptions options_;
  SignedHeads heads_;
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<Metrics> metrics_;
  std::map<std::string, std::string> published_;  // district -> text of its last digest
  std::mutex publish_mu_;                         // one publish_changed() at a time
  std::mutex stop_mu_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace annals
