#include "services/publisher/publishing_main.h"

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include <prometheus/registry.h>

#include "events/identifier.h"
#include "services/http/server.h"
#include "services/kafka/kafka_config.h"
#include "services/process/options.h"
#include "services/process/signals.h"
#include "services/projector/projector.h"
#include "services/publisher/inbound_consumer.h"
#include "services/publisher/publishing_service.h"
#include "services/views/rocksdb_metrics.h"

namespace annals {

// What the service's own views follow: its topic (and the registry's, for schools), so that
// its rules and its idempotency survive restarts and are rebuilt from the log; of the other
// services' topics only the event ids, so that an id is unique across the whole record before
// this service acknowledges an event.
ProjectorOptions following(System system, const CommonOptions& common,
                           const KafkaProperties& kafka_config, const std::string& store_path) {
  TopicNames topics{common.topic_prefix};
  ProjectorOptions follow;
  follow.brokers = common.brokers;
  follow.kafka_config = kafka_config;
  follow.topics = topics;
  follow.subscribe = {topics.of(system)};
  if (system != System::registry) follow.subscribe.push_back(topics.of(System::registry));
  for (System other : {System::registry, System::personnel, System::enrollment, System::finance}) {
    if (other == system || other == System::registry) continue;
    follow.subscribe.push_back(topics.of(other));
    follow.index_only.push_back(topics.of(other));
  }
  follow.dead_letters = false;
  follow.keeps = Keeps::rules;  // its store checks rules; the projector's is the record
  follow.all_partitions = true;
  follow.group =
      "annals-" + std::string(to_string(system)) + "-service-" +
      uuid_from_name("store", std::filesystem::absolute(store_path).string()).substr(0, 8);
  return follow;
}

int publishing_service_main(System system, int default_port, int argc, char** argv) {
  block_termination_signals();
  std::string name(to_string(system));
  CLI::App app{"Annals " + name + " service: accepts " + name +
               " events over HTTP, validates them against the event contract and publishes "
               "them to Kafka, answering only once the broker has them."};
  CommonOptions common;
  common.listen = "127.0.0.1:" + std::to_string(default_port);
  add_common_options(app, common);
  HttpOptions http_options;
  add_http_options(app, http_options);
  int delivery_timeout_ms = 15000;
  app.add_option("--delivery-timeout-ms", delivery_timeout_ms,
                 "longest wait for the broker's confirmation before answering 503")
      ->envname("ANNALS_DELIVERY_TIMEOUT_MS")
      ->capture_default_str();
  std::string store_path = "var/" + name;
  app.add_option("--store", store_path, "RocksDB directory of this service's own views")
      ->envname("ANNALS_STORE")
      ->capture_default_str();
  std::string inbound_identity;
  app.add_option("--inbound-identity", inbound_identity,
                 "also consume this system's inbound Kafka topic, publishing its events for this "
                 "source identity of the token file (services/publisher/inbound_consumer.h)")
      ->envname("ANNALS_INBOUND_IDENTITY");
  CLI11_PARSE(app, argc, argv);

  try {
    auto [host, port] = split_listen(common.listen);
    KafkaProperties kafka_config = load_kafka_config(common.kafka_config);
    ProducerOptions producer_options;
    producer_options.brokers = common.brokers;
    producer_options.settings = kafka_config;
    producer_options.delivery_timeout = std::chrono::milliseconds(delivery_timeout_ms);
    Producer producer(producer_options);
    auto registry = std::make_shared<prometheus::Registry>();
    std::filesystem::create_directories(store_path);
    auto store = views::ViewStore::open_primary(store_path);
    TopicNames topics{common.topic_prefix};
    ProjectorOptions follow = following(system, common, kafka_config, store_path);
    Projector follower(follow, *store, *registry);
    HttpServer http("annals-" + name, registry, http_options);
    http.add_collectable(std::make_shared<views::RocksDbMetrics>(*store));
    PublishingService service(system, topics, producer, *store, *registry);
    service.install(http.server(), http.access());
    std::unique_ptr<InboundConsumer> inbound;
    if (!inbound_identity.empty())
      inbound = std::make_unique<InboundConsumer>(
          InboundOptions{.system = system,
                         .brokers = common.brokers,
                         .kafka_config = kafka_config,
                         .topics = topics,
                         .identity = inbound_identity,
                         .delivery_timeout = std::chrono::milliseconds(delivery_timeout_ms)},
          service, http.access(), *registry);
    std::exception_ptr failure;
    std::mutex failure_mu;
    // Runs `work` on a thread; its failure stops the process (and is rethrown below).
    auto background = [&](auto work) {
      return std::thread([&, work] {
        try {
          work();
        } catch (...) {
          std::lock_guard lock(failure_mu);
          if (!failure) failure = std::current_exception();
          kill(getpid(), SIGTERM);
        }
      });
    };
    {
      std::thread following = background([&] { follower.run(); });
      std::thread consuming = background([&] {
        if (inbound) inbound->run();
      });
      // Whatever happens from here on (a port already taken included), the follower and the
      // inbound consumer stop and their threads are joined before this scope ends: a joinable
      // std::thread must never be destroyed.
      struct Joined {
        Projector& follower;
        InboundConsumer* inbound;
        std::thread& following;
        std::thread& consuming;
        ~Joined() {
          if (inbound) inbound->stop();
          follower.stop();
          consuming.join();
          following.join();
        }
      } joined{follower, inbound.get(), following, consuming};
      int bound = http.start(host, port);
      std::cerr << "annals-" << name << ": listening on http://" << host << ":" << bound
                << ", publishing to " << TopicNames{common.topic_prefix}.of(system) << " at "
                << bootstrap_servers(common.brokers, kafka_config) << std::endl;
      wait_for_termination();
      std::cerr << "annals-" << name << ": stopping" << std::endl;
      http.stop();
    }
    if (failure) std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    std::cerr << "annals-" << name << ": " << e.what() << std::endl;
    return 1;
  }
  return 0;
}

}  // namespace annals
