// Signed tree heads: a district's tree head as the text the platform signs with its Ed25519
// key (libsodium), the JSON it is served and kept as, and the key files (PEM that OpenSSL
// reads too, so anyone can check a head without this code: docs/verifiable-log.md).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "services/transparency/transparency_log.h"

namespace annals::transparency {

inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSignatureBytes = 64;
using PublicKey = std::array<unsigned char, kPublicKeyBytes>;
using Signature = std::array<unsigned char, kSignatureBytes>;

// An Ed25519 key pair. The secret half never leaves the process that signs (the audit
// service), and is never logged or printed.
class SigningKey {
 public:
  // A new random key.
  static SigningKey generate();
  // The key whose PKCS#8 PEM is `pem` (as private_key_pem writes, or `openssl genpkey
  // -algorithm ed25519`); nullopt, with `error` saying why (never quoting the key), otherwise.
  static std::optional<SigningKey> from_pem(std::string_view pem, std::string& error);
  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  SigningKey(SigningKey&& other) noexcept;

  const PublicKey& public_key() const { return public_; }
  // The detached Ed25519 signature of `message`.
  Signature sign(std::string_view message) const;
  // The private key as PKCS#8 PEM (for the key file only).
  std::string private_key_pem() const;

 private:
  SigningKey() = default;
  std::array<unsigned char, 64> secret_{};  // libsodium's: the seed, then the public key
  PublicKey public_{};
};

// The signing key in the PEM file at `path`. Throws std::runtime_error saying why (the file
// cannot be read, or holds no Ed25519 private key), never quoting the file.
SigningKey load_signing_key(const std::string& path);

// Writes a new key pair: the private key to `private_path` (created, readable by its owner
// only; an existing file is never overwritten) and the public key to `public_path`. Returns
// the public key; throws std::runtime_error saying why it could not.
PublicKey write_new_key(const std::string& private_path, const std::string& public_path);

// The public key as SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"), and back
// (nullopt, with `error`, when `pem` is not an Ed25519 public key).
std::string public_key_pem(const PublicKey& key);
std::optional<PublicKey> public_key_from_pem(std::string_view pem, std::string& error);
// A short name of a public key: the first 8 bytes of SHA-256 of its DER, in hex.
std::string key_id(const PublicKey& key);

// The text a head is signed as, one field per line, each ending in "\n":
//   annals tree head v1
//   district <district id>
//   through <the latest recorded_at covered, RFC 3339 UTC, or "none">
//   <log> <size> <root, 64 hex digits>        one line per log, in kLogs order
std::string head_text(const TreeHead& head);
// The head a text describes; nullopt, with `error`, when it is not exactly such a text.
std::optional<TreeHead> parse_head_text(std::string_view text, std::string& error);

struct SignedTreeHead {
  TreeHead head;
  Signature signature{};
};

SignedTreeHead sign_head(const TreeHead& head, const SigningKey& key);
// True when `signed_head`'s signature is `key`'s over head_text of its head.
bool verify_head(const SignedTreeHead& signed_head, const PublicKey& key);

// The JSON a head is served, published and kept as: district, through, each log's size and
// root, the signed text, the signature (base64) and the signing key's id. from_json trusts
// only the text: the other fields must agree with it.
nlohmann::json to_json(const SignedTreeHead& signed_head, const PublicKey& key);
std::optional<SignedTreeHead> signed_head_from_json(const nlohmann::json& j, std::string& error);

// Standard base64 (with padding), and back (nullopt when `text` is not base64).
std::string to_base64(std::string_view bytes);
std::optional<std::string> from_base64(std::string_view text);

}  // namespace annals::transparency
