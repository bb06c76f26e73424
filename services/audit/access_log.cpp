#include "services/audit/access_log.h"

#include <algorithm>
#include <stdexcept>

#include <librdkafka/rdkafkacpp.h>

#include "events/time.h"
#include "services/kafka/kafka_config.h"

namespace annals {

using nlohmann::json;

AccessLog::AccessLog(AccessLogOptions options) : options_(std::move(options)) {
  ProducerOptions p;
  p.brokers = options_.brokers;
  p.delivery_timeout = std::chrono::milliseconds(5000);
  p.linger = std::chrono::milliseconds(1);
  p.settings = options_.settings;
  producer_ = std::make_unique<Producer>(p);
}

AccessLog::~AccessLog() = default;

bool AccessLog::record(const auth::Identity& who, const std::string& district,
                       const std::string& endpoint, const std::string& request, int status) {
  json value = {{"at", Timestamp::now().to_string()},
                {"identity", who.id},
                {"name", who.name},
                {"role", to_string(who.role)},
                {"district", district},
                {"endpoint", endpoint},
                {"request", request},
                {"status", status}};
  auto deliveries = producer_->produce(
      {{options_.topic, district, value.dump(-1, ' ', false, json::error_handler_t::replace), {}}});
  return !deliveries.empty() && deliveries[0].ok;
}

namespace {

// Calls `each` with every record's value of `topic`, partition by partition, from the start
// to the end the brokers have now.
template <class F>
void read_topic(const AccessLogOptions& options, F&& each) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  auto set = [&](const std::string& k, const std::string& v) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK)
      throw std::runtime_error("the access log's consumer: " + k + ": " + err);
  };
  set("bootstrap.servers", options.brokers);
  set("group.id", "annals-audit-access-log");  // never joined nor committed: assign() only
  set("enable.partition.eof", "true");
  set("enable.auto.commit", "false");
  apply_kafka_config(*conf, options.settings, "the access log's consumer");
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) throw std::runtime_error("the access log's consumer: " + err);
  std::unique_ptr<RdKafka::Topic> topic(
      RdKafka::Topic::create(consumer.get(), options.topic, nullptr, err));
  RdKafka::Metadata* md = nullptr;
  if (consumer->metadata(false, topic.get(), &md, 5000) != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("the brokers did not answer for " + options.topic);
  std::vector<RdKafka::TopicPartition*> parts;
  for (const auto* tm : *md->topics())
    for (const auto* pm : *tm->partitions())
      parts.push_back(RdKafka::TopicPartition::create(options.topic, pm->id(),
                                                      RdKafka::Topic::OFFSET_BEGINNING));
  delete md;
  consumer->assign(parts);
  std::size_t eofs = 0, n = parts.size();
  RdKafka::TopicPartition::destroy(parts);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (eofs < n) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("reading " + options.topic + " took longer than 30 s");
    std::unique_ptr<RdKafka::Message> m(consumer->consume(200));
    if (m->err() == RdKafka::ERR__PARTITION_EOF) ++eofs;
    else if (m->err() == RdKafka::ERR_NO_ERROR)
      each(std::string_view(static_cast<const char*>(m->payload()), m->len()));
    else if (m->err() != RdKafka::ERR__TIMED_OUT)
      throw std::runtime_error("reading " + options.topic + ": " + m->errstr());
  }
  consumer->close();
}

}  // namespace

json AccessLog::list(const Query& query) {
  std::vector<json> kept;
  read_topic(options_, [&](std::string_view value) {
    json r = json::parse(value, nullptr, false);
    if (!r.is_object() || !r.contains("district") || !r["district"].is_string()) return;
    const std::string& d = r["district"].get_ref<const std::string&>();
    if (!query.scope.grants(d) || (!query.district.empty() && d != query.district)) return;
    if (!query.name.empty() && r.value("name", "") != query.name) return;
    kept.push_back(std::move(r));
  });
  // The partitions were read one after another: in time order, then the most recent ones.
  std::stable_sort(kept.begin(), kept.end(), [](const json& a, const json& b) {
    return a.value("at", "") < b.value("at", "");
  });
  bool truncated = kept.size() > query.limit;
  json records = json::array();
  for (std::size_t i = truncated ? kept.size() - query.limit : 0; i < kept.size(); ++i)
    records.push_back(std::move(kept[i]));
  return {{"records", records}, {"truncated", truncated}};
}

}  // namespace annals
