// The audit API as a table: each route's path pattern, the endpoint name its metrics carry,
// and its handler. A handler reads the request's parameters (request.h), asks the question's
// function (routes/*.h: one file per question) and writes the answer; the audit service
// (audit_service.h) installs the table, times each request and picks the store it reads.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "services/audit/standard.h"
#include "services/auth/identity.h"
#include "services/views/view_store.h"

namespace annals::transparency {
class SigningKey;
}
namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace annals {

// The stores the service reads, as a route sees them (the service implements it over the
// stores it follows, under its read lock).
class Stores {
 public:
  virtual ~Stores() = default;
  // Every open store, in the order the service was given them.
  virtual std::vector<views::Reader> all() = 0;
  // The open store that holds `district` (the one furthest along its partition); the first
  // open store when none does.
  virtual views::Reader holding(const std::string& district) = 0;
};

// What a handler reads besides its request.
struct RouteContext {
  views::Reader reader;  // the store holding the district the path names (its first capture)
  Stores& stores;
  const Standards& standards;
  // The districts the asking identity is granted: any other answers as an unknown district.
  const auth::Scope& scope;
  // Set by the handler: the district whose record it read (for the access log).
  std::string district;
  // The key tree heads are signed with (--signing-key); null: heads are not served.
  const transparency::SigningKey* signing_key = nullptr;
  // A personal route (Route::personal) calls it once its question is valid and `district`
  // known, just before it reads the records it shows: the access-log record is then produced
  // while the answer is made, and the answer waits for the broker's confirmation before it is
  // sent (access_log.h). A personal route that does not call it is recorded once its answer
  // is made. Empty when nothing is recorded (tests of the routes alone).
  std::function<void()> disclosing;
};

using RouteHandler = void (*)(RouteContext& context, const httplib::Request& req,
                              httplib::Response& res);

struct Route {
  const char* pattern;   // an httplib path pattern (a regular expression); every route is a GET
  const char* endpoint;  // the "endpoint" label of the route's metrics
  RouteHandler handler;  // replies on `res`: the answer, or the error
  // The answer shows individual people's records (events, a person's timeline): each read
  // of it is recorded in the access log (access_log.h).
  bool personal = false;
  // The question reads many points of a period (a series, a diff, rotations): it runs on the
  // threads of lower priority (background_pool.h), so that it does not hold up short ones.
  bool background = false;
};

// Every route of the audit API (/v1/...), in the order they are installed. The OpenAPI
// document (services/audit/openapi.yaml) lists each of them (tests/audit/openapi_test.py).
const std::vector<Route>& route_table();

}  // namespace annals
