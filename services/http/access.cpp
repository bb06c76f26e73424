#include "services/http/access.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "services/http/server.h"

namespace annals {

struct Access::Refusals {
  explicit Refusals(prometheus::Registry& r)
      : family(prometheus::BuildCounter()
                   .Name("annals_http_refusals_total")
                   .Help("HTTP requests refused for their credential: 401 none or invalid, 403 "
                         "outside its scope.")
                   .Register(r)),
        unauthenticated(family.Add({{"code", "401"}})), forbidden(family.Add({{"code", "403"}})) {}
  prometheus::Family<prometheus::Counter>& family;
  prometheus::Counter& unauthenticated;
  prometheus::Counter& forbidden;
};

namespace {

// The subject of the client certificate the TLS handshake verified ("" when there is none).
std::string certificate_subject(const httplib::Request& req) {
  if (!req.ssl) return "";
  X509* cert = SSL_get1_peer_certificate(req.ssl);
  if (!cert) return "";
  std::string subject;
  if (SSL_get_verify_result(req.ssl) == X509_V_OK) {
    BIO* bio = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    subject.assign(data, std::size_t(n));
    BIO_free(bio);
  }
  X509_free(cert);
  return subject;
}

// `path` is one of `open`: equal to an entry, or under an entry "/prefix/*".
bool is_open(const std::string& path, const std::vector<std::string>& open) {
  for (const auto& p : open) {
    bool prefix = p.size() > 2 && p.compare(p.size() - 2, 2, "/*") == 0;
    if (prefix ? path.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0 : p == path) return true;
  }
  return false;
}

}  // namespace

Access::Access(std::shared_ptr<auth::Authenticator> authenticator, prometheus::Registry& metrics)
    : authenticator_(std::move(authenticator)), refusals_(std::make_unique<Refusals>(metrics)) {}

Access::~Access() = default;

nlohmann::json identity_json(const auth::Identity& identity) {
  nlohmann::json out = {
      {"id", identity.id}, {"name", identity.name}, {"role", to_string(identity.role)}};
  auto grant = [](const auth::Scope& s) {
    return s.all ? nlohmann::json("*") : nlohmann::json(s.ids);
  };
  out["districts"] = grant(identity.scope);
  if (identity.role == auth::Role::source) {
    out["system"] = to_string(identity.system);
    out["sources"] = grant(identity.sources);
  }
  return out;
}

void reply_forbidden(httplib::Response& res, const std::string& message) {
  reply_json(res, 403, {{"error", message}, {"code", "forbidden"}});
}

auth::Verdict Access::identity_named(std::string_view name) const {
  return authenticator_->by_name(name);
}

std::optional<auth::Identity> Access::authenticate(const httplib::Request& req,
                                                   httplib::Response& res) const {
  auth::Verdict verdict;
  std::string subject = req.has_header("Authorization") ? "" : certificate_subject(req);
  if (!subject.empty()) verdict = authenticator_->from_certificate(subject);
  else verdict = authenticator_->from_authorization(req.get_header_value("Authorization"));
  if (!verdict.identity) {
    refusals_->unauthenticated.Increment();
    res.set_header("WWW-Authenticate", "Bearer realm=\"annals\"");
    reply_json(res, 401, {{"error", verdict.error}, {"code", "unauthenticated"}});
  }
  return verdict.identity;
}

std::optional<auth::Identity> Access::authorize(const httplib::Request& req, httplib::Response& res,
                                                std::initializer_list<auth::Role> roles) const {
  auto identity = authenticate(req, res);
  if (!identity) return std::nullopt;
  for (auth::Role role : roles)
    if (identity->role == role) return identity;
  std::string wanted;
  for (auth::Role role : roles)
    wanted += (wanted.empty() ? "" : " or ") + std::string(to_string(role));
  refusals_->forbidden.Increment();
  reply_forbidden(res, "the identity '" + identity->name + "' (role " +
                           std::string(to_string(identity->role)) + ") may not use " + req.path +
                           ": it needs the role " + wanted);
  return std::nullopt;
}

void Access::install(httplib::Server& server, std::vector<std::string> open) {
  open.push_back("/health");
  open.push_back("/ready");
  server.set_pre_routing_handler([this, open](const httplib::Request& req, httplib::Response& res) {
    if (is_open(req.path, open)) return httplib::Server::HandlerResponse::Unhandled;
    bool allowed = req.path == "/metrics" ? authorize(req, res, {auth::Role::metrics}).has_value()
                                          : authenticate(req, res).has_value();
    return allowed ? httplib::Server::HandlerResponse::Unhandled
                   : httplib::Server::HandlerResponse::Handled;
  });
}

}  // namespace annals
