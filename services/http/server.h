// The HTTP face every Annals process shares: JSON errors, /health, Prometheus /metrics from
// a registry the process fills, and who may call it (access.h: a credential on every route
// but the open ones). HTTPS, with client certificates, when the options ask for it. Routes
// are added on server().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "services/http/access.h"
#include "services/http/http_options.h"

namespace httplib {
class Server;
struct Response;
}  // namespace httplib

namespace annals {

struct Violation;

// How many connections an HTTP process serves at once (each kept-alive connection holds one
// thread of the pool while it is open); more wait for one to close.
inline constexpr int kConnectionThreads = 64;

class HttpServer {
 public:
  // `process` names the process in metrics (annals_build_info{process=...}). Reads the token
  // file and the TLS files `options` names; throws std::runtime_error when one cannot be read.
  HttpServer(std::string process, std::shared_ptr<prometheus::Registry> metrics,
             const HttpOptions& options);
  ~HttpServer();

  httplib::Server& server() { return *server_; }
  // Who may call: the services ask it for the role each route needs.
  const Access& access() const { return *access_; }

  // Adds a collector scraped with the registry (RocksDB figures, for instance).
  void add_collectable(std::shared_ptr<prometheus::Collectable> collectable);
  prometheus::Registry& metrics() { return *metrics_; }

  // Binds host:port (port 0 picks a free one) and serves on a background thread.
  // Returns the bound port; throws std::runtime_error when it cannot bind.
  int start(const std::string& host, int port);
  void stop();

 private:
  std::string process_;
  std::shared_ptr<prometheus::Registry> metrics_;
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<Access> access_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  std::thread thread_;
};

// Replies with a JSON body and status.
void reply_json(httplib::Response& res, int status, const nlohmann::json& body);
// Replies `body`, JSON text already written (json_writer.h), with status.
void reply_json_text(httplib::Response& res, int status, std::string body);
// Replies {"error": message} (and "violations" when given) with status.
void reply_error(httplib::Response& res, int status, const std::string& message,
                 const std::vector<Violation>& violations = {});
nlohmann::json violations_json(const std::vector<Violation>& violations);

}  // namespace annals
