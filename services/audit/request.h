// Reading an audit request's parameters: each helper reads one parameter (or the district of
// the path) with the pure parsers of query_params.h and, when it is wrong, replies the error
// on `res` (400 for a malformed parameter, 404 for an unknown district) and returns nullopt;
// the route then returns without another word. Absent parameters take the API's defaults.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "events/time.h"
#include "services/audit/query_params.h"
#include "services/auth/identity.h"
#include "services/views/view_store.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace annals {

// ?`name`= when present.
std::optional<std::string> optional_param(const httplib::Request& req, const char* name);

// Replies 400 with {"error": message}.
void reply_400(httplib::Response& res, const std::string& message);

// `param` itself, or nullopt after replying 400 with its message.
template <class T>
std::optional<T> or_400(Param<T> param, httplib::Response& res) {
  if (!param) reply_400(res, param.error);
  return std::move(param.value);
}

// ?`name`= read by `parse(name, text)` into `out` when given (left nullopt when not); false
// after replying 400 when it is malformed.
template <class T>
bool parsed_param(const httplib::Request& req, httplib::Response& res, const char* name,
                  Param<T> (*parse)(std::string_view, std::string_view), std::optional<T>& out) {
  auto text = optional_param(req, name);
  if (!text) return true;
  out = or_400(parse(name, *text), res);
  return out.has_value();
}

// ?`name`= as a date; `absent` when not given.
std::optional<Date> date_param(const httplib::Request& req, httplib::Response& res,
                               const char* name, Date absent);
// ?`name`= as a date; today in Beijing when not given.
std::optional<Date> date_param(const httplib::Request& req, httplib::Response& res,
                               const char* name);

// ?`name`= as a recorded time (an RFC 3339 timestamp, or a date: the end of that day in
// Beijing); everything recorded so far (Timestamp::max()) when not given.
std::optional<Timestamp> recorded_param(const httplib::Request& req, httplib::Response& res,
                                        const char* name = "recorded_at");

// ?from= and ?to=: a period, each end today in Beijing when not given, `to` not before `from`.
std::optional<Period> period_param(const httplib::Request& req, httplib::Response& res);

// The district the path names (its first capture) when the record holds it (`reader`: the
// store chosen for it) and `scope` grants it; otherwise replies 404 "no district '<id>' in
// the record", the same answer for a district not granted as for one that does not exist.
std::optional<std::string> known_district(views::Reader reader, const auth::Scope& scope,
                                          const httplib::Request& req, httplib::Response& res);

// The prologue of a question about a district on a date: ?at=, ?recorded_at=, then the
// district, each checked in that order.
std::optional<DistrictAt> district_at(views::Reader reader, const auth::Scope& scope,
                                      const httplib::Request& req, httplib::Response& res);

}  // namespace annals
