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
};

// Adds --brokers (ANNALS_BROKERS), --topic-prefix (ANNALS_TOPIC_PREFIX) and
// --listen (ANNALS_LISTEN, host:port) to `app`.
void add_common_options(CLI::App& app, CommonOptions& options);

// Splits "host:port"; throws CLI::ValidationError when malformed.
std::pair<std::string, int> split_listen(const std::string& listen);

}  // namespace annals
