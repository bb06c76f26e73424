// Flags every Annals process shares, each with an environment variable and a safe local
// default, so that `--help` documents them all the same way.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace annals {

struct CommonOptions {
  std::string brokers = "127.0.0.1:19092";
  std::string topic_prefix = "annals.";
  std::string listen = "127.0.0.1:8080";
  // A librdkafka properties file (services/kafka/kafka_config.h) for every Kafka client of
  // the process, applied last: how to reach and authenticate to the brokers. Empty: none.
  std::string kafka_config;
};

// Adds --brokers (ANNALS_BROKERS), --topic-prefix (ANNALS_TOPIC_PREFIX) and --kafka-config
// (ANNALS_KAFKA_CONFIG) to `app`: how a Kafka client of the process reaches the brokers.
void add_kafka_options(CLI::App& app, CommonOptions& options);

// Adds the Kafka options and --listen (ANNALS_LISTEN, host:port) to `app`.
void add_common_options(CLI::App& app, CommonOptions& options);

// Adds --kafka-config FILE (ANNALS_KAFKA_CONFIG), an existing file, setting `path`.
void add_kafka_config_option(CLI::App& app, std::string& path);

// Splits "host:port"; throws CLI::ValidationError when malformed.
std::pair<std::string, int> split_listen(const std::string& listen);

}  // namespace annals
