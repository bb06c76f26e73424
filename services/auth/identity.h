// Who a client is and what it may touch: the identity a credential (a bearer token, or a
// client certificate) stands for, its role, and the districts it is granted. The token file
// (token_file.h) stores identities; the authenticator (authenticator.h) finds the one a
// request carries; each service checks the role and the districts it needs
// (docs/security.md: the identity model).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "events/enums.h"

namespace annals::auth {

// What an identity is for. Persisted by name in the token file: never rename one.
enum class Role {
  source,   // a municipal source system: publishes its system's events for its districts
  reader,   // a supervision or city office: reads its districts' record
  auditor,  // lists who read pupil-level records of its districts (the access log)
  metrics,  // scrapes /metrics and the projector's progress
};

// What an identity is granted (its districts; a source's `source` values): all, or a set.
struct Scope {
  bool all = false;
  std::set<std::string> ids;

  // True when `id` is granted.
  bool grants(std::string_view id) const { return all || ids.count(std::string(id)) > 0; }
};

struct Identity {
  std::string id;    // the token's public id (16 hex digits), or "tls:" + certificate subject
  std::string name;  // what the operator called it ("haidian-supervision", "registry")
  Role role = Role::reader;
  // For a source identity: the municipal system whose events it publishes, and the values of
  // the events' `source` field it may publish under (checked, never trusted from the body;
  // usually one, all only for an identity that imports other systems' history).
  System system = System::platform;
  Scope sources;
  Scope scope;  // its districts
};

}  // namespace annals::auth

namespace annals {
// to_string(Role) and enum_from_string<Role>: "source", "reader", "auditor", "metrics".
template <>
struct EnumNames<auth::Role> {
  static constexpr std::string_view names[] = {"source", "reader", "auditor", "metrics"};
};
}  // namespace annals
