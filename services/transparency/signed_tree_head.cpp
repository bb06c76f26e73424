// Signed tree heads and the key files (services/transparency/signed_tree_head.h).
#include "services/transparency/signed_tree_head.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace annals::transparency {

namespace {

// The DER an Ed25519 key is wrapped in (RFC 8410): a SubjectPublicKeyInfo before the 32
// bytes of the public key, a PKCS#8 PrivateKeyInfo before the 32-byte seed.
constexpr unsigned char kPublicDer[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                        0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
constexpr unsigned char kPrivateDer[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                         0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};

void init() {
  static const int status = sodium_init();
  if (status < 0) throw std::runtime_error("libsodium could not be initialised");
}

std::string pem(std::string_view label, std::string_view der) {
  std::string b64 = to_base64(der), out = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END " + std::string(label) + "-----\n";
}

// The DER inside a PEM block of `label`; nullopt when there is none.
std::optional<std::string> der_of(std::string_view text, std::string_view label) {
  std::string begin = "-----BEGIN " + std::string(label) + "-----";
  std::string end = "-----END " + std::string(label) + "-----";
  auto b = text.find(begin);
  if (b == std::string_view::npos) return std::nullopt;
  auto e = text.find(end, b + begin.size());
  if (e == std::string_view::npos) return std::nullopt;
  return from_base64(text.substr(b + begin.size(), e - b - begin.size()));
}

std::string_view bytes(const unsigned char* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

}  // namespace

std::string to_base64(std::string_view bytes) {
  init();
  constexpr int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> from_base64(std::string_view text) {
  init();
  std::string out(text.size() * 3 / 4 + 3, '\0');
  std::size_t n = 0;
  const char* end = nullptr;
  std::string copy(text);  // sodium reads up to a NUL or the length given
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), copy.data(),
                        copy.size(), " \t\r\n", &n, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != copy.data() + copy.size())
    return std::nullopt;
  out.resize(n);
  return out;
}

SigningKey SigningKey::generate() {
  init();
  SigningKey k;
  crypto_sign_keypair(k.public_.data(), k.secret_.data());
  return k;
}

std::optional<SigningKey> SigningKey::from_pem(std::string_view pem_text, std::string& error) {
  init();
  auto der = der_of(pem_text, "PRIVATE KEY");
  if (!der || der->size() != sizeof kPrivateDer + 32 ||
      std::memcmp(der->data(), kPrivateDer, sizeof kPrivateDer) != 0) {
    if (der) sodium_memzero(der->data(), der->size());
    error = "not an Ed25519 private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)";
    return std::nullopt;
  }
  SigningKey k;
  crypto_sign_seed_keypair(
      k.public_.data(), k.secret_.data(),
      reinterpret_cast<const unsigned char*>(der->data()) + sizeof kPrivateDer);
  sodium_memzero(der->data(), der->size());
  return k;
}

SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }

SigningKey::SigningKey(SigningKey&& other) noexcept
    : secret_(other.secret_), public_(other.public_) {
  sodium_memzero(other.secret_.data(), other.secret_.size());
}

Signature SigningKey::sign(std::string_view message) const {
  Signature s;
  crypto_sign_detached(s.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_.data());
  return s;
}

std::string SigningKey::private_key_pem() const {
  std::string der(bytes(kPrivateDer, sizeof kPrivateDer));
  der.append(bytes(secret_.data(), 32));  // the seed
  std::string out = pem("PRIVATE KEY", der);
  sodium_memzero(der.data(), der.size());
  return out;
}

SigningKey load_signing_key(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (!in || !(text << in.rdbuf()))
    throw std::runtime_error("the signing key file " + path + " cannot be read");
  std::string pem_text = std::move(text).str(), error;
  auto key = SigningKey::from_pem(pem_text, error);
  sodium_memzero(pem_text.data(), pem_text.size());
  if (!key) throw std::runtime_error("the signing key file " + path + ": " + error);
  return std::move(*key);
}

PublicKey write_new_key(const std::string& private_path, const std::string& public_path) {
  SigningKey key = SigningKey::generate();
  std::string pem_text = key.private_key_pem();
  int fd = ::open(private_path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot create the private key file " + private_path + ": " +
                             std::strerror(errno) + " (an existing key is never overwritten)");
  bool written = ::write(fd, pem_text.data(), pem_text.size()) == ssize_t(pem_text.size());
  sodium_memzero(pem_text.data(), pem_text.size());
  if (::close(fd) != 0 || !written)
    throw std::runtime_error("cannot write the private key file " + private_path);
  std::ofstream pub(public_path, std::ios::binary | std::ios::trunc);
  if (!(pub << public_key_pem(key.public_key())) || !pub.flush())
    throw std::runtime_error("cannot write the public key file " + public_path);
  return key.public_key();
}

std::string public_key_pem(const PublicKey& key) {
  std::string der(bytes(kPublicDer, sizeof kPublicDer));
  der.append(bytes(key.data(), key.size()));
  return pem("PUBLIC KEY", der);
}

std::optional<PublicKey> public_key_from_pem(std::string_view pem_text, std::string& error) {
  auto der = der_of(pem_text, "PUBLIC KEY");
  if (!der || der->size() != sizeof kPublicDer + kPublicKeyBytes ||
      std::memcmp(der->data(), kPublicDer, sizeof kPublicDer) != 0) {
    error = "not an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----)";
    return std::nullopt;
  }
  PublicKey k;
  std::memcpy(k.data(), der->data() + sizeof kPublicDer, k.size());
  return k;
}

std::string key_id(const PublicKey& key) {
  init();
  std::string der(bytes(kPublicDer, sizeof kPublicDer));
  der.append(bytes(key.data(), key.size()));
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(der.data()), der.size());
  std::string hex(17, '\0');
  sodium_bin2hex(hex.data(), hex.size(), h, 8);
  hex.pop_back();
  return hex;
}

std::string head_text(const TreeHead& head) {
  std::string out = "annals tree head v1\ndistrict " + head.district + "\nthrough ";
  out += head.through == Timestamp{INT64_MIN} ? std::string("none") : head.through.to_string();
  out += "\n";
  for (const auto& log : head.logs)
    out += std::string(to_string(log.log)) + " " + std::to_string(log.size) + " " +
           to_hex(log.root) + "\n";
  return out;
}

std::optional<TreeHead> parse_head_text(std::string_view text, std::string& error) {
  std::istringstream in{std::string(text)};
  std::string line;
  TreeHead head;
  auto fail = [&](const std::string& why) -> std::optional<TreeHead> {
    error = "not a tree head text: " + why;
    return std::nullopt;
  };
  if (!std::getline(in, line) || line != "annals tree head v1") return fail("first line");
  if (!std::getline(in, line) || !line.starts_with("district ") || line.size() == 9)
    return fail("district line");
  head.district = line.substr(9);
  if (!std::getline(in, line) || !line.starts_with("through ")) return fail("through line");
  if (line != "through none") {
    auto t = Timestamp::parse(line.substr(8));
    if (!t) return fail("through is not a time");
    head.through = *t;
  }
  for (std::size_t i = 0; i < kLogs.size(); ++i) {
    std::string name, size, root;
    if (!std::getline(in, line)) return fail("a log line is missing");
    std::istringstream fields(line);
    if (!(fields >> name >> size >> root) || name != to_string(kLogs[i]))
      return fail("expected the " + std::string(to_string(kLogs[i])) + " log's line");
    auto h = hash_from_hex(root);
    if (!h || size.empty() || size.size() > 19 ||
        size.find_first_not_of("0123456789") != std::string::npos)
      return fail("the " + name + " log's size or root");
    head.logs[i] = {kLogs[i], std::stoull(size), *h};
  }
  // Exactly the text head_text writes, byte for byte (no other spelling of the same head).
  if (head_text(head) != text) return fail("not in its one canonical form");
  return head;
}

SignedTreeHead sign_head(const TreeHead& head, const SigningKey& key) {
  return {head, key.sign(head_text(head))};
}

bool verify_head(const SignedTreeHead& signed_head, const PublicKey& key) {
  init();
  std::string text = head_text(signed_head.head);
  return crypto_sign_verify_detached(signed_head.signature.data(),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     text.size(), key.data()) == 0;
}

nlohmann::json to_json(const SignedTreeHead& s, const PublicKey& key) {
  nlohmann::json logs = nlohmann::json::object();
  for (const auto& log : s.head.logs)
    logs[std::string(to_string(log.log))] = {{"size", log.size}, {"root", to_hex(log.root)}};
  return {{"district", s.head.district},
          {"through", s.head.through == Timestamp{INT64_MIN}
                          ? nlohmann::json(nullptr)
                          : nlohmann::json(s.head.through.to_string())},
          {"logs", logs},
          {"text", head_text(s.head)},
          {"signature", to_base64(bytes(s.signature.data(), s.signature.size()))},
          {"key_id", key_id(key)}};
}

namespace {

std::optional<SignedTreeHead> from_json_checked(const nlohmann::json& j, std::string& error) {
  if (!j.is_object() || !j.contains("text") || !j["text"].is_string() || !j.contains("signature") ||
      !j["signature"].is_string()) {
    error = "a signed tree head has a text and a signature (strings)";
    return std::nullopt;
  }
  auto head = parse_head_text(j["text"].get<std::string>(), error);
  if (!head) return std::nullopt;
  auto sig = from_base64(j["signature"].get<std::string>());
  if (!sig || sig->size() != kSignatureBytes) {
    error = "the signature is not 64 bytes of base64";
    return std::nullopt;
  }
  // The readable fields must say what the signed text says.
  if (j.value("district", head->district) != head->district) {
    error = "district differs from the signed text's";
    return std::nullopt;
  }
  if (j.contains("logs") && j["logs"].is_object())
    for (const auto& log : head->logs) {
      auto it = j["logs"].find(std::string(to_string(log.log)));
      if (it == j["logs"].end()) continue;
      if (!it->is_object() || it->value("size", log.size) != log.size ||
          it->value("root", to_hex(log.root)) != to_hex(log.root)) {
        error = "the " + std::string(to_string(log.log)) + " log differs from the signed text's";
        return std::nullopt;
      }
    }
  SignedTreeHead s{*head, {}};
  std::memcpy(s.signature.data(), sig->data(), kSignatureBytes);
  return s;
}

}  // namespace

std::optional<SignedTreeHead> signed_head_from_json(const nlohmann::json& j, std::string& error) {
  try {
    return from_json_checked(j, error);
  } catch (const nlohmann::json::exception&) {  // a field of the wrong type
    error = "a field of the signed tree head has the wrong type";
    return std::nullopt;
  }
}

}  // namespace annals::transparency
