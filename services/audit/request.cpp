// Reading an audit request's parameters, with the 400 and 404 replies (request.h).
#include "services/audit/request.h"

#include <httplib.h>

#include "events/bounds.h"
#include "events/json_codec.h"
#include "services/http/server.h"

namespace annals {

std::optional<std::string> optional_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

void reply_400(httplib::Response& res, const std::string& message) {
  reply_error(res, 400, message);
}

std::optional<Date> date_param(const httplib::Request& req, httplib::Response& res,
                               const char* name, Date absent) {
  if (!req.has_param(name)) return absent;
  return or_400(parse_date_param(name, req.get_param_value(name)), res);
}

std::optional<Date> date_param(const httplib::Request& req, httplib::Response& res,
                               const char* name) {
  return date_param(req, res, name, today_in_beijing());
}

std::optional<Timestamp> recorded_param(const httplib::Request& req, httplib::Response& res,
                                        const char* name) {
  if (!req.has_param(name)) return Timestamp::max();
  return or_400(parse_recorded_param(name, req.get_param_value(name)), res);
}

std::optional<Period> period_param(const httplib::Request& req, httplib::Response& res) {
  auto from = optional_param(req, "from"), to = optional_param(req, "to");
  return or_400(
      parse_period(from ? std::optional<std::string_view>(*from) : std::nullopt,
                   to ? std::optional<std::string_view>(*to) : std::nullopt, today_in_beijing()),
      res);
}

std::optional<std::string> known_district(views::Reader reader, const auth::Scope& scope,
                                          const httplib::Request& req, httplib::Response& res) {
  std::string district = req.matches[1];
  if (scope.grants(district) && reader.has_district(district)) return district;
  reply_error(res, 404, "no district '" + excerpt(district) + "' in the record");
  return std::nullopt;
}

std::optional<DistrictAt> district_at(views::Reader reader, const auth::Scope& scope,
                                      const httplib::Request& req, httplib::Response& res) {
  auto at = date_param(req, res, "at");
  if (!at) return std::nullopt;
  auto as_of = recorded_param(req, res);
  if (!as_of) return std::nullopt;
  auto district = known_district(reader, scope, req, res);
  if (!district) return std::nullopt;
  return DistrictAt{std::move(*district), *at, *as_of};
}

}  // namespace annals
