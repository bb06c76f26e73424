#include "services/cli/tokens.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "events/identifier.h"
#include "events/time.h"
#include "services/auth/token.h"
#include "services/auth/token_file.h"
#include "services/cli/table.h"

namespace annals {
namespace {

struct AddOptions {
  std::string file = "var/tokens";
  std::string name, role, system, certificate_subject;
  std::vector<std::string> districts, sources;
  bool all_districts = false, any_source = false;
};

// The identity `o` describes; throws std::runtime_error saying which option is wrong.
auth::Identity identity_of(const AddOptions& o) {
  auth::Identity id;
  id.name = o.name;
  if (o.name.empty() || !is_identifier(o.name))
    throw std::runtime_error("--name must be an identifier (letters, digits, '-', '_', '.')");
  auto role = enum_from_string<auth::Role>(o.role);
  if (!role) throw std::runtime_error("--role must be source, reader, auditor or metrics");
  id.role = *role;
  if (id.role == auth::Role::source) {
    auto system = enum_from_string<System>(o.system);
    if (!system || *system == System::platform)
      throw std::runtime_error(
          "a source identity needs --system registry, personnel, enrollment or finance");
    if (o.any_source == !o.sources.empty())
      throw std::runtime_error(
          "a source identity needs --source (the `source` of its events; "
          "one or more) or --any-source");
    id.system = *system;
    id.sources.all = o.any_source;
    for (const auto& s : o.sources) {
      if (!is_identifier(s)) throw std::runtime_error("--source '" + s + "' is not an identifier");
      id.sources.ids.insert(s);
    }
  } else if (!o.system.empty() || !o.sources.empty() || o.any_source) {
    throw std::runtime_error("--system and --source are for source identities only");
  }
  if (o.all_districts == !o.districts.empty())
    throw std::runtime_error("give either --district (one or more) or --all-districts");
  id.scope.all = o.all_districts;
  for (const auto& d : o.districts) {
    if (!is_identifier(d)) throw std::runtime_error("--district '" + d + "' is not a district id");
    id.scope.ids.insert(d);
  }
  return id;
}

int add(const AddOptions& o) {
  auth::TokenFile file;
  bool exists = std::filesystem::exists(o.file);
  if (exists) file = auth::read_token_file(o.file);
  auth::TokenEntry entry;
  entry.identity = identity_of(o);
  if (file.find(o.name))
    throw std::runtime_error("an identity named '" + o.name + "' exists: revoke it first");
  entry.created_at = Timestamp::now().to_string();
  std::string token;
  if (!o.certificate_subject.empty()) {
    entry.certificate_subject = o.certificate_subject;
    entry.identity.id = "tls:" + o.certificate_subject;
  } else {
    auth::TokenText text = auth::new_token();
    entry.identity.id = text.id;
    entry.hash = auth::token_hash(text);
    token = auth::token_string(text);
  }
  file.entries.push_back(entry);
  if (!exists && std::filesystem::path(o.file).has_parent_path())
    std::filesystem::create_directories(std::filesystem::path(o.file).parent_path());
  auth::write_token_file(o.file, file);
  std::cerr << "added " << to_string(entry.identity.role) << " '" << o.name << "' (id "
            << entry.identity.id << ") to " << o.file
            << (token.empty() ? "\n" : "; its token follows, shown this once:\n");
  if (!token.empty()) std::cout << token << std::endl;
  return 0;
}

std::string districts_text(const auth::Scope& scope) {
  if (scope.all) return "*";
  std::string out;
  for (const auto& d : scope.ids) out += (out.empty() ? "" : ",") + d;
  return out;
}

int list(const std::string& path, bool as_json) {
  auth::TokenFile file = auth::read_token_file(path);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& e : file.entries) {
    const auth::Identity& id = e.identity;
    rows.push_back({{"id", id.id},
                    {"name", id.name},
                    {"role", to_string(id.role)},
                    {"districts", districts_text(id.scope)},
                    {"system", id.role == auth::Role::source ? to_string(id.system) : ""},
                    {"source", id.role == auth::Role::source ? districts_text(id.sources) : ""},
                    {"created_at", e.created_at},
                    {"revoked_at", e.revoked_at.value_or("")}});
  }
  if (as_json) {
    std::cout << rows.dump(2) << "\n";
    return 0;
  }
  Table table({"id", "name", "role", "districts", "system", "source", "created_at", "revoked_at"});
  for (const auto& r : rows) {
    std::vector<std::string> cells;
    for (const char* k :
         {"id", "name", "role", "districts", "system", "source", "created_at", "revoked_at"})
      cells.push_back(r[k].get<std::string>());
    table.add(cells);
  }
  table.print(std::cout);
  return 0;
}

int revoke(const std::string& path, const std::string& which) {
  auth::TokenFile file = auth::read_token_file(path);
  auth::TokenEntry* entry = file.find(which);
  if (!entry)
    throw std::runtime_error("no identity with the id or name '" + which + "' in " + path);
  if (entry->revoked())
    throw std::runtime_error("'" + which + "' was revoked at " + *entry->revoked_at);
  entry->revoked_at = Timestamp::now().to_string();
  auth::write_token_file(path, file);
  std::cerr << "revoked '" << entry->identity.name << "' (id " << entry->identity.id
            << "): every process refuses it within a second\n";
  return 0;
}

CLI::Option* add_file_option(CLI::App& cmd, std::string& file) {
  return cmd.add_option("--file", file, "the token file")
      ->envname("ANNALS_TOKENS")
      ->capture_default_str();
}

}  // namespace

void add_tokens(CLI::App& app, Commands& out) {
  auto* tokens = app.add_subcommand("tokens", "the identities that may call Annals (bearer tokens)")
                     ->require_subcommand(1);
  auto a = std::make_shared<AddOptions>();
  auto* add_cmd = tokens->add_subcommand(
      "add", "add an identity and print its new token (shown this once: keep it safe)");
  add_file_option(*add_cmd, a->file);
  add_cmd->add_option("--name", a->name, "a unique name: 'haidian-supervision', 'registry'")
      ->required();
  add_cmd->add_option("--role", a->role, "source, reader, auditor or metrics")->required();
  add_cmd->add_option("--system", a->system,
                      "a source's system: registry, personnel, enrollment "
                      "or finance");
  add_cmd->add_option("--source", a->sources,
                      "a source's `source`: the value its events carry (repeat for more)");
  add_cmd->add_flag("--any-source", a->any_source,
                    "publish under any `source` (only for an identity importing the history of "
                    "other systems)");
  add_cmd->add_option("--district", a->districts, "a district it is granted (repeat for more)");
  add_cmd->add_flag("--all-districts", a->all_districts,
                    "grant every district, present and future");
  add_cmd->add_option("--certificate-subject", a->certificate_subject,
                      "no token: the identity of a client certificate with this subject (RFC "
                      "2253, e.g. 'CN=registry.example.gov.cn'), for mutual TLS");
  out.push_back({add_cmd, [a] { return add(*a); }});

  auto l = std::make_shared<std::pair<std::string, bool>>("var/tokens", false);
  auto* list_cmd = tokens->add_subcommand("list", "the identities, revoked ones too (no secret)");
  add_file_option(*list_cmd, l->first);
  list_cmd->add_flag("--json", l->second, "as JSON");
  out.push_back({list_cmd, [l] { return list(l->first, l->second); }});

  auto r = std::make_shared<std::pair<std::string, std::string>>("var/tokens", "");
  auto* revoke_cmd = tokens->add_subcommand("revoke", "revoke an identity, by id or name");
  add_file_option(*revoke_cmd, r->first);
  revoke_cmd->add_option("identity", r->second, "its id or name")->required();
  out.push_back({revoke_cmd, [r] { return revoke(r->first, r->second); }});
}

}  // namespace annals
