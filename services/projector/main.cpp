// annals-projector: consumes the domain topics into the RocksDB views (see projector.h).
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <set>
#include <stdexcept>
#include <thread>

#include <httplib.h>
#include <prometheus/registry.h>

#include "events/identifier.h"
#include "services/http/server.h"
#include "services/kafka/kafka_config.h"
#include "services/process/options.h"
#include "services/process/signals.h"
#include "services/projector/projector.h"
#include "services/views/rocksdb_metrics.h"

namespace {

// The partition numbers of a list such as "0-3,6" (ranges inclusive), in order, each once;
// empty for "". Throws std::invalid_argument naming the part that is not a number or a range.
std::vector<std::int32_t> parse_partition_list(const std::string& list) {
  std::set<std::int32_t> out;
  std::size_t at = 0;
  while (at < list.size()) {
    std::size_t end = std::min(list.find(',', at), list.size());
    std::string part = list.substr(at, end - at);
    at = end + 1;
    std::size_t dash = part.find('-');
    auto number = [&](const std::string& text) {
      if (text.empty() || text.size() > 6 ||
          text.find_first_not_of("0123456789") != std::string::npos)
        throw std::invalid_argument("--partitions: \"" + part +
                                    "\" is not a partition number or a range of them (0-3)");
      return std::int32_t(std::stoi(text));
    };
    std::int32_t first = number(part.substr(0, dash));
    std::int32_t last = dash == std::string::npos ? first : number(part.substr(dash + 1));
    if (last < first)
      throw std::invalid_argument("--partitions: the range \"" + part + "\" ends before it starts");
    for (std::int32_t p = first; p <= last; ++p) out.insert(p);
  }
  return {out.begin(), out.end()};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace annals;
  block_termination_signals();
  CLI::App app{
      "Annals projector: consumes every domain topic as a member of a Kafka consumer "
      "group and keeps the RocksDB views the audit service reads, exactly once."};
  CommonOptions common;
  common.listen = "127.0.0.1:8090";
  add_common_options(app, common);
  HttpOptions http_options;
  add_http_options(app, http_options);
  std::string store_path = "var/views";
  std::string group = "annals-projector";
  std::size_t max_batch = 5000;
  app.add_option("--store", store_path, "RocksDB directory of the views")
      ->envname("ANNALS_STORE")
      ->capture_default_str();
  app.add_option("--group", group, "Kafka consumer group")
      ->envname("ANNALS_GROUP")
      ->capture_default_str();
  app.add_option("--max-batch", max_batch, "most records applied in one RocksDB write batch")
      ->envname("ANNALS_MAX_BATCH")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  bool exit_when_caught_up = false;
  app.add_flag(
      "--exit-when-caught-up", exit_when_caught_up,
      "stop once every partition is read to its end (to rebuild views into a fresh --store)");
  std::string partitions;
  app.add_option("--partitions", partitions,
                 "with --exit-when-caught-up: rebuild only these partition numbers of every topic "
                 "(such as 0-3 or 0,2,5), the share of one of several instances in a group")
      ->needs("--exit-when-caught-up");
  bool without_log = false;
  app.add_flag("--without-log", without_log,
               "keep the views only, no verifiable log: what the benchmark harness measures the "
               "log's cost against (tests/bench/run); never for the store that is the record")
      ->group("");  // not in --help: no deployment wants it
  CLI11_PARSE(app, argc, argv);

  try {
    auto [host, port] = split_listen(common.listen);
    std::filesystem::create_directories(store_path);
    auto store = views::ViewStore::open_primary(store_path);
    auto registry = std::make_shared<prometheus::Registry>();
    ProjectorOptions options;
    options.brokers = common.brokers;
    options.kafka_config = load_kafka_config(common.kafka_config);
    options.group = group;
    options.topics = TopicNames{common.topic_prefix};
    options.max_batch = max_batch;
    if (without_log) options.keeps = Keeps::views;
    options.stop_when_caught_up = exit_when_caught_up;
    options.all_partitions =
        exit_when_caught_up;  // a rebuild reads everything, whatever the group does
    options.partitions = parse_partition_list(partitions);
    options.instance_id =
        "projector-" +
        uuid_from_name("store", std::filesystem::absolute(store_path).string()).substr(0, 8);
    Projector projector(options, *store, *registry);
    HttpServer http("annals-projector", registry, http_options);
    auto rocksdb_metrics = std::make_shared<views::RocksDbMetrics>(*store);
    http.add_collectable(rocksdb_metrics);
    http.server().Get("/v1/progress", [&](const httplib::Request& req, httplib::Response& res) {
      if (!http.access().authorize(req, res, {auth::Role::metrics, auth::Role::reader})) return;
      reply_json(res, 200, {{"group", group}, {"partitions", projector.progress()}});
    });
    int bound = http.start(host, port);
    std::cerr << "annals-projector: listening on http://" << host << ":" << bound << ", views in "
              << store_path << ", consuming " << common.topic_prefix << "* at "
              << bootstrap_servers(common.brokers, options.kafka_config) << std::endl;
    std::exception_ptr failure;
    std::thread engine([&] {
      try {
        projector.run();
      } catch (...) {
        failure = std::current_exception();
      }
      kill(getpid(), SIGTERM);  // the engine stopped (caught up, or failed): end the process
    });
    wait_for_termination();
    projector.stop();
    engine.join();
    http.stop();
    if (failure) std::rethrow_exception(failure);
    if (projector.caught_up()) {  // a rebuild: serve it compacted (view_store.h, compact)
      std::cerr << "annals-projector: compacting the rebuilt views" << std::endl;
      store->compact();
      std::cerr << "annals-projector: compacted" << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "annals-projector: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
