#include "services/kafka/topics.h"

#include <memory>
#include <set>
#include <stdexcept>

#include <librdkafka/rdkafka.h>

namespace annals {

std::string TopicNames::of(System system) const {
  if (system == System::platform)
    throw std::invalid_argument("platform events have no topic of their own");
  return prefix + std::string(to_string(system));
}

std::vector<std::string> TopicNames::domain() const {
  return {of(System::registry), of(System::personnel), of(System::enrollment), of(System::finance)};
}

void create_topics(const std::string& brokers, const TopicNames& names, int partitions,
                   int replication_factor, const KafkaProperties& config) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  try {
    KafkaProperties settings = config;
    settings.insert({"bootstrap.servers", brokers});  // unless the config has its own
    apply_kafka_config(conf, settings, "creating topics");
  } catch (...) {
    rd_kafka_conf_destroy(conf);
    throw;
  }
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> rk(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err), rd_kafka_destroy);
  if (!rk) throw std::runtime_error(err);

  std::vector<std::string> topics = names.domain();
  topics.push_back(names.access());
  topics.push_back(names.digests());
  topics.push_back(names.dead_letter());
  std::set<std::string> mailboxes;
  for (System s : {System::registry, System::personnel, System::enrollment, System::finance})
    for (const std::string& t : {names.inbound(s), names.outcomes(s)}) {
      topics.push_back(t);
      mailboxes.insert(t);
    }
  std::vector<rd_kafka_NewTopic_t*> requests;
  for (const auto& t : topics) {
    int n = t == names.dead_letter() ? 1 : partitions;
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(t.c_str(), n, replication_factor, err, sizeof err);
    if (!nt) throw std::runtime_error(err);
    rd_kafka_NewTopic_set_config(
        nt, "retention.ms",
        mailboxes.count(t) ? std::to_string(30LL * 86400 * 1000).c_str() : "-1");
    rd_kafka_NewTopic_set_config(nt, "retention.bytes", "-1");
    rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "delete");
    if (replication_factor > 1) rd_kafka_NewTopic_set_config(nt, "min.insync.replicas", "2");
    requests.push_back(nt);
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk.get());
  rd_kafka_AdminOptions_t* options =
      rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, 30000, err, sizeof err);
  rd_kafka_CreateTopics(rk.get(), requests.data(), requests.size(), options, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 60000);
  std::string failure;
  if (!ev) {
    failure = "no answer from the broker within 60 s";
  } else if (rd_kafka_event_error(ev)) {
    failure = rd_kafka_event_error_string(ev);
  } else {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &count);
    for (size_t i = 0; i < count; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        failure += std::string(rd_kafka_topic_result_name(results[i])) + ": " +
                   rd_kafka_topic_result_error_string(results[i]) + "; ";
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy_array(requests.data(), requests.size());
  rd_kafka_queue_destroy(queue);
  if (!failure.empty()) throw std::runtime_error("creating topics: " + failure);
}

}  // namespace annals
