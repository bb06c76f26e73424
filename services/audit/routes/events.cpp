// The audit trail's pages (events.h).
#include "services/audit/routes/events.h"

#include "services/audit/query_params.h"
#include "services/audit/render.h"

namespace annals::routes {

using nlohmann::json;

json events(views::Reader reader, const std::string& district, const TrailPageQuery& query) {
  TrailPage page = trail_page(reader, district, query);
  json events = json::array();
  for (const auto& e : page.events) events.push_back(event_json(e.event, e.retracted_at));
  json body = {{"district", district},
               {"events", events},
               {"consistent_to", consistent_to_json(reader.offsets())}};
  body["next"] = page.more ? json(encode_cursor(page.events.back().order_key)) : json();
  return body;
}

}  // namespace annals::routes
