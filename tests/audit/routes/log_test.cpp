// GET /v1/districts/{id}/log/...: the signed head of 东城区's logs now, as it was at a
// recorded time and at given sizes, verified with the public key; the inclusion proof of
// every event of the city, checked against the head's root and decoded back to the event;
// consistency proofs of an older head with today's; and every malformed or impossible
// request refused with a precise error.
#include "services/audit/routes/log.h"

#include <fstream>

#include "audit_city.h"
#include "events/binary_codec.h"
#include "services/transparency/proof_check.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::Params;
using transparency::Hash;
using transparency::hash_from_hex;

class LogRoute : public testing::AuditCityTest {
 protected:
  transparency::SigningKey key = transparency::SigningKey::generate();
  testing::Answer signed_get(const std::string& path, const Params& params = {}) {
    return testing::ask(stores, standards, path, params, auth::Scope{true, {}}, &key);
  }
  // The signed head the route gives for `params`, checked with the public key.
  transparency::SignedTreeHead head(const Params& params = {}) {
    auto answer = signed_get("/v1/districts/dc/log/head", params);
    EXPECT_EQ(answer.status, 200) << answer.body;
    std::string error;
    auto s = transparency::signed_head_from_json(answer.json(), error);
    EXPECT_TRUE(s) << error;
    EXPECT_TRUE(transparency::verify_head(*s, key.public_key()));
    return *s;
  }
  static std::vector<Hash> hashes(const json& list) {
    std::vector<Hash> out;
    for (const auto& h : list) out.push_back(*hash_from_hex(h.get<std::string>()));
    return out;
  }
};

TEST_F(LogRoute, TheSignedHeadNowAndAsItWas) {
  EXPECT_EQ(get("/v1/districts/dc/log/head").status, 503);  // no --signing-key
  auto now = head();
  EXPECT_EQ(now.head.district, "dc");
  // registry (with the retraction), personnel, enrollment, finance
  EXPECT_EQ(now.head.logs[0].size, 11u);
  EXPECT_EQ(now.head.logs[1].size, 3u);
  EXPECT_EQ(now.head.logs[2].size, 4u);
  EXPECT_EQ(now.head.logs[3].size, 0u);
  EXPECT_EQ(now.head.logs[3].root, transparency::empty_root());
  EXPECT_EQ(now.head.through, testing::at("2020-03-01T00:00:00Z"));
  // As recorded at the first instant: the registry log stops at the first cluster join (one
  // second later), the others hold everything.
  auto then = head({{"recorded_at", "2020-01-01T00:00:00Z"}});
  EXPECT_EQ(then.head.logs[0].size, 4u);
  EXPECT_EQ(then.head.logs[1].size, 3u);
  EXPECT_EQ(then.head.through, testing::at("2020-01-01T00:00:00Z"));
  // The same head asked by its sizes.
  EXPECT_EQ(head({{"sizes", "4,3,4,0"}}).head, then.head);
  EXPECT_EQ(head({{"sizes", "11,3,4,0"}}).head, now.head);
  auto past = signed_get("/v1/districts/dc/log/head", {{"sizes", "12,3,4,0"}});
  EXPECT_EQ(past.status, 400);
  EXPECT_EQ(past.error(), "the registry log of district 'dc' has 11 leaves, not 12");
  for (const char* bad : {"1,2,3", "1,2,3,4,5", "a,1,1,1", "-1,0,0,0", ""}) {
    auto answer = signed_get("/v1/districts/dc/log/head", {{"sizes", bad}});
    EXPECT_EQ(answer.status, 400) << bad;
    EXPECT_NE(answer.error().find("four numbers separated by commas"), std::string::npos);
  }
  EXPECT_EQ(signed_get("/v1/districts/nowhere/log/head").status, 404);
}

TEST_F(LogRoute, EveryEventIsProvedInTheHeadsThatHoldIt) {
  auto now = head();
  for (const Event& e : testing::dongcheng()) {
    auto answer = get("/v1/districts/dc/log/inclusion", {{"event", e.envelope.id}});
    ASSERT_EQ(answer.status, 200) << answer.body;
    json body = answer.json();
    std::size_t log = 0;
    while (std::string(to_string(transparency::kLogs[log])) != body["log"]) ++log;
    EXPECT_EQ(body["tree_size"], now.head.logs[log].size);
    EXPECT_EQ(*hash_from_hex(body["root"].get<std::string>()), now.head.logs[log].root);
    // The leaf is this event, recorded_at and position included, and its hash is the one proved.
    std::string leaf = *transparency::from_base64(body["leaf"].get<std::string>());
    EXPECT_EQ(leaf[0], 1);
    auto decoded = decode_binary(std::string_view(leaf).substr(1 + views::kPositionBytes));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->envelope.id, e.envelope.id);
    EXPECT_EQ(decoded->envelope.recorded_at, e.envelope.recorded_at);
    Hash leaf_hash = transparency::leaf_hash(leaf);
    EXPECT_EQ(transparency::to_hex(leaf_hash), body["leaf_hash"]);
    std::uint64_t index = body["leaf_index"];
    EXPECT_TRUE(transparency::verify_inclusion(leaf_hash, index, now.head.logs[log].size,
                                               hashes(body["proof"]), now.head.logs[log].root));
    // In the smallest tree that holds it, too.
    auto smallest = get("/v1/districts/dc/log/inclusion",
                        {{"event", e.envelope.id}, {"tree_size", std::to_string(index + 1)}});
    ASSERT_EQ(smallest.status, 200) << smallest.body;
    EXPECT_TRUE(transparency::verify_inclusion(
        leaf_hash, index, index + 1, hashes(smallest.json()["proof"]),
        *hash_from_hex(smallest.json()["root"].get<std::string>())));
    auto too_small = get("/v1/districts/dc/log/inclusion",
                         {{"event", e.envelope.id}, {"tree_size", std::to_string(index)}});
    EXPECT_EQ(too_small.status, 400);
    EXPECT_NE(too_small.error().find("does not hold it"), std::string::npos);
  }
  auto unknown =
      get("/v1/districts/dc/log/inclusion", {{"event", uuid_from_name("test", "never")}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(get("/v1/districts/dc/log/inclusion", {{"event", "not-a-uuid"}}).status, 400);
  EXPECT_EQ(get("/v1/districts/dc/log/inclusion").status, 400);
  EXPECT_EQ(get("/v1/districts/dc/log/inclusion",
                {{"event", testing::dongcheng()[0].envelope.id}, {"tree_size", "1e3"}})
                .status,
            400);
}

TEST_F(LogRoute, AnOlderHeadIsProvedAPrefixOfTodays) {
  auto then = head({{"recorded_at", "2020-01-01T00:00:00Z"}});
  auto now = head();
  auto answer = get("/v1/districts/dc/log/consistency", {{"first", "4,3,4,0"}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  json body = answer.json();
  for (std::size_t i = 0; i < transparency::kLogs.size(); ++i) {
    std::string name(to_string(transparency::kLogs[i]));
    EXPECT_EQ(*hash_from_hex(body["first"][name]["root"].get<std::string>()),
              then.head.logs[i].root);
    EXPECT_EQ(*hash_from_hex(body["second"][name]["root"].get<std::string>()),
              now.head.logs[i].root);
    EXPECT_TRUE(transparency::verify_consistency(then.head.logs[i].size, now.head.logs[i].size,
                                                 then.head.logs[i].root, now.head.logs[i].root,
                                                 hashes(body["proofs"][name])))
        << name;
  }
  // Between two given heads; a log never shrinks; sizes past the end; malformed.
  EXPECT_EQ(
      get("/v1/districts/dc/log/consistency", {{"first", "2,1,1,0"}, {"second", "4,3,4,0"}}).status,
      200);
  auto shrinking =
      get("/v1/districts/dc/log/consistency", {{"first", "5,3,4,0"}, {"second", "4,3,4,0"}});
  EXPECT_EQ(shrinking.status, 400);
  EXPECT_NE(shrinking.error().find("a log only grows"), std::string::npos);
  EXPECT_EQ(get("/v1/districts/dc/log/consistency", {{"first", "4,3,4,1"}}).status, 400);
  EXPECT_EQ(get("/v1/districts/dc/log/consistency").status, 400);
  EXPECT_EQ(get("/v1/districts/dc/log/consistency", {{"first", "x"}}).status, 400);
}

// What `annals verify` checks, on the files the routes serve: all verified as served, and each
// tampering named. Then the `annals` command itself on the same files.
TEST_F(LogRoute, TheServedFilesVerifyOfflineAndTamperedOnesDoNot) {
  using transparency::check_consistency;
  using transparency::check_head;
  using transparency::check_inclusion;
  json older = signed_get("/v1/districts/dc/log/head", {{"sizes", "4,3,4,0"}}).json();
  json newer = signed_get("/v1/districts/dc/log/head").json();
  std::string corrected = uuid_from_name("test", "survey-corrected");
  json inclusion = get("/v1/districts/dc/log/inclusion", {{"event", corrected}}).json();
  json consistency = get("/v1/districts/dc/log/consistency", {{"first", "4,3,4,0"}}).json();
  const auto& pub = key.public_key();
  EXPECT_TRUE(check_head(newer, pub).ok) << check_head(newer, pub).message;
  auto included = check_inclusion(newer, inclusion, pub);
  EXPECT_TRUE(included.ok) << included.message;
  EXPECT_NE(included.message.find("is leaf 7 of the registry log"), std::string::npos)
      << included.message;
  auto prefix = check_consistency(older, newer, consistency, pub);
  EXPECT_TRUE(prefix.ok) << prefix.message;

  auto other = transparency::SigningKey::generate();
  EXPECT_NE(check_head(newer, other.public_key()).message.find("not the key's"), std::string::npos);
  json edited = newer;
  edited["text"] =
      std::string(newer["text"])
          .replace(newer["text"].get<std::string>().find("registry 11"), 11, "registry 12");
  EXPECT_FALSE(check_head(edited, pub).ok);
  // A leaf changed by one byte is not in the record.
  json forged = inclusion;
  std::string leaf = *transparency::from_base64(inclusion["leaf"].get<std::string>());
  leaf.back() ^= 1;
  forged["leaf"] = transparency::to_base64(leaf);
  auto not_in = check_inclusion(newer, forged, pub);
  EXPECT_FALSE(not_in.ok);
  EXPECT_NE(not_in.message.find("is not in the record the head covers"), std::string::npos);
  // A proof in another tree than the head's.
  EXPECT_NE(
      check_inclusion(older, inclusion, pub).message.find("ask for the proof with tree_size=4"),
      std::string::npos);
  // Newer then older: the registry log would have shrunk.
  EXPECT_NE(check_consistency(newer, older, consistency, pub).message.find("never shrinks"),
            std::string::npos);
  // A head of the same sizes whose record was rewritten (signed with the key, as a thief of
  // the key could): not a prefix.
  std::string error;
  auto rewritten = transparency::signed_head_from_json(older, error)->head;
  rewritten.logs[0].root[3] ^= 1;
  json rewritten_json = transparency::to_json(transparency::sign_head(rewritten, key), pub);
  EXPECT_NE(check_consistency(rewritten_json, newer, consistency, pub).message.find("not a prefix"),
            std::string::npos);
  EXPECT_FALSE(check_inclusion(newer, json::array(), pub).ok);
  EXPECT_FALSE(check_consistency(older, newer, json{{"proofs", {{"registry", 5}}}}, pub).ok);

  // The same checks with the `annals` command, from files.
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  };
  std::string annals = std::string(ANNALS_BIN_DIR) + "/annals verify ";
  std::string key_file = write("pub.pem", transparency::public_key_pem(pub));
  std::string head_file = write("head.json", newer.dump()),
              older_file = write("older.json", older.dump());
  auto run = [](const std::string& command) {
    return std::system((command + " > /dev/null 2>&1").c_str());
  };
  EXPECT_EQ(run(annals + "head --key " + key_file + " --head " + head_file), 0);
  EXPECT_EQ(run(annals + "inclusion --key " + key_file + " --head " + head_file + " --proof " +
                write("inclusion.json", inclusion.dump())),
            0);
  EXPECT_NE(run(annals + "inclusion --key " + key_file + " --head " + head_file + " --proof " +
                write("forged.json", forged.dump())),
            0);
  EXPECT_EQ(run(annals + "consistency --key " + key_file + " --older " + older_file + " --newer " +
                head_file + " --proof " + write("consistency.json", consistency.dump())),
            0);
  EXPECT_NE(run(annals + "head --key " + key_file + " --head " + write("bad.json", "{")), 0);
}

TEST_F(LogRoute, ADistrictNotGrantedIsUnknown) {
  auto answer = testing::ask(stores, standards, "/v1/districts/dc/log/head", {},
                             auth::Scope{false, {"other"}}, &key);
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(
      testing::ask(stores, standards, "/v1/districts/dc/log/inclusion",
                   {{"event", testing::dongcheng()[0].envelope.id}}, auth::Scope{false, {"other"}})
          .status,
      404);
}

}  // namespace
}  // namespace annals
