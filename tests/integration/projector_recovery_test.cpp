// The projector on the real broker, killed with SIGKILL again and again during a large
// ingest: the views it ends with equal those of an uninterrupted run, byte for byte (the
// offsets are committed in the same RocksDB write batch as the changes they caused).
#include <chrono>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/identifier.h"
#include "events/json_codec.h"
#include "services/kafka/producer.h"
#include "support/event_builders.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

using testing::eventually;
using testing::Process;

using testing::binary;
std::string brokers() { return testing::test_brokers(); }

std::string checksum(const testing::TempDir& dir, const std::string& store) {
  std::string log = dir / ("checksum-" + std::to_string(std::random_device{}()) + ".log");
  EXPECT_EQ(testing::run(binary("annals"), {"views", "checksum", "--store", store}, log), 0)
      << Process::read(log);
  return Process::read(log);
}

int rebuild(const testing::TempDir& dir, const std::string& prefix, const std::string& store,
            const std::string& group) {
  return testing::run(binary("annals-projector"),
                      {"--brokers", brokers(), "--topic-prefix", prefix, "--store", store,
                       "--group", group, "--listen", "127.0.0.1:0", "--exit-when-caught-up"},
                      dir / (group + ".log"));
}

TEST(ProjectorRecovery, KilledRepeatedlyDuringALargeIngestItEndsWithTheSameViews) {
  testing::TempDir dir;
  std::string prefix = "rec" + std::to_string(std::random_device{}()) + ".";
  ASSERT_EQ(testing::run(binary("annals"),
                         {"topics", "create", "--brokers", brokers(), "--topic-prefix", prefix,
                          "--partitions", "3"},
                         dir / "topics.log"),
            0);
  // 40,000 registry and personnel records over 8 districts, a few of them garbage.
  ProducerOptions options;
  options.brokers = brokers();
  Producer producer(options);
  std::vector<ProducerRecord> records;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 40000; ++i) {
    std::string district = "d" + std::to_string(i % 8);
    std::string recorded = "2020-01-01T00:00:" + std::to_string(10 + i % 40) + "Z";
    Event e = i % 2 == 0
                  ? testing::make_event(
                        "e" + std::to_string(i), district, "2005-09-01", recorded.c_str(),
                        testing::opening("s" + std::to_string(i), "学校" + std::to_string(i)))
                  : testing::make_event(
                        "e" + std::to_string(i), district, "2010-09-01", recorded.c_str(),
                        SchoolRenamed{"s" + std::to_string(i - 1), "新校名" + std::to_string(i)});
    std::string value = i % 5000 == 1234 ? std::string("{\"garbage\": true}") : encode_event(e);
    records.push_back({prefix + "registry", district, value, {}});
  }
  auto deliveries = producer.produce(records);
  for (const auto& d : deliveries) ASSERT_TRUE(d.ok) << d.error;

  const auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(rebuild(dir, prefix, dir / "reference", "reference"), 0)
      << Process::read(dir / "reference.log");
  // The first kill lands at 40% of an uninterrupted rebuild's time on this machine: in the
  // middle of the ingest however fast the machine is (a fixed 1.5 s was past the end of it on a
  // fast one).
  const auto first_kill = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - started) *
                          2 / 5;
  std::string reference = checksum(dir, dir / "reference");

  for (int round = 0; round < 5; ++round) {
    Process victim(binary("annals-projector"),
                   {"--brokers", brokers(), "--topic-prefix", prefix, "--store", dir / "killed",
                    "--group", "killed", "--listen", "127.0.0.1:0", "--max-batch", "500"},
                   dir / "killed.log");
    std::this_thread::sleep_for(round == 0 ? first_kill
                                           : std::chrono::milliseconds(300 + rng() % 900));
    victim.stop(SIGKILL);
    // Not a vacuous comparison: the first kill lands in the middle of the ingest.
    if (round == 0) {
      EXPECT_NE(checksum(dir, dir / "killed"), reference);
    }
  }
  ASSERT_EQ(rebuild(dir, prefix, dir / "killed", "killed"), 0) << Process::read(dir / "killed.log");
  EXPECT_EQ(checksum(dir, dir / "killed"), reference);
}

}  // namespace
}  // namespace annals
