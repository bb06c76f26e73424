// The token file: the one on-disk format of the identities a process accepts. The operator
// manages it with `annals tokens add|list|revoke` (services/cli/tokens.cpp); every HTTP
// process reads it (--tokens FILE) and reloads it when it changes, so that a revocation holds
// within a second, without a restart.
//
// A JSON document, written whole to a temporary file and renamed over the old one, mode 0600:
//
//   {"format": "annals-tokens/1",
//    "identities": [
//      {"id": "3f2a9c1e0b7d4c11",            16 hex digits: the token's public id
//       "name": "haidian-supervision",        unique among identities not revoked
//       "role": "reader",                     source | reader | auditor | metrics
//       "districts": ["haidian"],             or "*" for every district
//       "system": "registry",                 source identities only
//       "sources": ["beijing-registry"],      source identities only: the events' `source`
//                                             values it may publish under, or "*"
//       "hash": "<64 hex digits>",            BLAKE2b of the secret (token.h); or instead
//       "certificate_subject": "CN=...",      a client certificate's subject (mutual TLS)
//       "created_at": "2026-11-30T08:00:00Z",
//       "revoked_at": null}]}                 set by `annals tokens revoke`; kept for the record
//
// Never add a field holding a secret: the file may be read by anyone who operates the host.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/auth/identity.h"

namespace annals::auth {

struct TokenEntry {
  Identity identity;
  std::string hash;                 // empty for a certificate identity
  std::string certificate_subject;  // empty for a token identity
  std::string created_at;
  std::optional<std::string> revoked_at;

  bool revoked() const { return revoked_at.has_value(); }
};

struct TokenFile {
  std::vector<TokenEntry> entries;

  // The entry whose id or (not revoked) name is `id_or_name`; nullptr when none.
  TokenEntry* find(const std::string& id_or_name);
};

// Reads `path`. Throws std::runtime_error naming the file and what is wrong with it (the
// entry's index and field), never a hash.
TokenFile read_token_file(const std::string& path);

// Writes `file` to `path` atomically (a temporary file beside it, fsynced, renamed over it),
// readable and writable by its owner only. Throws std::runtime_error on failure.
void write_token_file(const std::string& path, const TokenFile& file);

}  // namespace annals::auth
