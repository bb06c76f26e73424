// The publishing service `annals import` sends an event to (services/cli/import.cpp,
// Importer::route): its type's system, or for a retraction the system its source names
// (the registry's when none does). For the tests that run generated data through the rules
// in import order (tests/gen/).
#pragma once

#include <string>

#include "events/event.h"

namespace annals::testing {

inline System service_of(const Event& e) {
  System s = system_of(e.data);
  if (s != System::platform) return s;
  for (System named : {System::registry, System::personnel, System::enrollment, System::finance})
    if (e.envelope.source.find(to_string(named)) != std::string::npos) return named;
  return System::registry;
}

}  // namespace annals::testing
