#include "services/process/options.h"

namespace annals {

void add_kafka_config_option(CLI::App& app, std::string& path) {
  app.add_option("--kafka-config", path,
                 "librdkafka properties file (name=value lines: security.protocol, "
                 "sasl.username, sasl.password, ...) for every Kafka client, applied last; its "
                 "bootstrap.servers, when set, replaces --brokers")
      ->envname("ANNALS_KAFKA_CONFIG")
      ->check(CLI::ExistingFile);
}

void add_kafka_options(CLI::App& app, CommonOptions& options) {
  app.add_option("--brokers", options.brokers, "Kafka bootstrap servers")
      ->envname("ANNALS_BROKERS")
      ->capture_default_str();
  app.add_option("--topic-prefix", options.topic_prefix, "prefix of every Annals topic")
      ->envname("ANNALS_TOPIC_PREFIX")
      ->capture_default_str();
  add_kafka_config_option(app, options.kafka_config);
}

void add_common_options(CLI::App& app, CommonOptions& options) {
  add_kafka_options(app, options);
  app.add_option("--listen", options.listen, "HTTP address host:port (port 0: any free port)")
      ->envname("ANNALS_LISTEN")
      ->capture_default_str();
}

std::pair<std::string, int> split_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw CLI::ValidationError("--listen", "expected host:port");
  try {
    int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    return {listen.substr(0, colon), port};
  } catch (const std::exception&) {
    throw CLI::ValidationError("--listen", "expected host:port, got " + listen);
  }
}

}  // namespace annals
