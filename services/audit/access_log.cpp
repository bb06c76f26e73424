#include "services/audit/access_log.h"

#include <algorithm>
#include <stdexcept>

#include "events/time.h"
#include "services/kafka/topic_reader.h"

namespace annals {

using nlohmann::json;

AccessLog::AccessLog(AccessLogOptions options) : options_(std::move(options)) {
  ProducerOptions p;
  p.brokers = options_.brokers;
  p.delivery_timeout = std::chrono::milliseconds(5000);
  // Each record waits for its confirmation before an answer is sent: none waits to be batched.
  p.linger = std::chrono::milliseconds(0);
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

json AccessLog::list(const Query& query) {
  std::vector<json> kept;
  TopicReaderOptions reader{options_.brokers, options_.settings, "annals-audit-access-log",
                            "the access log", std::chrono::milliseconds(30000)};
  read_topics(reader, {options_.topic}, [&](ConsumedRecord&& record) {
    json r = json::parse(record.value, nullptr, false);
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
