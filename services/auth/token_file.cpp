#include "services/auth/token_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "events/identifier.h"

namespace annals::auth {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "annals-tokens/1";

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("token file " + path + ": " + what);
}

std::string text_field(const json& e, const char* name, const std::string& where) {
  if (!e.contains(name) || !e[name].is_string())
    throw std::runtime_error(where + ": \"" + name + "\" must be a string");
  return e[name].get<std::string>();
}

// "*" or an array of identifiers, the field `name` of `e`.
Scope scope_of(const json& e, const char* name, const std::string& where) {
  Scope scope;
  const json* d = e.contains(name) ? &e[name] : nullptr;
  if (d && d->is_string() && *d == "*") {
    scope.all = true;
    return scope;
  }
  std::string field = std::string("\"") + name + "\"";
  if (!d || !d->is_array())
    throw std::runtime_error(where + ": " + field + " must be \"*\" or an array of ids");
  for (const auto& id : *d) {
    if (!id.is_string() || !is_identifier(id.get<std::string>()))
      throw std::runtime_error(where + ": " + field + " holds something not an id");
    scope.ids.insert(id.get<std::string>());
  }
  return scope;
}

nlohmann::json json_of(const Scope& scope) { return scope.all ? json("*") : json(scope.ids); }

TokenEntry entry_of(const json& e, const std::string& where) {
  if (!e.is_object()) throw std::runtime_error(where + ": not an object");
  TokenEntry entry;
  Identity& id = entry.identity;
  id.id = text_field(e, "id", where);
  id.name = text_field(e, "name", where);
  auto role = enum_from_string<Role>(text_field(e, "role", where));
  if (!role)
    throw std::runtime_error(where + ": \"role\" is not source, reader, auditor or metrics");
  id.role = *role;
  id.scope = scope_of(e, "districts", where);
  if (id.role == Role::source) {
    auto system = enum_from_string<System>(text_field(e, "system", where));
    if (!system || *system == System::platform)
      throw std::runtime_error(where +
                               ": \"system\" is not registry, personnel, enrollment or finance");
    id.system = *system;
    id.sources = scope_of(e, "sources", where);
  }
  if (e.contains("hash")) entry.hash = text_field(e, "hash", where);
  if (e.contains("certificate_subject"))
    entry.certificate_subject = text_field(e, "certificate_subject", where);
  if (entry.hash.empty() == entry.certificate_subject.empty())
    throw std::runtime_error(where + ": needs exactly one of \"hash\" and \"certificate_subject\"");
  if (!entry.certificate_subject.empty()) id.id = "tls:" + entry.certificate_subject;
  entry.created_at = text_field(e, "created_at", where);
  if (e.contains("revoked_at") && !e["revoked_at"].is_null())
    entry.revoked_at = text_field(e, "revoked_at", where);
  return entry;
}

json json_of(const TokenEntry& entry) {
  const Identity& id = entry.identity;
  json e = {{"id", entry.certificate_subject.empty() ? id.id : ""},
            {"name", id.name},
            {"role", to_string(id.role)}};
  e["districts"] = json_of(id.scope);
  if (id.role == Role::source) {
    e["system"] = to_string(id.system);
    e["sources"] = json_of(id.sources);
  }
  if (!entry.hash.empty()) e["hash"] = entry.hash;
  else e["certificate_subject"] = entry.certificate_subject;
  e["created_at"] = entry.created_at;
  e["revoked_at"] = entry.revoked_at ? json(*entry.revoked_at) : json();
  return e;
}

}  // namespace

TokenEntry* TokenFile::find(const std::string& id_or_name) {
  for (auto& e : entries)
    if (e.identity.id == id_or_name || (!e.revoked() && e.identity.name == id_or_name)) return &e;
  return nullptr;
}

TokenFile read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(path, std::string("cannot be read: ") + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, false);
  if (doc.is_discarded()) fail(path, "is not JSON");
  if (!doc.is_object() || doc.value("format", "") != kFormat)
    fail(path, std::string("is not an Annals token file (\"format\": \"") + kFormat + "\")");
  if (!doc.contains("identities") || !doc["identities"].is_array())
    fail(path, "\"identities\" must be an array");
  TokenFile file;
  try {
    for (std::size_t i = 0; i < doc["identities"].size(); ++i)
      file.entries.push_back(entry_of(doc["identities"][i], "identity " + std::to_string(i)));
  } catch (const std::runtime_error& e) {
    fail(path, e.what());
  }
  return file;
}

void write_token_file(const std::string& path, const TokenFile& file) {
  json doc = {{"format", kFormat}, {"identities", json::array()}};
  for (const auto& e : file.entries) doc["identities"].push_back(json_of(e));
  std::string text = doc.dump(2) + "\n";
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail(path, "cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == ssize_t(text.size()) && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    fail(path, std::string("cannot be written: ") + std::strerror(ok ? errno : saved));
  }
}

}  // namespace annals::auth
