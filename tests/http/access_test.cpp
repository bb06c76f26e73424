// Who may call an Annals HTTP process (services/http/access.h): a real HttpServer on a free
// port, real tokens in a real token file, a real HTTP client; and mutual TLS with
// certificates made by the openssl command line.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "services/auth/token.h"
#include "services/auth/token_file.h"
#include "services/http/server.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

using nlohmann::json;

auth::TokenEntry entry(const std::string& name, auth::Role role, const auth::TokenText& t) {
  auth::TokenEntry e;
  e.identity.id = t.id;
  e.identity.name = name;
  e.identity.role = role;
  e.identity.scope.all = true;
  e.hash = auth::token_hash(t);
  e.created_at = "2026-11-30T00:00:00Z";
  return e;
}

struct Served {
  explicit Served(HttpOptions options) {
    http = std::make_unique<HttpServer>("annals-test", std::make_shared<prometheus::Registry>(),
                                        options);
    http->server().Get("/v1/thing", [this](const httplib::Request& req, httplib::Response& res) {
      if (auto who = http->access().authorize(req, res, {auth::Role::reader}))
        reply_json(res, 200, identity_json(*who));
    });
    http->server().Get("/page", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("page", "text/plain");
    });
    port = http->start("127.0.0.1", 0);
  }
  std::unique_ptr<HttpServer> http;
  int port = 0;
};

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth::write_token_file(dir / "tokens",
                           auth::TokenFile{{entry("office", auth::Role::reader, reader),
                                            entry("scraper", auth::Role::metrics, metrics)}});
  }
  testing::TempDir dir;
  auth::TokenText reader = auth::new_token(), metrics = auth::new_token();
};

TEST_F(AccessTest, EveryRouteButTheOpenOnesNeedsAValidCredential) {
  Served s(HttpOptions{dir / "tokens", "", "", "", {"/", "/page", "/ui/*"}});
  httplib::Client c("127.0.0.1", s.port);
  EXPECT_EQ(c.Get("/health")->status, 200);
  EXPECT_EQ(c.Get("/page")->status, 200);
  EXPECT_EQ(c.Get("/ui/x")->status, 404) << "open: no such file, but no credential asked";
  EXPECT_EQ(c.Get("/ui")->status, 401) << "only what is under /ui/";
  EXPECT_EQ(c.Get("/pages")->status, 401);
  for (const char* path : {"/v1/thing", "/metrics", "/no/such/route"}) {
    auto r = c.Get(path);
    EXPECT_EQ(r->status, 401) << path;
    EXPECT_EQ(json::parse(r->body)["code"], "unauthenticated");
    EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer realm=\"annals\"");
  }
  auto bad =
      c.Get("/v1/thing", {{"Authorization", "Bearer " + auth::token_string(auth::new_token())}});
  EXPECT_EQ(bad->status, 401);
  EXPECT_EQ(json::parse(bad->body)["error"], "the token is not valid (unknown or revoked)");
  c.set_bearer_token_auth(auth::token_string(reader));
  auto ok = c.Get("/v1/thing");
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(json::parse(ok->body)["name"], "office");
  EXPECT_EQ(ok->body.find(reader.secret), std::string::npos);
}

TEST_F(AccessTest, MetricsNeedTheMetricsRoleAndRoutesTheirOwn) {
  Served s(HttpOptions{dir / "tokens", "", "", "", {}});
  httplib::Client c("127.0.0.1", s.port);
  c.set_bearer_token_auth(auth::token_string(reader));
  auto forbidden = c.Get("/metrics");
  EXPECT_EQ(forbidden->status, 403);
  EXPECT_EQ(json::parse(forbidden->body)["code"], "forbidden");
  EXPECT_NE(json::parse(forbidden->body)["error"].get<std::string>().find("role metrics"),
            std::string::npos);
  c.set_bearer_token_auth(auth::token_string(metrics));
  auto scraped = c.Get("/metrics");
  EXPECT_EQ(scraped->status, 200);
  EXPECT_NE(scraped->body.find("annals_http_refusals_total{code=\"403\"} 1"), std::string::npos);
  EXPECT_EQ(c.Get("/v1/thing")->status, 403);
}

int sh(const std::string& command) {
  return std::system(("(" + command + ") >/dev/null 2>&1").c_str());
}

TEST_F(AccessTest, MutualTlsNamesTheIdentityByItsCertificate) {
  std::string d = dir.path().string();
  // A CA, a server certificate for 127.0.0.1 and two client certificates signed by it.
  ASSERT_EQ(sh("cd " + d +
               " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca "
               "-keyout ca.key -out ca.pem"),
            0);
  for (std::string name : {"server", "registry", "stranger"}) {
    std::string cn = name == "server" ? "127.0.0.1" : name + ".example";
    ASSERT_EQ(
        sh("cd " + d + " && openssl req -newkey rsa:2048 -nodes -subj /CN=" + cn + " -keyout " +
           name + ".key -out " + name + ".csr && printf 'subjectAltName=IP:127.0.0.1' > " + name +
           ".ext && openssl x509 -req -in " + name +
           ".csr -CA ca.pem -CAkey ca.key "
           "-CAcreateserial -days 2 -extfile " +
           name + ".ext -out " + name + ".pem"),
        0);
  }
  auth::TokenFile file = auth::read_token_file(dir / "tokens");
  auth::TokenEntry cert = entry("registry-system", auth::Role::reader, auth::new_token());
  cert.hash.clear();
  cert.certificate_subject = "CN=registry.example";
  file.entries.push_back(cert);
  auth::write_token_file(dir / "tokens", file);
  Served s(HttpOptions{dir / "tokens", d + "/server.pem", d + "/server.key", d + "/ca.pem", {}});
  auto client = [&](const std::string& name) {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", s.port, d + "/" + name + ".pem",
                                                  d + "/" + name + ".key");
    c->set_ca_cert_path((d + "/ca.pem").c_str());
    c->enable_server_certificate_verification(true);
    return c;
  };
  auto known = client("registry")->Get("/v1/thing");
  ASSERT_TRUE(known);
  EXPECT_EQ(known->status, 200);
  EXPECT_EQ(json::parse(known->body)["name"], "registry-system");
  auto unknown = client("stranger")->Get("/v1/thing");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  httplib::SSLClient anonymous("127.0.0.1", s.port);
  anonymous.enable_server_certificate_verification(false);
  EXPECT_FALSE(anonymous.Get("/v1/thing")) << "no client certificate: the handshake fails";
}

}  // namespace
}  // namespace annals
