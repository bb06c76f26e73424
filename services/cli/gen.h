// annals gen: writes a synthetic city (services/gen/synthetic_city.h) as NDJSON, or
// straight into the Kafka topics (recorded_at kept as generated), with progress; or, with
// --dongcheng-demo, 东城区's demo file around its hand-written narrative.
#pragma once

#include <cstdint>
#include <string>

namespace annals {

struct GenOptions {
  std::string scale = "demo";
  std::uint64_t seed = 2012;
  int first_year = 2012;
  int years = 0;      // 0: the scale's
  int districts = 0;  // 0: the scale's
  int schools = 0;    // per district; 0: the scale's
  int first_district = 1;
  std::string out = "-";  // NDJSON file, "-" for stdout; ignored when brokers is set
  std::string brokers;    // set: produce into the topics
  // A librdkafka properties file (--kafka-config), applied last: as an identity allowed to
  // write the domain topics with recorded_at already stamped (the importer's).
  std::string kafka_config;
  std::string topic_prefix = "annals.";
  bool quiet = false;
  // Set: write 东城区's demo (services/gen/dongcheng_demo.h) to this NDJSON file, built
  // around the hand-written narrative `narrative`, instead of a synthetic city.
  std::string dongcheng_demo;
  std::string narrative = "deploy/local/demo/dongcheng-narrative.ndjson";
};

int generate(const GenOptions& options);

}  // namespace annals
