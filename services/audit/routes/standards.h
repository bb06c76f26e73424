// The standards' questions: which rule files the service has loaded (GET /v1/standards), and
// which standard answers a question about a district on a date.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "services/audit/standard.h"

namespace annals::routes {

// {"standards": [each rule file as loaded, in load order]}.
nlohmann::json standards(const Standards& standards);

// The standard a question is answered under, and why.
struct StandardChoice {
  const Standard* standard = nullptr;  // none: see `error`
  std::string why;    // why this one ("asked for by the request (?standard=ID)", "in force on
                      // ..."); when none was in force, why not; empty when `asked` is unknown
  std::string error;  // when there is none: the 404's message
};

// The standard `asked` for (?standard=) or, when none is asked for, the one in force in
// `district` on `at` (Standards::in_force).
StandardChoice choose_standard(const Standards& standards, const std::optional<std::string>& asked,
                               const std::string& district, Date at);

}  // namespace annals::routes
