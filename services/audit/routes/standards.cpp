// The standards loaded, and the choice of one for a question (standards.h).
#include "services/audit/routes/standards.h"

#include "events/bounds.h"

namespace annals::routes {

using nlohmann::json;

json standards(const Standards& standards) {
  json out = json::array();
  for (const auto& s : standards.all()) out.push_back(s.source);
  return {{"standards", out}};
}

StandardChoice choose_standard(const Standards& standards, const std::optional<std::string>& asked,
                               const std::string& district, Date at) {
  StandardChoice choice;
  if (asked) {
    choice.standard = standards.find(*asked);
    if (!choice.standard) {
      std::string known;
      for (const auto& k : standards.all()) known += (known.empty() ? "" : ", ") + k.id;
      choice.error = "no standard '" + excerpt(*asked) + "'; known: " + known;
    } else {
      choice.why = "asked for by the request (?standard=" + *asked + ")";
    }
    return choice;
  }
  choice.standard = standards.in_force(district, at, choice.why);
  if (!choice.standard) choice.error = choice.why + ": ask for one with ?standard=";
  return choice;
}

}  // namespace annals::routes
