// Finds the identity a request's credential stands for, from the token file (token_file.h),
// which it reloads when the file changes (checked at most every 250 ms), so that `annals
// tokens revoke` holds within a second in every running process. A file that becomes
// unreadable or malformed keeps the last good identities in force and is reported on stderr
// once per change (a hand edit gone wrong must not lock every client out, nor let anyone in).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "services/auth/identity.h"
#include "services/auth/token_file.h"

namespace annals::auth {

// An identity, or why the credential was refused (401): a message that names what is wrong
// with the credential and never repeats it.
struct Verdict {
  std::optional<Identity> identity;
  std::string error;
};

class Authenticator {
 public:
  // Reads the token file at `path`. Throws std::runtime_error when it cannot be read.
  explicit Authenticator(std::string path);

  // The identity an Authorization header's value carries ("Bearer <token>"); `header` is
  // empty when the request had none.
  Verdict from_authorization(std::string_view header);

  // The identity a verified client certificate's subject (an RFC 2253 string, "CN=...")
  // stands for.
  Verdict from_certificate(std::string_view subject);

  // The live (not revoked) identity called `name`, whatever its credential: what a process
  // acts for when the credential was checked elsewhere (the brokers' authentication of a
  // Kafka-native producer, services/publisher/inbound_consumer.h).
  Verdict by_name(std::string_view name);

  const std::string& path() const { return path_; }

 private:
  void reload_if_changed();

  std::string path_;
  std::shared_mutex mu_;
  std::map<std::string, TokenEntry> by_id_;     // live token identities by token id
  std::map<std::string, Identity> by_subject_;  // live certificate identities by subject
  std::mutex reload_mu_;
  std::chrono::steady_clock::time_point checked_;
  std::string seen_;  // the file's mtime, size and inode when last read
};

}  // namespace annals::auth
