#include "services/kafka/cloudevents.h"

namespace annals {

std::vector<std::pair<std::string, std::string>> cloudevent_headers(const Event& event,
                                                                    std::int64_t schema_version) {
  const Envelope& e = event.envelope;
  std::string type = type_name(event.data);
  return {
      {"ce_specversion", "1.0"},
      {"ce_id", e.id},
      {"ce_source", e.source},
      {"ce_type", type},
      {"ce_time", e.recorded_at ? e.recorded_at->to_string() : std::string()},
      {"ce_subject", e.district},
      {"ce_dataschema", "schemas/" + type + "/v" + std::to_string(schema_version) + ".schema.json"},
      {"ce_partitionkey", e.district},
      {"content-type", "application/json"},
  };
}

}  // namespace annals
