#include "services/auth/token.h"

#include <sodium.h>

#include <stdexcept>

namespace annals::auth {
namespace {

constexpr std::string_view kPrefix = "annals_";
constexpr std::size_t kIdBytes = 8;
constexpr std::size_t kSecretBytes = 32;
constexpr std::string_view kHashTag = "annals-token-v1";

std::string hex(const unsigned char* bytes, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.pop_back();
  return out;
}

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool is_base64url(std::string_view s) {
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      return false;
  return true;
}

}  // namespace

void init_sodium() {
  static const int status = sodium_init();  // 0 first time, 1 when already done
  if (status < 0) throw std::runtime_error("libsodium could not be initialised");
}

TokenText new_token() {
  init_sodium();
  unsigned char id[kIdBytes], secret[kSecretBytes];
  randombytes_buf(id, sizeof id);
  randombytes_buf(secret, sizeof secret);
  constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string text(sodium_base64_ENCODED_LEN(kSecretBytes, variant), '\0');
  sodium_bin2base64(text.data(), text.size(), secret, sizeof secret, variant);
  text.resize(text.find('\0'));
  sodium_memzero(secret, sizeof secret);
  return {hex(id, sizeof id), std::move(text)};
}

std::string token_string(const TokenText& token) {
  return std::string(kPrefix) + token.id + "_" + token.secret;
}

std::optional<TokenText> parse_token(std::string_view text) {
  constexpr std::size_t id_len = kIdBytes * 2, secret_len = 43;
  if (text.size() != kPrefix.size() + id_len + 1 + secret_len) return std::nullopt;
  if (text.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view id = text.substr(kPrefix.size(), id_len);
  if (!is_hex(id) || text[kPrefix.size() + id_len] != '_') return std::nullopt;
  std::string_view secret = text.substr(kPrefix.size() + id_len + 1);
  if (!is_base64url(secret)) return std::nullopt;
  return TokenText{std::string(id), std::string(secret)};
}

std::string token_hash(const TokenText& token) {
  init_sodium();
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, sizeof out);
  // Each part is length-prefixed by its fixed size: the tag, the id (16), then the secret.
  auto add = [&](std::string_view part) {
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                              part.size());
  };
  add(kHashTag);
  add(std::string_view("\0", 1));
  add(token.id);
  add(token.secret);
  crypto_generichash_final(&state, out, sizeof out);
  return hex(out, sizeof out);
}

bool token_matches(const TokenText& token, std::string_view stored_hash) {
  std::string computed = token_hash(token);
  return computed.size() == stored_hash.size() &&
         sodium_memcmp(computed.data(), stored_hash.data(), computed.size()) == 0;
}

}  // namespace annals::auth
