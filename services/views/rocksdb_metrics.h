// RocksDB's own figures for Prometheus, read at scrape time: per-family key estimates and
// SST sizes, and the statistics tickers that matter for a write-heavy projector.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "services/views/view_store.h"

namespace annals::views {

class RocksDbMetrics : public prometheus::Collectable {
 public:
  explicit RocksDbMetrics(ViewStore& store) : store_(store) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  ViewStore& store_;
};

}  // namespace annals::views
