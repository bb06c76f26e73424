// The publishing service's Prometheus metrics (names the dashboards, alerts and tests use),
// shared by publishing_service.cpp and publishing_request.cpp. Private to the service.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "services/publisher/publishing_service.h"

namespace annals {

struct PublishingService::Metrics {
  explicit Metrics(prometheus::Registry& r)
      : accepted(prometheus::BuildCounter()
                     .Name("annals_events_accepted_total")
                     .Help("Events published and confirmed by the broker, by type.")
                     .Register(r)),
        rejected(prometheus::BuildCounter()
                     .Name("annals_events_rejected_total")
                     .Help("Events not published, by type and reason (invalid, a rule's name, "
                           "unavailable).")
                     .Register(r)),
        latency(prometheus::BuildHistogram()
                    .Name("annals_publish_duration_seconds")
                    .Help("Time from receiving a request to the broker's confirmation.")
                    .Register(r)
                    .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01,
                                                                     0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                                     2.5, 5, 10})),
        in_flight(prometheus::BuildGauge()
                      .Name("annals_http_requests_in_flight")
                      .Help("Publish requests being handled.")
                      .Register(r)
                      .Add({})),
        queue_depth(prometheus::BuildGauge()
                        .Name("annals_producer_queue_depth")
                        .Help("Records handed to the Kafka producer and not yet confirmed.")
                        .Register(r)
                        .Add({})) {}
  prometheus::Family<prometheus::Counter>& accepted;
  prometheus::Family<prometheus::Counter>& rejected;
  prometheus::Histogram& latency;
  prometheus::Gauge& in_flight;
  prometheus::Gauge& queue_depth;
};

}  // namespace annals
