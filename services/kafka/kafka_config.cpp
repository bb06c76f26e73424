#include "services/kafka/kafka_config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <librdkafka/rdkafkacpp.h>

namespace annals {

namespace {

constexpr std::string_view kSpace = " \t\r\f\v";

std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

// Why librdkafka refused `name`, told without its value when the value may be a secret.
std::string refusal(const std::string& what, const std::string& name, bool unknown,
                    const std::string& reason) {
  std::string why = unknown || !is_secret_property(name)
                        ? reason
                        : "an invalid value (not shown: the property may hold a secret)";
  return what + ": kafka property " + name + ": " + why;
}

}  // namespace

KafkaProperties load_kafka_config(const std::string& path) {
  KafkaProperties properties;
  if (path.empty()) return properties;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("--kafka-config " + path + ": " + std::strerror(errno));
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error("--kafka-config " + path + ": is a directory, not a file");
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string_view text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    auto eq = text.find('=');
    std::string_view name = eq == std::string_view::npos ? text : trim(text.substr(0, eq));
    if (eq == std::string_view::npos || name.empty())
      throw std::runtime_error("--kafka-config " + path + " line " + std::to_string(number) +
                               ": expected name=value");
    std::string_view value = std::string_view(line).substr(line.find('=') + 1);
    value.remove_prefix(std::min(value.size(), value.find_first_not_of(kSpace)));
    properties[std::string(name)] = std::string(value);
  }
  if (in.bad()) throw std::runtime_error("--kafka-config " + path + ": read error");
  return properties;
}

bool is_secret_property(std::string_view name) {
  for (std::string_view word :
       {"password", "secret", "key", "pem", "token", "credential", "jaas", "oauthbearer.config"})
    if (name.find(word) != std::string_view::npos) return true;
  return false;
}

void apply_kafka_config(RdKafka::Conf& conf, const KafkaProperties& properties,
                        const std::string& what) {
  for (const auto& [name, value] : properties) {
    std::string err;
    RdKafka::Conf::ConfResult r = conf.set(name, value, err);
    if (r != RdKafka::Conf::CONF_OK)
      throw std::runtime_error(refusal(what, name, r == RdKafka::Conf::CONF_UNKNOWN, err));
  }
}

void apply_kafka_config(rd_kafka_conf_t* conf, const KafkaProperties& properties,
                        const std::string& what) {
  for (const auto& [name, value] : properties) {
    char err[512] = "";
    rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err);
    if (r != RD_KAFKA_CONF_OK)
      throw std::runtime_error(refusal(what, name, r == RD_KAFKA_CONF_UNKNOWN, err));
  }
}

std::string bootstrap_servers(const std::string& brokers, const KafkaProperties& properties) {
  auto it = properties.find("bootstrap.servers");
  if (it == properties.end()) it = properties.find("metadata.broker.list");
  return it == properties.end() ? brokers : it->second;
}

}  // namespace annals
