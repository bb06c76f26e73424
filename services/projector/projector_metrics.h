// The projector's Prometheus metrics (names the dashboards, alerts and tests use), shared by
// projector.cpp and projector_consumer.cpp. Private to the projector.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "services/projector/projector.h"

namespace annals {

struct Projector::Metrics {
  explicit Metrics(prometheus::Registry& r)
      : applied(prometheus::BuildCounter()
                    .Name("annals_projector_events_applied_total")
                    .Help("Events applied to the views, by type.")
                    .Register(r)),
        duplicates(prometheus::BuildCounter()
                       .Name("annals_projector_duplicate_events_total")
                       .Help("Records whose event id was already applied (not applied again).")
                       .Register(r)
                       .Add({})),
        dead_letters(prometheus::BuildCounter()
                         .Name("annals_projector_dead_letters_total")
                         .Help("Records sent to the dead-letter topic, by source topic.")
                         .Register(r)),
        recorded_at_regressions(
            prometheus::BuildCounter()
                .Name("annals_projector_recorded_at_regressions_total")
                .Help("Events recorded before an event applied earlier for the same district and "
                      "topic (recorded_at went back in time; applied by their recorded_at).")
                .Register(r)
                .Add({})),
        id_conflicts(prometheus::BuildCounter()
                         .Name("annals_projector_id_conflicts_total")
                         .Help("Records that reuse an applied event id for different content.")
                         .Register(r)
                         .Add({})),
        dead_letters_unsent(prometheus::BuildCounter()
                                .Name("annals_projector_dead_letters_unsent_total")
                                .Help("Dead letters the broker refused even without their value "
                                      "(logged with their source position).")
                                .Register(r)
                                .Add({})),
        batch_seconds(
            prometheus::BuildHistogram()
                .Name("annals_projector_batch_apply_seconds")
                .Help("Time to stage and write one batch to RocksDB.")
                .Register(r)
                .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                                 0.025, 0.05, 0.1, 0.25, 0.5, 1})),
        batch_size(
            prometheus::BuildHistogram()
                .Name("annals_projector_batch_records")
                .Help("Records per applied batch.")
                .Register(r)
                .Add({}, prometheus::Histogram::BucketBoundaries{1, 10, 100, 1000, 5000, 10000})),
        lag(prometheus::BuildGauge()
                .Name("annals_projector_consumer_lag")
                .Help("Records in the partition not yet applied (high watermark - next offset).")
                .Register(r)),
        next_offset(prometheus::BuildGauge()
                        .Name("annals_projector_next_offset")
                        .Help("Next offset to apply, per partition.")
                        .Register(r)) {}
  prometheus::Family<prometheus::Counter>& applied;
  prometheus::Counter& duplicates;
  prometheus::Family<prometheus::Counter>& dead_letters;
  prometheus::Counter& recorded_at_regressions;
  prometheus::Counter& id_conflicts;
  prometheus::Counter& dead_letters_unsent;
  prometheus::Histogram& batch_seconds;
  prometheus::Histogram& batch_size;
  prometheus::Family<prometheus::Gauge>& lag;  // per topic and partition
  prometheus::Family<prometheus::Gauge>& next_offset;
};

}  // namespace annals
