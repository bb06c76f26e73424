// The librdkafka client properties of a process, from the file named by --kafka-config: how
// it reaches and authenticates to the brokers (bootstrap.servers, security.protocol,
// sasl.mechanisms, sasl.username, sasl.password, ssl.ca.location, ...), in librdkafka's own
// property names, for its producers, consumers and admin calls alike. They are applied after
// the process's own settings, so the file has the last word.
//
// The file (deploy/local/broker writes one per principal, mode 0600):
//   # a comment
//   bootstrap.servers=127.0.0.1:19092
//   sasl.password=...
// One `name=value` a line; whitespace around the name and before the value is dropped; blank
// lines and lines starting with '#' are skipped; a later line of the same name wins.
//
// The file holds secrets: no error of this file, and no error it leads to, ever shows a value.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <librdkafka/rdkafka.h>

namespace RdKafka {
class Conf;
}

namespace annals {

// Property name -> value.
using KafkaProperties = std::map<std::string, std::string>;

// The properties of the file at `path`; none when `path` is empty. Throws
// std::runtime_error naming the file and what is wrong: that it cannot be read (and why), or
// the number of a line that is not `name=value` (never the line itself).
KafkaProperties load_kafka_config(const std::string& path);

// True when the value of the property `name` may be a secret (a password, a key, a token, a
// client secret): its value is never shown, nor librdkafka's reasons about it.
bool is_secret_property(std::string_view name);

// Sets every property of `properties` on `conf`. Throws std::runtime_error naming the first
// property librdkafka refuses, with librdkafka's reason unless is_secret_property(name) (its
// reason may quote the value); never the value itself. `what` names the client in the error
// ("the projector's consumer").
void apply_kafka_config(RdKafka::Conf& conf, const KafkaProperties& properties,
                        const std::string& what);
void apply_kafka_config(rd_kafka_conf_t* conf, const KafkaProperties& properties,
                        const std::string& what);

// The bootstrap servers a client configured with `brokers` and then `properties` reaches:
// the properties' bootstrap.servers when set, else `brokers` (for log lines).
std::string bootstrap_servers(const std::string& brokers, const KafkaProperties& properties);

}  // namespace annals
