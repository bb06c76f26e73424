// A bearer token's text and its stored hash. A token is `annals_<id>_<secret>`: the id is 16
// hex digits (public: it names the token in the token file, the access log and `annals tokens
// list`), the secret 32 random bytes in URL-safe base64 (43 characters), both drawn from
// libsodium's randombytes. Only a hash of the secret is stored: BLAKE2b-256 (libsodium's
// crypto_generichash) over a version tag, the id and the secret. A fast hash is the right one
// here, as for any 256-bit random secret (a slow password hash guards guessable passwords and
// would make every request cost tens of milliseconds); docs/security.md says more.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace annals::auth {

struct TokenText {
  std::string id;      // 16 lowercase hex digits
  std::string secret;  // the rest, never stored, logged or echoed
};

// Initialises libsodium (once; safe from any thread). Throws std::runtime_error when it cannot.
void init_sodium();

// A new random token.
TokenText new_token();

// "annals_<id>_<secret>".
std::string token_string(const TokenText& token);

// The id and secret of `text` when it has the shape of a token; nullopt otherwise.
std::optional<TokenText> parse_token(std::string_view text);

// The hash stored for `token` (64 lowercase hex digits).
std::string token_hash(const TokenText& token);

// True when `token` hashes to `stored_hash`, compared in constant time.
bool token_matches(const TokenText& token, std::string_view stored_hash);

}  // namespace annals::auth
