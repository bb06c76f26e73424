// The token text, its hash and the token file (services/auth/token.h, token_file.h), and the
// authenticator that reads the file and follows its changes (authenticator.h): real files,
// real libsodium.
#include "services/auth/token.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "services/auth/authenticator.h"
#include "services/auth/token_file.h"
#include "support/temp_dir.h"

namespace annals::auth {
namespace {

TEST(Token, HasTheDocumentedShapeAndParsesBack) {
  TokenText t = new_token();
  std::string text = token_string(t);
  EXPECT_EQ(text.size(), 7u + 16 + 1 + 43);
  EXPECT_EQ(text.rfind("annals_", 0), 0u);
  auto parsed = parse_token(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->id, t.id);
  EXPECT_EQ(parsed->secret, t.secret);
  EXPECT_NE(token_string(new_token()), text) << "two tokens must differ";
}

TEST(Token, ParseRefusesWhatIsNotAToken) {
  std::string good = token_string(new_token());
  for (std::string bad :
       {std::string(), std::string("annals_"), good.substr(1), good + "x",
        "xnnals_" + good.substr(7), good.substr(0, 10) + "G" + good.substr(11),
        good.substr(0, 23) + "-" + good.substr(24), good.substr(0, 30) + "/" + good.substr(31)})
    EXPECT_FALSE(parse_token(bad)) << bad;
}

TEST(Token, HashMatchesOnlyItsOwnSecretAndId) {
  TokenText t = new_token();
  std::string h = token_hash(t);
  EXPECT_EQ(h.size(), 64u);
  EXPECT_TRUE(token_matches(t, h));
  TokenText other_secret = t;
  other_secret.secret[0] = other_secret.secret[0] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(token_matches(other_secret, h));
  TokenText other_id = t;
  other_id.id[0] = other_id.id[0] == '0' ? '1' : '0';
  EXPECT_FALSE(token_matches(other_id, h));
  EXPECT_FALSE(token_matches(t, h.substr(1)));
}

TokenEntry reader(const std::string& name, const TokenText& t, std::set<std::string> districts) {
  TokenEntry e;
  e.identity.id = t.id;
  e.identity.name = name;
  e.identity.role = Role::reader;
  e.identity.scope.ids = std::move(districts);
  e.hash = token_hash(t);
  e.created_at = "2026-11-30T00:00:00Z";
  return e;
}

TEST(TokenFile, RoundTripsWithOwnerOnlyPermissions) {
  testing::TempDir dir;
  std::string path = dir / "tokens";
  TokenFile file;
  TokenText t = new_token();
  file.entries.push_back(reader("dongcheng-office", t, {"dongcheng"}));
  TokenEntry source;
  source.identity = {
      "", "registry", Role::source, System::registry, {false, {"beijing-registry"}}, {true, {}}};
  source.certificate_subject = "CN=registry.example";
  source.created_at = "2026-11-30T00:00:00Z";
  source.revoked_at = "2026-12-01T00:00:00Z";
  file.entries.push_back(source);
  write_token_file(path, file);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  TokenFile back = read_token_file(path);
  ASSERT_EQ(back.entries.size(), 2u);
  EXPECT_EQ(back.entries[0].identity.name, "dongcheng-office");
  EXPECT_EQ(back.entries[0].hash, token_hash(t));
  EXPECT_TRUE(back.entries[0].identity.scope.grants("dongcheng"));
  EXPECT_FALSE(back.entries[0].identity.scope.grants("xicheng"));
  EXPECT_EQ(back.entries[1].identity.id, "tls:CN=registry.example");
  EXPECT_EQ(back.entries[1].identity.system, System::registry);
  EXPECT_TRUE(back.entries[1].identity.sources.grants("beijing-registry"));
  EXPECT_FALSE(back.entries[1].identity.sources.grants("beijing-finance"));
  EXPECT_TRUE(back.entries[1].identity.scope.all);
  EXPECT_TRUE(back.entries[1].revoked());
  EXPECT_EQ(back.find("dongcheng-office"), &back.entries[0]);
  EXPECT_EQ(back.find("registry"), nullptr) << "a revoked identity's name is free again";
}

TEST(TokenFile, SaysPreciselyWhatIsWrong) {
  testing::TempDir dir;
  std::string path = dir / "tokens";
  auto refused = [&](const std::string& text) {
    std::ofstream(path) << text;
    try {
      read_token_file(path);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refused("{").find("is not JSON"), std::string::npos);
  EXPECT_NE(refused("{}").find("not an Annals token file"), std::string::npos);
  std::string head = R"({"format": "annals-tokens/1", "identities": [)";
  EXPECT_NE(refused(head + R"({"id": "a", "name": "x", "role": "boss", "districts": "*",
      "hash": "h", "created_at": "t"}]})")
                .find("identity 0: \"role\""),
            std::string::npos);
  EXPECT_NE(refused(head + R"({"id": "a", "name": "x", "role": "reader", "districts": ["a b"],
      "hash": "h", "created_at": "t"}]})")
                .find("\"districts\""),
            std::string::npos);
  EXPECT_NE(refused(head + R"({"id": "a", "name": "x", "role": "reader", "districts": "*",
      "created_at": "t"}]})")
                .find("exactly one of"),
            std::string::npos);
  EXPECT_NE(refused(head + R"({"id": "a", "name": "x", "role": "source", "districts": "*",
      "hash": "h", "created_at": "t", "system": "platform", "sources": ["s"]}]})")
                .find("\"system\""),
            std::string::npos);
}

TEST(Authenticator, KnowsValidTokensAndRefusesTheRestAlike) {
  testing::TempDir dir;
  std::string path = dir / "tokens";
  TokenText t = new_token();
  write_token_file(path, TokenFile{{reader("office", t, {"dongcheng"})}});
  Authenticator auth(path);
  Verdict ok = auth.from_authorization("Bearer " + token_string(t));
  ASSERT_TRUE(ok.identity) << ok.error;
  EXPECT_EQ(ok.identity->name, "office");
  EXPECT_NE(auth.from_authorization("").error.find("needs a credential"), std::string::npos);
  EXPECT_NE(auth.from_authorization("Basic abc").error.find("must be \"Bearer"), std::string::npos);
  EXPECT_NE(auth.from_authorization("Bearer nonsense").error.find("malformed"), std::string::npos);
  TokenText wrong = t;
  wrong.secret[5] = wrong.secret[5] == 'x' ? 'y' : 'x';
  Verdict unknown = auth.from_authorization("Bearer " + token_string(new_token()));
  Verdict bad_secret = auth.from_authorization("Bearer " + token_string(wrong));
  EXPECT_FALSE(unknown.identity);
  EXPECT_FALSE(bad_secret.identity);
  EXPECT_EQ(unknown.error, bad_secret.error) << "an unknown id and a wrong secret answer alike";
  for (const auto& v : {unknown, bad_secret})
    EXPECT_EQ(v.error.find(t.secret), std::string::npos) << "never echoes the secret";
}

TEST(Authenticator, FollowsRevocationAndKeepsTheLastGoodFile) {
  testing::TempDir dir;
  std::string path = dir / "tokens";
  TokenText t = new_token(), u = new_token();
  write_token_file(path, TokenFile{{reader("a", t, {"x"}), reader("b", u, {"y"})}});
  Authenticator auth(path);
  ASSERT_TRUE(auth.from_authorization("Bearer " + token_string(t)).identity);
  TokenFile file = read_token_file(path);
  file.entries[0].revoked_at = "2026-11-30T01:00:00Z";
  write_token_file(path, file);
  // Followed within 250 ms; polled, not timed: a liveness bound.
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    refused = !auth.from_authorization("Bearer " + token_string(t)).identity;
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(refused) << "a revoked token must be refused without a restart";
  std::ofstream(path) << "{ broken";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(auth.from_authorization("Bearer " + token_string(u)).identity)
      << "a malformed file keeps the last good identities";
  EXPECT_FALSE(auth.from_authorization("Bearer " + token_string(t)).identity);
}

TEST(Authenticator, RefusesToStartWithoutAFile) {
  EXPECT_THROW(Authenticator("/nonexistent/annals-tokens"), std::runtime_error);
}

}  // namespace
}  // namespace annals::auth
