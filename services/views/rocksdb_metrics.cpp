#include "services/views/rocksdb_metrics.h"

namespace annals::views {
namespace {

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type) {
  return prometheus::MetricFamily{name, help, type, {}};
}

void add(prometheus::MetricFamily& f, double v, prometheus::ClientMetric::Label label = {}) {
  prometheus::ClientMetric m;
  if (!label.name.empty()) m.label.push_back(label);
  if (f.type == prometheus::MetricType::Counter) m.counter.value = v;
  else m.gauge.value = v;
  f.metric.push_back(std::move(m));
}

}  // namespace

std::vector<prometheus::MetricFamily> RocksDbMetrics::Collect() const {
  using prometheus::MetricType;
  auto keys = family("annals_rocksdb_estimated_keys", "Estimated keys per column family.",
                     MetricType::Gauge);
  auto sst = family("annals_rocksdb_sst_bytes", "Total SST file size per column family.",
                    MetricType::Gauge);
  auto memtable = family("annals_rocksdb_memtable_bytes", "Memtable size per column family.",
                         MetricType::Gauge);
  for (int f = 0; f < kFamilies; ++f) {
    prometheus::ClientMetric::Label label{"column_family", kFamilyNames[f]};
    if (auto v = store_.int_property(Family(f), "rocksdb.estimate-num-keys"))
      add(keys, double(*v), label);
    if (auto v = store_.int_property(Family(f), "rocksdb.total-sst-files-size"))
      add(sst, double(*v), label);
    if (auto v = store_.int_property(Family(f), "rocksdb.cur-size-all-mem-tables"))
      add(memtable, double(*v), label);
  }
  std::vector<prometheus::MetricFamily> out{keys, sst, memtable};
  if (auto stats = store_.statistics()) {
    struct Ticker {
      rocksdb::Tickers id;
      const char* name;
      const char* help;
    };
    for (const Ticker& t : {
             Ticker{rocksdb::BYTES_WRITTEN, "annals_rocksdb_bytes_written_total",
                    "Bytes written by the store."},
             Ticker{rocksdb::BYTES_READ, "annals_rocksdb_bytes_read_total",
                    "Bytes read by the store."},
             Ticker{rocksdb::BLOCK_CACHE_HIT, "annals_rocksdb_block_cache_hits_total",
                    "Block cache hits."},
             Ticker{rocksdb::BLOCK_CACHE_MISS, "annals_rocksdb_block_cache_misses_total",
                    "Block cache misses."},
             Ticker{rocksdb::COMPACT_WRITE_BYTES, "annals_rocksdb_compaction_write_bytes_total",
                    "Bytes written by compaction."},
             Ticker{rocksdb::STALL_MICROS, "annals_rocksdb_stall_micros_total",
                    "Time writes were stalled, in microseconds."},
         }) {
      auto f = family(t.name, t.help, MetricType::Counter);
      add(f, double(stats->getTickerCount(t.id)));
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace annals::views
