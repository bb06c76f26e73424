// annals-audit: answers questions about any district at any date (see audit_service.h).
#include <iostream>

#include <prometheus/registry.h>

#include "services/audit/audit_service.h"
#include "services/audit/digest_publisher.h"
#include "services/http/server.h"
#include "services/kafka/kafka_config.h"
#include "services/kafka/topics.h"
#include "services/process/options.h"
#include "services/process/signals.h"

int main(int argc, char** argv) {
  using namespace annals;
  block_termination_signals();
  CLI::App app{
      "Annals audit service: the roster, history and supervision indicators of any "
      "district at any date, on both clocks, over HTTP. Reads the projector's views."};
  CommonOptions common;
  common.listen = "127.0.0.1:8080";
  add_common_options(app, common);
  HttpOptions http_options;
  add_http_options(app, http_options);
  http_options.open = {"/", "/ui/*"};  // the web page's files: they hold no data
  std::vector<std::string> store_paths{"var/views"};
  std::string secondary_path = "var/audit";
  app.add_option(
         "--store", store_paths,
         "the projector's RocksDB directory; repeat it for each instance of a scaled-out projector "
         "group (each district is answered from the store that holds it)")
      ->envname("ANNALS_STORE")
      ->capture_default_str()
      ->delimiter(',');
  app.add_option("--secondary", secondary_path, "this process's own directory (RocksDB secondary)")
      ->envname("ANNALS_AUDIT_DIR")
      ->capture_default_str();
  std::string standards_dir;
  app.add_option("--standards", standards_dir,
                 "a directory of extra standard rule files (*.json, as services/audit/standards/); "
                 "one with the id of a built-in standard replaces it")
      ->envname("ANNALS_STANDARDS_DIR");
  std::string signing_key_path;
  app.add_option("--signing-key", signing_key_path,
                 "the Ed25519 private key (PKCS#8 PEM) that signs the districts' tree heads "
                 "(docs/verifiable-log.md); without it, GET .../log/head answers 503")
      ->envname("ANNALS_SIGNING_KEY");
  // An interval in seconds, at most a day, with its default shown.
  auto seconds_option = [&app](const char* name, double& seconds, const char* help,
                               const char* env) {
    app.add_option(name, seconds, help)
        ->envname(env)
        ->capture_default_str()
        ->check(CLI::Range(0.0, 86400.0));
  };
  double digest_interval = 60;
  seconds_option("--digest-interval", digest_interval,
                 "seconds between digests: the signed heads of the districts whose record grew, "
                 "published to the digests topic (0: none); needs --signing-key",
                 "ANNALS_DIGEST_INTERVAL");
  double verdicts_interval = 60;
  seconds_option("--verdicts-interval", verdicts_interval,
                 "seconds the districts' verdict gauges of /metrics are kept before a scrape "
                 "computes them again (services/audit/verdict_metrics.h)",
                 "ANNALS_VERDICTS_INTERVAL");
  CLI11_PARSE(app, argc, argv);
  try {
    auto [host, port] = split_listen(common.listen);
    auto registry = std::make_shared<prometheus::Registry>();
    HttpServer http("annals-audit", registry, http_options);
    Standards standards = Standards::built_in();
    if (!standards_dir.empty()) standards.load_directory(standards_dir);
    AccessLogOptions log_options{common.brokers, TopicNames{common.topic_prefix}.access(),
                                 load_kafka_config(common.kafka_config)};
    AuditService service(store_paths, secondary_path, std::move(standards),
                         std::make_unique<AccessLog>(log_options), *registry);
    if (!signing_key_path.empty())
      service.sign_heads_with(transparency::load_signing_key(signing_key_path));
    service.install(http.server(), http.access());
    http.add_collectable(std::make_shared<VerdictMetrics>(
        [&service] { return service.verdicts(today_in_beijing()); },
        std::chrono::milliseconds(static_cast<long>(verdicts_interval * 1000))));
    std::unique_ptr<DigestPublisher> digests;
    if (!signing_key_path.empty() && digest_interval > 0)
      digests = std::make_unique<DigestPublisher>(
          DigestOptions{common.brokers, TopicNames{common.topic_prefix}.digests(),
                        load_kafka_config(common.kafka_config),
                        std::chrono::milliseconds(static_cast<long>(digest_interval * 1000))},
          [&service] { return service.signed_heads(); }, *registry);
    int bound = http.start(host, port);
    std::cerr << "annals-audit: listening on http://" << host << ":" << bound << ", reading "
              << store_paths.size() << " store(s)" << std::endl;
    wait_for_termination();
    digests.reset();
    http.stop();
  } catch (const std::exception& e) {
    std::cerr << "annals-audit: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
