// The audit service's HTTP API over the views (read through RocksDB secondary instances that
// follow the projectors' stores, services/audit/followed_store.h).
//
//   GET /v1/districts                                   districts known to the record
//   GET /v1/districts/{id}/state?at=D[&recorded_at=T]   schools with their figures, clusters,
//                                                       totals (also at /schools: the roster)
//   GET /v1/districts/{id}/indicators?at=D[&standard=ID][&recorded_at=T][&format=csv]
//                                                       the balanced-development indicators
//   GET /v1/districts/{id}/indicators.csv?...           the same as the official CSV table
//   GET /v1/districts/{id}/indicators/series?from=&to=&step=year|month   CVs over time
//   GET /v1/districts/{id}/events?from=&to=&type=&limit=&after=          the audit trail
//   GET /v1/districts/{id}/rotations?from=&to=[&cluster=]    teacher transfers, direction, posts
//   GET /v1/districts/{id}/admissions?year=Y                 the intake by mode, per 学区
//   GET /v1/districts/{id}/diff?from=D1&to=D2[&from_recorded_at=&to_recorded_at=]
//                                                       what changed, and the events that did it
//   GET /v1/districts/{id}/log/head[?recorded_at=T|?sizes=]   the signed tree head
//   GET /v1/districts/{id}/log/inclusion?event=E[&tree_size=]  an event's inclusion proof
//   GET /v1/districts/{id}/log/consistency?first=[&second=]    an older head in a newer one
//   GET /v1/schools/{id}/timeline?at=D                  a school's events, lineage, record on D
//   GET /v1/teachers/{id}/timeline?at=D                 a teacher's events and record on D
//   GET /v1/clusters/{id}?at=D                          a cluster's members and roles on D
//   GET /v1/standards                                   the rule files loaded
//   GET /v1/whoami                                      the identity the credential stands for
//   GET /v1/access-log?district=&name=&limit=           who read records about people (auditors)
//
// Who may ask (services/http/access.h, docs/security.md): every route needs a reader
// identity, and answers only about the districts it is granted: /v1/districts lists only
// those, and any other district answers exactly as an unknown one (404), so that a district's
// existence does not leak. /v1/access-log needs an auditor identity. Every answer about
// individual people (the routes marked `personal` in routes.h) is recorded in the access log
// (access_log.h) before it is sent.
//
// The OpenAPI document is services/audit/openapi.yaml; the routes are in routes.h, one file
// per question in routes/.
// D is a date YYYY-MM-DD (default: today in Asia/Shanghai). T is an RFC 3339 timestamp or a
// date (the end of that day, Asia/Shanghai); default: everything recorded so far. Every
// answer carries `consistent_to`: the log offsets the views reflected when it was computed;
// every answer about a district, the header `Annals-Log-Sizes: R,P,E,F`: the sizes of its
// registry, personnel, enrollment and finance logs in those views, i.e. the tree head it
// reflects (GET .../log/head?sizes=R,P,E,F signs it).
#pragma once

#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "services/audit/access_log.h"
#include "services/audit/background_pool.h"
#include "services/audit/followed_store.h"
#include "services/audit/standard.h"
#include "services/audit/verdict_metrics.h"
#include "services/transparency/signed_tree_head.h"
#include "services/views/view_store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib
namespace prometheus {
class Registry;
}

namespace annals {

class Access;
struct Route;

class AuditService {
 public:
  // `store_paths`: the projectors' stores (one per instance of a scaled-out group; a district
  // is answered from the store that holds it); `secondary_path`: this process's own directory.
  // `access_log` records the reads of personal records (access_log.h).
  AuditService(std::vector<std::string> store_paths, std::string secondary_path,
               Standards standards, std::unique_ptr<AccessLog> access_log,
               prometheus::Registry& metrics);
  ~AuditService();

  // Installs every route of the API (routes.h: route_table), /v1/whoami, /v1/access-log and
  // the web page on `server`; `access` says who calls (it must outlive the server).
  void install(httplib::Server& server, const Access& access);

  // Signs the districts' tree heads with `key` from now on (GET .../log/head); without one,
  // that route answers 503. Call before install().
  void sign_heads_with(transparency::SigningKey key);

  // The tree head of every district the views hold now, signed (signed_tree_head.h: to_json),
  // by district: what the digest publisher publishes (digest_publisher.h). Empty without a
  // signing key or while no store is open; a district whose log is damaged is left out.
  std::map<std::string, nlohmann::json> signed_heads();

  // Every district's indicators on `today`, as the record knows them now, under the standard
  // in force there that day: what the verdict gauges publish (verdict_metrics.h). A district
  // with no standard in force yet is left out; empty while no store is open.
  std::vector<DistrictVerdict> verdicts(Date today);

 private:
  struct Metrics;
  // Answers `req` with `route` for a reader identity: 503 while no store is open, otherwise
  // the route's answer from the store that holds the path's district, as it stood when the
  // question began,
  // recorded in the access log when the route is personal; counted and timed.
  void answer(const Route& route, const Access& access, const httplib::Request& req,
              httplib::Response& res);
  // The route's answer for `who`; `recording` is the access-log record the route began while
  // it made the answer (RouteContext::disclosing), if it did.
  void ask(const Route& route, const auth::Identity& who, const httplib::Request& req,
           httplib::Response& res, std::string& district, std::future<bool>& recording);
  // GET /v1/access-log for an auditor identity.
  void list_access_log(const Access& access, const httplib::Request& req, httplib::Response& res);
  // Opens the stores not open yet and catches the open ones up (followed_store.h); run by
  // the follower thread every 20 ms. `error` says why a store could not be opened.
  void follow(std::string& error);
  // The instances serving now, one per open store; empty, with `error` set, when no
  // projector has created its store yet.
  std::vector<std::shared_ptr<views::ViewStore>> serving(std::string& error);

  std::vector<std::string> store_paths_;
  std::string secondary_path_;
  Standards standards_;
  std::unique_ptr<AccessLog> access_log_;
  std::unique_ptr<transparency::SigningKey> signing_key_;
  std::unique_ptr<Metrics> metrics_;
  BackgroundPool background_;  // the routes marked `background` (routes.h)
  std::mutex follow_mu_;       // one follow() at a time
  std::mutex stores_mu_;       // guards stores_ (held only to copy pointers)
  std::vector<std::shared_ptr<FollowedStore>> stores_;
  std::mutex stop_mu_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread follower_;  // follow() every 20 ms; never blocks a question
};

}  // namespace annals
