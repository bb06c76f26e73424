// Who may call a process's HTTP routes: every route answers only to a credential
// (auth/authenticator.h) except the open ones (/health, /ready and the web page's files), and
// each service then asks for the role it needs. Refusals are JSON:
//   401 {"error": why, "code": "unauthenticated"} with WWW-Authenticate: Bearer realm="annals"
//   403 {"error": why, "code": "forbidden"}
// Neither ever repeats the credential. docs/security.md has the identity model.
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "services/auth/authenticator.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib
namespace prometheus {
class Registry;
}

namespace annals {

class Access {
 public:
  // `authenticator` checks the credentials; refusals are counted in `metrics`
  // (annals_http_refusals_total{code}).
  Access(std::shared_ptr<auth::Authenticator> authenticator, prometheus::Registry& metrics);
  ~Access();

  // Makes every route of `server` refuse a request without a valid credential (401), but
  // the paths in `open` (exact, or every path under "/prefix/" for an entry "/prefix/*");
  // /metrics also needs the
  // metrics role (403). /health and /ready are always open.
  void install(httplib::Server& server, std::vector<std::string> open = {});

  // The identity of `req` when its role is one of `roles`; otherwise replies 401 or 403 on
  // `res` and returns nullopt.
  std::optional<auth::Identity> authorize(const httplib::Request& req, httplib::Response& res,
                                          std::initializer_list<auth::Role> roles) const;

  // The identity of `req`'s credential, whatever its role; otherwise replies 401.
  std::optional<auth::Identity> authenticate(const httplib::Request& req,
                                             httplib::Response& res) const;

  // The live identity called `name` (auth::Authenticator::by_name), for work that arrives
  // without an HTTP credential.
  auth::Verdict identity_named(std::string_view name) const;

 private:
  struct Refusals;
  std::shared_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<Refusals> refusals_;
};

// What /v1/whoami says of `identity`: its id, name, role, districts ("*" or a list) and, for
// a source, its system and source. Nothing secret: an identity holds no secret.
nlohmann::json identity_json(const auth::Identity& identity);

// Replies 403 {"error": message, "code": "forbidden"}.
void reply_forbidden(httplib::Response& res, const std::string& message);

}  // namespace annals
