// The CloudEvents Kafka protocol binding, binary content mode.
//
// The record value is the Annals event document itself (application/json), so the log is
// self-describing and any consumer can rebuild every view from values alone. The required
// CloudEvents context attributes ride in ce_ headers so that routers and generic CloudEvents
// consumers need not parse the value:
//   ce_specversion=1.0  ce_id=<event id>  ce_source=<source>  ce_type=<type>
//   ce_time=<recorded_at>  ce_subject=<district>  ce_dataschema=<schema path>
//   ce_partitionkey=<district> (the record key)  content-type=application/json
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "events/event.h"

namespace annals {

// The headers of `event`'s record, whose data is written at `schema_version` of its type (the
// version the producer sent, which the log keeps: ce_dataschema names that schema).
std::vector<std::pair<std::string, std::string>> cloudevent_headers(const Event& event,
                                                                    std::int64_t schema_version);

}  // namespace annals
