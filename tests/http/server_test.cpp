// The HTTP face every process shares (services/http/server.h): a real HttpServer on a free
// port and real HTTP clients.
#include "services/http/server.h"

#include <memory>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/registry.h>

#include "services/auth/token_file.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

// Each kept-alive connection holds a thread of the pool: with httplib's default pool (8 on
// this machine) the ninth client waited until another's connection closed, 5 s later.
TEST(HttpServer, ServesManyKeptAliveClientsAtOnce) {
  testing::TempDir dir;
  auth::write_token_file(dir / "tokens", auth::TokenFile{});
  HttpOptions options;
  options.tokens = dir / "tokens";
  HttpServer http("annals-test", std::make_shared<prometheus::Registry>(), options);
  int port = http.start("127.0.0.1", 0);
  std::vector<std::unique_ptr<httplib::Client>> open;
  for (int i = 0; i < kConnectionThreads - 1; ++i) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_keep_alive(true);
    auto res = c->Get("/health");
    ASSERT_TRUE(res) << "client " << i;
    EXPECT_EQ(res->status, 200);
    open.push_back(std::move(c));  // its connection stays open, holding a thread
  }
  // One more client is answered while all the others keep their connections: well before
  // the server's keep-alive timeout (5 s) would have freed a thread for it.
  httplib::Client last("127.0.0.1", port);
  last.set_read_timeout(3, 0);
  auto res = last.Get("/health");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  http.stop();
}

}  // namespace
}  // namespace annals
