// The access log: every read of a record about individual people (a trail of events, a
// diff with its causes, rotations, a school's or a teacher's timeline) is itself recorded,
// who, what and when, on the Kafka topic TopicNames::access() (keyed by district, kept
// forever like the domain topics), before the answer leaves the audit service: produced while
// the answer is made, or after (RouteContext::disclosing, routes.h): one produced while the
// answer is made is stamped as the question starts and says 200, the status the answer has
// unless making it fails (a 5xx, which shows nothing). A read that cannot be recorded is not
// answered (503). An auditor identity lists its districts' records
// (GET /v1/access-log). The topic is shared by every instance of the audit service, and only
// audit services may write it (deploy/local/broker's ACLs).
//
// A record's value (JSON):
//   {"at": "2026-11-30T08:00:00.123456Z", "identity": "<token id>", "name": "...",
//    "role": "reader", "district": "dongcheng", "endpoint": "events",
//    "request": "/v1/districts/dongcheng/events?from=2020-01-01", "status": 200}
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "services/auth/identity.h"
#include "services/kafka/producer.h"

namespace annals {

struct AccessLogOptions {
  std::string brokers;
  std::string topic;                            // TopicNames::access()
  std::map<std::string, std::string> settings;  // librdkafka properties (--kafka-config)
};

class AccessLog {
 public:
  // Throws std::runtime_error when librdkafka rejects the settings.
  explicit AccessLog(AccessLogOptions options);
  ~AccessLog();

  // Records that `who` read `request` (path and query) about `district` and was answered
  // `status`. False when the broker did not confirm it.
  bool record(const auth::Identity& who, const std::string& district, const std::string& endpoint,
              const std::string& request, int status);

  struct Query {
    auth::Scope scope;         // the auditor's districts
    std::string district;      // only this one, when not empty
    std::string name;          // only reads by the identity of this name, when not empty
    std::size_t limit = 1000;  // the most recent ones
  };
  // The records `query` asks for, oldest first, and whether older ones were left out; reads
  // the topic from its start. Throws std::runtime_error when the brokers do not answer.
  nlohmann::json list(const Query& query);

 private:
  AccessLogOptions options_;
  std::unique_ptr<Producer> producer_;
};

}  // namespace annals
