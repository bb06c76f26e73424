// Signed tree heads: Ed25519 signatures over the canonical head text, checked both ways
// against the real `openssl` command (a key OpenSSL made signs heads here; a head signed here
// verifies with OpenSSL and the published PEM), every altered head or other key refused, and
// the JSON a supervision office keeps read back only as the signed text says.
#include "services/transparency/signed_tree_head.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace annals::transparency {
namespace {

TreeHead sample_head() {
  TreeHead h;
  h.district = "110101";
  h.through = *Timestamp::parse("2026-11-30T08:00:00.123456Z");
  for (std::size_t i = 0; i < kLogs.size(); ++i)
    h.logs[i] = {kLogs[i], 1000 * (i + 1), leaf_hash(std::to_string(i))};
  return h;
}

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& p, std::string_view bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

// Runs a shell command; its exit status.
int run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

TEST(SignedTreeHead, TheTextIsCanonicalAndReadsBack) {
  TreeHead h = sample_head();
  std::string text = head_text(h);
  EXPECT_EQ(text.substr(0, 56), "annals tree head v1\ndistrict 110101\nthrough 2026-11-30T0");
  std::string error;
  EXPECT_EQ(parse_head_text(text, error), h);
  TreeHead empty;
  empty.district = "d";
  for (std::size_t i = 0; i < kLogs.size(); ++i) empty.logs[i] = {kLogs[i], 0, empty_root()};
  EXPECT_NE(head_text(empty).find("through none\n"), std::string::npos);
  EXPECT_EQ(parse_head_text(head_text(empty), error), empty);
  // Any other spelling of the same head is refused.
  for (std::string other :
       {text + "\n", text.substr(0, text.size() - 1), " " + text,
        std::string(text).replace(text.find("1000"), 4, "01000"),
        std::string(text).replace(text.find("registry"), 8, "Registry"), std::string("")}) {
    EXPECT_FALSE(parse_head_text(other, error)) << other;
    EXPECT_NE(error.find("not a tree head text"), std::string::npos);
  }
}

TEST(SignedTreeHead, SignedHeadsVerifyWithTheirKeyOnly) {
  auto key = SigningKey::generate();
  auto other = SigningKey::generate();
  SignedTreeHead s = sign_head(sample_head(), key);
  EXPECT_TRUE(verify_head(s, key.public_key()));
  EXPECT_FALSE(verify_head(s, other.public_key()));
  for (int field = 0; field < 4; ++field) {
    SignedTreeHead altered = s;
    if (field == 0) altered.head.logs[1].size += 1;
    if (field == 1) altered.head.logs[3].root[0] ^= 1;
    if (field == 2) altered.head.through.micros += 1;
    if (field == 3) altered.signature[10] ^= 0x80;
    EXPECT_FALSE(verify_head(altered, key.public_key())) << field;
  }
}

TEST(SignedTreeHead, KeysAndSignaturesAreOpenSslsToo) {
  ::annals::testing::TempDir dir;
  // A key OpenSSL generates signs here, and OpenSSL verifies the head with the PEM we publish.
  ASSERT_EQ(run("openssl genpkey -algorithm ed25519 -out " + (dir / "key.pem")), 0);
  std::string error;
  auto key = SigningKey::from_pem(read_file(dir / "key.pem"), error);
  ASSERT_TRUE(key) << error;
  ASSERT_EQ(
      run("openssl pkey -in " + (dir / "key.pem") + " -pubout -out " + (dir / "openssl-pub.pem")),
      0);
  EXPECT_EQ(read_file(dir / "openssl-pub.pem"), public_key_pem(key->public_key()));
  SignedTreeHead s = sign_head(sample_head(), *key);
  write_file(dir / "head.txt", head_text(s.head));
  write_file(dir / "head.sig", std::string_view(reinterpret_cast<const char*>(s.signature.data()),
                                                s.signature.size()));
  write_file(dir / "pub.pem", public_key_pem(key->public_key()));
  std::string verify = "openssl pkeyutl -verify -pubin -inkey " + (dir / "pub.pem") +
                       " -rawin -in " + (dir / "head.txt") + " -sigfile ";
  EXPECT_EQ(run(verify + (dir / "head.sig")), 0);
  write_file(dir / "head.txt", head_text(sample_head()) + "x");
  EXPECT_NE(run(verify + (dir / "head.sig")), 0);
  // Our private key file is one OpenSSL reads, and the public key it derives is ours.
  auto ours = SigningKey::generate();
  write_file(dir / "ours.pem", ours.private_key_pem());
  ASSERT_EQ(
      run("openssl pkey -in " + (dir / "ours.pem") + " -pubout -out " + (dir / "ours-pub.pem")), 0);
  auto pub = public_key_from_pem(read_file(dir / "ours-pub.pem"), error);
  ASSERT_TRUE(pub) << error;
  EXPECT_EQ(*pub, ours.public_key());
  EXPECT_EQ(SigningKey::from_pem(ours.private_key_pem(), error)->public_key(), ours.public_key());
}

TEST(SignedTreeHead, BadKeyFilesAreRefusedWithoutQuotingThem) {
  std::string error;
  auto key = SigningKey::generate();
  std::string pem = key.private_key_pem();
  EXPECT_FALSE(SigningKey::from_pem("", error));
  EXPECT_FALSE(SigningKey::from_pem(public_key_pem(key.public_key()), error));
  std::string cut = pem.substr(0, 40) + pem.substr(60);
  EXPECT_FALSE(SigningKey::from_pem(cut, error));
  EXPECT_EQ(error.find(pem.substr(28, 20)), std::string::npos);  // no key bytes in the error
  EXPECT_FALSE(public_key_from_pem(pem, error));
  EXPECT_NE(error.find("public key"), std::string::npos);
}

TEST(SignedTreeHead, TheKeptJsonIsReadOnlyAsTheSignedTextSays) {
  auto key = SigningKey::generate();
  SignedTreeHead s = sign_head(sample_head(), key);
  nlohmann::json j = to_json(s, key.public_key());
  EXPECT_EQ(j["district"], "110101");
  EXPECT_EQ(j["logs"]["personnel"]["size"], 2000);
  EXPECT_EQ(j["key_id"], key_id(key.public_key()));
  EXPECT_EQ(j["key_id"].get<std::string>().size(), 16u);
  std::string error;
  auto back = signed_head_from_json(nlohmann::json::parse(j.dump()), error);
  ASSERT_TRUE(back) << error;
  EXPECT_TRUE(verify_head(*back, key.public_key()));
  EXPECT_EQ(back->head, s.head);
  // A readable field that disagrees with the text, a bad signature, a wrong type: refused.
  auto with = [&](const char* pointer, nlohmann::json v) {
    nlohmann::json k = j;
    k[nlohmann::json::json_pointer(pointer)] = std::move(v);
    return signed_head_from_json(k, error);
  };
  EXPECT_FALSE(with("/logs/personnel/size", 2001));
  EXPECT_FALSE(with("/district", "110102"));
  EXPECT_FALSE(with("/signature", "AAAA"));
  EXPECT_FALSE(with("/signature", 5));
  EXPECT_FALSE(with("/logs/registry/size", "1000"));
  EXPECT_FALSE(with("/text", head_text(sample_head()) + " "));
}

}  // namespace
}  // namespace annals::transparency
