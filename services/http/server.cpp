#include "services/http/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <httplib.h>
#include <prometheus/gauge.h>
#include <prometheus/text_serializer.h>

#include "events/json_codec.h"

namespace annals {
namespace {

// process_resident_memory_bytes and process_open_fds-like facts read at scrape time.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    long pages = 0, resident = 0;
    std::ifstream statm("/proc/self/statm");
    statm >> pages >> resident;
    prometheus::MetricFamily rss{"process_resident_memory_bytes",
                                 "Resident memory size in bytes.",
                                 prometheus::MetricType::Gauge,
                                 {}};
    prometheus::ClientMetric m;
    m.gauge.value = double(resident) * double(sysconf(_SC_PAGESIZE));
    rss.metric.push_back(m);
    return {rss};
  }
};

}  // namespace

namespace {

std::unique_ptr<httplib::Server> make_server(const HttpOptions& options) {
  if (options.tls_cert.empty() != options.tls_key.empty())
    throw std::runtime_error("--tls-cert and --tls-key go together");
  if (options.tls_cert.empty()) {
    if (!options.tls_client_ca.empty())
      throw std::runtime_error("--tls-client-ca needs --tls-cert and --tls-key");
    return std::make_unique<httplib::Server>();
  }
  auto server = std::make_unique<httplib::SSLServer>(
      options.tls_cert.c_str(), options.tls_key.c_str(),
      options.tls_client_ca.empty() ? nullptr : options.tls_client_ca.c_str());
  if (!server->is_valid())
    throw std::runtime_error("cannot use the TLS certificate, key or client CA given");
  return server;
}

}  // namespace

HttpServer::HttpServer(std::string process, std::shared_ptr<prometheus::Registry> metrics,
                       const HttpOptions& options)
    : process_(std::move(process)), metrics_(std::move(metrics)), server_(make_server(options)),
      access_(std::make_unique<Access>(std::make_shared<auth::Authenticator>(options.tokens),
                                       *metrics_)) {
  access_->install(*server_, options.open);
  auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch());
  prometheus::BuildGauge()
      .Name("process_start_time_seconds")
      .Help("Start time of the process since the Unix epoch in seconds.")
      .Register(*metrics_)
      .Add({})
      .Set(now.count());
  prometheus::BuildGauge()
      .Name("annals_build_info")
      .Help("Always 1; labels name the process and version.")
      .Register(*metrics_)
      .Add({{"process", process_}, {"version", "0.1.0"}})
      .Set(1);
  collectables_.push_back(std::make_shared<ProcessCollector>());
  auto& s = *server_;
  s.set_payload_max_length(64u << 20);  // 100,000 events of ~600 bytes
  // httplib writes a response's headers and body separately: without TCP_NODELAY, Nagle holds
  // the body until the client's delayed ACK, 40 ms on every keep-alive request after the first.
  s.set_tcp_nodelay(true);
  // httplib closes a keep-alive connection after 5 requests by default: a dashboard or a
  // client asking many questions would pay a new connection (and TLS handshake) every 5.
  s.set_keep_alive_max_count(1000);
  // httplib serves a connection on one pool thread for as long as it is kept alive, so the
  // pool is how many clients are served at once: its default, max(8, cores - 1), made a ninth
  // keep-alive client wait until another's connection closed (seen as one heavy client's
  // first answer taking a second in the benchmark). Idle threads cost only their stacks.
  s.new_task_queue = [] { return new httplib::ThreadPool(kConnectionThreads); };
  // SO_REUSEADDR without httplib's default SO_REUSEPORT: with it, a second process bound to a
  // port in use silently shares it, and requests land on either (a test saw an audit route
  // answered by a publishing service). Now the second one fails to start, as it should.
  s.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    std::ostringstream out;
    prometheus::TextSerializer serializer;
    auto families = metrics_->Collect();
    for (const auto& c : collectables_) {
      auto more = c->Collect();
      families.insert(families.end(), more.begin(), more.end());
    }
    serializer.Serialize(out, families);
    res.set_content(out.str(), "text/plain; version=0.0.4; charset=utf-8");
  });
  s.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    reply_json(res, 200, {{"status", "ok"}, {"process", process_}});
  });
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {}
        reply_error(res, 500, what);
      });
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) reply_error(res, 404, "no such resource: " + req.path);
    else if (res.status == 413) reply_error(res, 413, "request body too large");
    else if (res.status == 414) reply_error(res, 414, "the request URI is too long");
    else if (res.status == 400) {
      const std::string why =
          "the request could not be read: malformed HTTP, headers too large or a multipart body "
          "that is not a form";
      reply_error(res, 400, why, {{"", why}});
    } else reply_error(res, res.status, "request failed");
  });
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::add_collectable(std::shared_ptr<prometheus::Collectable> collectable) {
  collectables_.push_back(std::move(collectable));
}

int HttpServer::start(const std::string& host, int port) {
  int bound = port;
  if (port == 0) bound = server_->bind_to_any_port(host.c_str());
  else if (!server_->bind_to_port(host.c_str(), port)) bound = -1;
  if (bound < 0) throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port));
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void HttpServer::stop() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void reply_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void reply_json_text(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.body = std::move(body);
  res.set_header("Content-Type", "application/json");
}

nlohmann::json violations_json(const std::vector<Violation>& violations) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : violations)
    out.push_back({{"pointer", v.pointer}, {"message", v.message}, {"code", v.code}});
  return out;
}

void reply_error(httplib::Response& res, int status, const std::string& message,
                 const std::vector<Violation>& violations) {
  nlohmann::json body = {{"error", message}};
  if (!violations.empty()) body["violations"] = violations_json(violations);
  reply_json(res, status, body);
}

}  // namespace annals
