#include "services/cli/gen.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "events/json_codec.h"
#include "services/gen/dongcheng_demo.h"
#include "services/gen/synthetic_city.h"
#include "services/kafka/cloudevents.h"
#include "services/kafka/producer.h"
#include "services/kafka/topics.h"

namespace annals {

namespace {

// 东城区's demo: the narrative's lines and the generated ones, written to a file beside the
// target and renamed over it, so that an interrupted run leaves the old file whole.
int write_dongcheng_demo(const GenOptions& o) {
  std::ifstream in(o.narrative, std::ios::binary);
  if (!in) {
    std::cerr << "annals gen: cannot read the narrative " << o.narrative << "\n";
    return 1;
  }
  std::vector<std::string> narrative;
  for (std::string line; std::getline(in, line);) narrative.push_back(line);
  std::vector<std::string> lines;
  try {
    lines = dongcheng_demo(narrative);
  } catch (const std::exception& e) {
    std::cerr << "annals gen: " << o.narrative << ": " << e.what() << "\n";
    return 1;
  }
  std::string tmp = o.dongcheng_demo + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    for (const auto& line : lines) out << line << "\n";
    if (!out.flush()) {
      std::cerr << "annals gen: cannot write " << tmp << "\n";
      return 1;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, o.dongcheng_demo, ec);
  if (ec) {
    std::cerr << "annals gen: cannot write " << o.dongcheng_demo << ": " << ec.message() << "\n";
    return 1;
  }
  if (!o.quiet)
    std::cerr << "annals gen: " << o.dongcheng_demo << ": " << lines.size() << " events\n";
  return 0;
}

}  // namespace

int generate(const GenOptions& o) {
  if (!o.dongcheng_demo.empty()) return write_dongcheng_demo(o);
  auto scale = city_scale(o.scale);
  if (!scale) {
    std::cerr << "annals gen: unknown scale '" << o.scale << "'\n";
    return 2;
  }
  if (o.years > 0) scale->years = o.years;
  if (o.districts > 0) scale->districts = o.districts;
  if (o.schools > 0) scale->schools_per_district = o.schools;
  CityOptions city{o.seed, *scale, o.first_year, o.first_district};

  std::unique_ptr<Producer> producer;
  std::vector<ProducerRecord> batch;
  TopicNames topics{o.topic_prefix};
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!o.brokers.empty()) {
    ProducerOptions p;
    p.brokers = o.brokers;
    p.linger = std::chrono::milliseconds(20);
    p.delivery_timeout = std::chrono::milliseconds(120000);
    p.settings = load_kafka_config(o.kafka_config);  // over the two of gen's own
    p.settings.insert({{"compression.type", "lz4"}, {"batch.size", "1000000"}});
    producer = std::make_unique<Producer>(p);
  } else if (o.out != "-") {
    file.open(o.out);
    if (!file) {
      std::cerr << "annals gen: cannot write " << o.out << "\n";
      return 1;
    }
    out = &file;
  }
  std::size_t events = 0;
  auto started = std::chrono::steady_clock::now(), last = started;
  bool tty = isatty(STDERR_FILENO);
  auto report = [&](bool end) {
    auto now = std::chrono::steady_clock::now();
    if (o.quiet || (!end && now - last < std::chrono::milliseconds(tty ? 500 : 10000))) return;
    last = now;
    double secs = std::chrono::duration<double>(now - started).count();
    std::fprintf(stderr, "%sannals gen: %zu events, %.0f events/s%s", tty ? "\r" : "", events,
                 secs > 0 ? double(events) / secs : 0.0, tty && !end ? "" : "\n");
  };
  bool failed = false;
  auto send = [&] {
    if (batch.empty() || failed) return;
    for (const auto& d : producer->produce(batch))
      if (!d.ok) {
        std::cerr << "\nannals gen: the broker did not take a record: " << d.error << "\n";
        failed = true;
        break;
      }
    batch.clear();
  };
  generate_city(city, [&](Event&& e) {
    ++events;
    if (producer) {
      System s = system_of(e.data);
      if (s == System::platform)
        s = System::personnel;  // the generator retracts only personnel records
      batch.push_back({topics.of(s), e.envelope.district, encode_event(e),
                       cloudevent_headers(e, e.envelope.schema_version)});
      if (batch.size() >= 20000) send();
    } else {
      *out << encode_event(e) << "\n";
    }
    report(false);
  });
  if (producer) send();
  report(true);
  return failed ? 1 : 0;
}

}  // namespace annals
