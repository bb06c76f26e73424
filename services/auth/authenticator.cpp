#include "services/auth/authenticator.h"

#include <sys/stat.h>

#include <iostream>
#include <stdexcept>

#include "services/auth/token.h"

namespace annals::auth {
namespace {

// What identifies one version of the file: inode (rename replaces it), size and mtime.
std::string version_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

const char* const kInvalid = "the token is not valid (unknown or revoked)";

}  // namespace

Authenticator::Authenticator(std::string path) : path_(std::move(path)) {
  init_sodium();
  seen_ = "never";
  reload_if_changed();
  if (seen_ == "never") read_token_file(path_);  // throws the reason
}

void Authenticator::reload_if_changed() {
  std::lock_guard serial(reload_mu_);
  auto now = std::chrono::steady_clock::now();
  if (seen_ != "never" && now - checked_ < std::chrono::milliseconds(250)) return;
  checked_ = now;
  std::string version = version_of(path_);
  if (version == seen_) return;
  try {
    TokenFile file = read_token_file(path_);
    std::map<std::string, TokenEntry> by_id;
    std::map<std::string, Identity> by_subject;
    for (auto& e : file.entries) {
      if (e.revoked()) continue;
      if (!e.certificate_subject.empty()) by_subject[e.certificate_subject] = e.identity;
      else by_id[e.identity.id] = e;
    }
    std::unique_lock lock(mu_);
    by_id_ = std::move(by_id);
    by_subject_ = std::move(by_subject);
    seen_ = version;
  } catch (const std::exception& e) {
    if (seen_ == "never") throw;
    std::cerr << "annals: keeping the identities read before: " << e.what() << std::endl;
    seen_ = version;  // reported once per change
  }
}

Verdict Authenticator::from_authorization(std::string_view header) {
  if (header.empty())
    return {std::nullopt, "this API needs a credential: send \"Authorization: Bearer <token>\""};
  constexpr std::string_view scheme = "Bearer ";
  if (header.size() < scheme.size() || header.substr(0, scheme.size()) != scheme)
    return {std::nullopt, "the Authorization header must be \"Bearer <token>\""};
  std::string_view text = header.substr(scheme.size());
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  auto token = parse_token(text);
  if (!token)
    return {std::nullopt,
            "the bearer token is malformed (an Annals token is "
            "annals_<16 hex digits>_<43 characters>)"};
  reload_if_changed();
  std::shared_lock lock(mu_);
  auto found = by_id_.find(token->id);
  if (found == by_id_.end() || !token_matches(*token, found->second.hash))
    return {std::nullopt, kInvalid};
  return {found->second.identity, ""};
}

Verdict Authenticator::from_certificate(std::string_view subject) {
  reload_if_changed();
  std::shared_lock lock(mu_);
  auto found = by_subject_.find(std::string(subject));
  if (found == by_subject_.end())
    return {std::nullopt,
            "the client certificate is valid but names no identity of this "
            "service (unknown or revoked)"};
  return {found->second, ""};
}

Verdict Authenticator::by_name(std::string_view name) {
  reload_if_changed();
  std::shared_lock lock(mu_);
  for (const auto& [id, entry] : by_id_)
    if (entry.identity.name == name) return {entry.identity, ""};
  for (const auto& [subject, identity] : by_subject_)
    if (identity.name == name) return {identity, ""};
  return {std::nullopt, "no identity of that name is in the token file (unknown or revoked)"};
}

}  // namespace annals::auth
