// Publishing the districts' signed tree heads (services/audit/digest_publisher.h).
#include "services/audit/digest_publisher.h"

#include <iostream>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

namespace annals {

struct DigestPublisher::Metrics {
  explicit Metrics(prometheus::Registry& r)
      : digests(prometheus::BuildCounter()
                    .Name("annals_digests_total")
                    .Help("Signed tree heads offered to the digests topic, by outcome "
                          "(published, failed: not confirmed by the broker, tried again).")
                    .Register(r)),
        published(digests.Add({{"outcome", "published"}})),
        failed(digests.Add({{"outcome", "failed"}})) {}
  prometheus::Family<prometheus::Counter>& digests;
  prometheus::Counter& published;
  prometheus::Counter& failed;
};

DigestPublisher::DigestPublisher(DigestOptions options, SignedHeads heads,
                                 prometheus::Registry& metrics)
    : options_(std::move(options)), heads_(std::move(heads)),
      metrics_(std::make_unique<Metrics>(metrics)) {
  ProducerOptions p;
  p.brokers = options_.brokers;
  p.settings = options_.settings;
  producer_ = std::make_unique<Producer>(p);
  thread_ = std::thread([this] {
    std::unique_lock lock(stop_mu_);
    while (!stop_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
      lock.unlock();
      try {
        publish_changed();
      } catch (const std::exception& e) {  // never ends the process: tried again next time
        std::cerr << "annals-audit: digests: " << e.what() << std::endl;
      }
      lock.lock();
    }
  });
}

DigestPublisher::~DigestPublisher() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
}

std::size_t DigestPublisher::publish_changed() {
  std::lock_guard lock(publish_mu_);
  std::vector<ProducerRecord> records;
  std::vector<std::pair<std::string, std::string>> texts;  // district, text
  for (auto& [district, head] : heads_()) {
    std::string text = head.value("text", "");
    auto it = published_.find(district);
    if (it != published_.end() && it->second == text) continue;
    records.push_back({options_.topic, district, head.dump(), {}});
    texts.emplace_back(district, std::move(text));
  }
  if (records.empty()) return 0;
  auto deliveries = producer_->produce(records);
  std::size_t confirmed = 0;
  for (std::size_t i = 0; i < deliveries.size(); ++i) {
    if (!deliveries[i].ok) {
      metrics_->failed.Increment();
      continue;
    }
    published_[texts[i].first] = std::move(texts[i].second);
    metrics_->published.Increment();
    ++confirmed;
  }
  return confirmed;
}

}  // namespace annals
