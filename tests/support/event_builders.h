// Short ways to write the events a test needs.
#pragma once

#include <string>

#include "events/event.h"
#include "events/identifier.h"
#include "events/json_codec.h"

namespace annals::testing {

inline Date day(const char* ymd) { return *Date::parse(ymd); }
inline Timestamp at(const char* rfc3339) { return *Timestamp::parse(rfc3339); }

inline Event make_event(const std::string& name, const std::string& district, const char* effective,
                        const char* recorded, Payload data) {
  Event e;
  e.envelope.id = uuid_from_name("test", name);
  e.envelope.district = district;
  e.envelope.effective_date = day(effective);
  e.envelope.recorded_at = at(recorded);
  e.envelope.source = "test";
  e.data = std::move(data);
  e.envelope.schema_version = std::visit(
      [](const auto& d) -> std::int64_t { return std::decay_t<decltype(d)>::kVersion; }, e.data);
  return e;
}

inline SchoolOpened opening(const std::string& id, const std::string& name,
                            std::vector<Stage> stages = {Stage::primary}) {
  SchoolOpened o;
  o.school_id = id;
  o.name = name;
  o.stages = std::move(stages);
  o.kind = SchoolKind::regular;
  o.ownership = Ownership::public_;
  o.location = LocationClass::urban;
  return o;
}

inline SchoolMerged merger(std::vector<std::string> absorbed, const std::string& survivor) {
  SchoolMerged m;
  m.absorbed_ids = std::move(absorbed);
  m.surviving_id = survivor;
  return m;
}

}  // namespace annals::testing
