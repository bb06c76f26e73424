#include "services/process/options.h"

namespace annals {

void add_common_options(CLI::App& app, CommonOptions& options) {
  app.add_option("--brokers", options.brokers, "Kafka bootstrap servers")
      ->envname("ANNALS_BROKERS")
      ->capture_default_str();
  app.add_option("--topic-prefix", options.topic_prefix, "prefix of every Annals topic")
      ->envname("ANNALS_TOPIC_PREFIX")
      ->capture_default_str();
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
