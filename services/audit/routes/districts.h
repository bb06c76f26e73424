// GET /v1/districts: the districts the record holds, across every store the service reads.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "services/auth/identity.h"
#include "services/views/view_store.h"

namespace annals::routes {

// One district as the list shows it: its id, its registered name and city (when it has been
// registered), and how many of its schools are open on `today`, on current knowledge.
nlohmann::json district_summary(views::Reader reader, const std::string& district, Date today);

// The answer: every district any of `readers` holds that `scope` grants, in id order, each
// summarised from the reader `holder` gives for it (the store that holds it now); and the
// consistent_to of every reader, one after another.
nlohmann::json districts(const std::vector<views::Reader>& readers,
                         const std::function<views::Reader(const std::string&)>& holder, Date today,
                         const auth::Scope& scope);

}  // namespace annals::routes
