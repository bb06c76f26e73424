// Two projector instances in one consumer group on the real broker share the partitions; one
// is killed mid-stream. The survivor takes its partitions over and ends with views equal to
// a single uninterrupted rebuild; when the killed one comes back, the group splits again and
// an audit service reading both stores answers every district as the reference does. The
// projectors are asked with the metrics token, the audit services with the city reader's
// (ctest's `tokens` fixture, support/credentials.h).
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/json_codec.h"
#include "services/kafka/producer.h"
#include "support/credentials.h"
#include "support/event_builders.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::binary;
using testing::eventually;
using testing::Process;

// The JSON answer of GET `path`, asked as the identity `as`; null unless it is 200.
json get(int port, const std::string& path, const std::string& as = "city-reader") {
  auto c = testing::client_as(port, as);
  auto res = c.Get(path);
  if (!res || res->status != 200) return json();
  return json::parse(res->body, nullptr, false);
}

// The partitions an instance holds now, and whether it has read each to the end.
struct Progress {
  std::size_t assigned = 0;
  bool caught_up = false;
  std::int64_t applied_to = 0;  // sum of next offsets
};
Progress progress(int port) {
  Progress p;
  json r = get(port, "/v1/progress", "metrics");
  if (!r.is_object()) return p;
  p.caught_up = true;
  for (const auto& tp : r["partitions"]) {
    ++p.assigned;
    p.applied_to += tp["next_offset"].get<std::int64_t>();
    if (tp["high_watermark"].get<std::int64_t>() < 0 || tp["lag"].get<std::int64_t>() != 0)
      p.caught_up = false;
  }
  if (p.assigned == 0) p.caught_up = false;
  return p;
}

// Lag series an instance exports: one per partition it holds, none for partitions it lost.
std::size_t lag_series(int port) {
  auto c = testing::client_as(port, "metrics");
  auto res = c.Get("/metrics");
  if (!res || res->status != 200) return 0;
  std::size_t n = 0;
  for (std::size_t at = 0;
       (at = res->body.find("\nannals_projector_consumer_lag{", at)) != std::string::npos; ++at)
    ++n;
  return n;
}

std::string checksum(const testing::TempDir& dir, const std::string& store) {
  std::string log = dir / ("checksum-" + std::to_string(std::random_device{}()) + ".log");
  EXPECT_EQ(testing::run(binary("annals"), {"views", "checksum", "--store", store}, log), 0)
      << Process::read(log);
  return Process::read(log);
}

// Topics of 4 partitions under a fresh prefix, with 32,000 registry records over 16 districts
// (1,000 openings in each, and their renames), and a store rebuilt from them in one process
// (dir/reference). Returns the prefix.
std::string city_with_reference(const testing::TempDir& dir, const std::string& name) {
  const std::string brokers = testing::test_brokers();
  std::string prefix = name + std::to_string(std::random_device{}()) + ".";
  EXPECT_EQ(testing::run(binary("annals"),
                         {"topics", "create", "--brokers", brokers, "--topic-prefix", prefix,
                          "--partitions", "4"},
                         dir / "topics.log"),
            0);
  ProducerOptions options;
  options.brokers = brokers;
  Producer producer(options);
  std::vector<ProducerRecord> records;
  for (int i = 0; i < 32000; ++i) {
    std::string district = "d" + std::to_string((i / 2) % 16);
    Event e = i % 2 == 0
                  ? testing::make_event(
                        prefix + std::to_string(i), district, "2005-09-01", "2020-01-01T00:00:00Z",
                        testing::opening("s" + std::to_string(i), "学校" + std::to_string(i)))
                  : testing::make_event(
                        prefix + std::to_string(i), district, "2010-09-01", "2020-01-01T00:00:01Z",
                        SchoolRenamed{"s" + std::to_string(i - 1), "新校名" + std::to_string(i)});
    records.push_back({prefix + "registry", district, encode_event(e), {}});
  }
  for (const auto& d : producer.produce(records)) EXPECT_TRUE(d.ok) << d.error;
  EXPECT_EQ(testing::run(binary("annals-projector"),
                         {"--brokers", brokers, "--topic-prefix", prefix, "--store",
                          dir / "reference", "--group", prefix + "reference", "--listen",
                          "127.0.0.1:0", "--exit-when-caught-up"},
                         dir / "reference.log"),
            0)
      << Process::read(dir / "reference.log");
  return prefix;
}

// Asks an audit service over `stores` and one over dir/reference for each district's schools:
// the same answers, and all 16 districts listed.
void expect_answers_as_reference(const testing::TempDir& dir,
                                 const std::vector<std::string>& stores) {
  int audit_port = testing::free_port(), reference_port = testing::free_port();
  std::vector<std::string> args{"--secondary", dir / "audit", "--listen",
                                "127.0.0.1:" + std::to_string(audit_port)};
  for (const auto& s : stores) args.insert(args.end(), {"--store", s});
  Process audit(binary("annals-audit"), args, dir / "audit.log");
  Process ref(binary("annals-audit"),
              {"--store", dir / "reference", "--secondary", dir / "audit-ref", "--listen",
               "127.0.0.1:" + std::to_string(reference_port)},
              dir / "audit-ref.log");
  ASSERT_TRUE(eventually([&] {
    return testing::http_ok(audit_port, "/health") && testing::http_ok(reference_port, "/health");
  }));
  for (int d = 0; d < 16; ++d) {
    std::string path = "/v1/districts/d" + std::to_string(d) + "/schools?at=2011-01-01";
    json mine = get(audit_port, path), theirs = get(reference_port, path);
    ASSERT_TRUE(theirs.is_object()) << path;
    EXPECT_EQ(theirs["schools"].size(), 1000u);
    EXPECT_EQ(mine["schools"], theirs["schools"]) << path;
  }
  EXPECT_EQ(get(audit_port, "/v1/districts")["districts"].size(), 16u);
}

TEST(ProjectorScaleOut, TwoInstancesOneKilledMidStreamLoseAndDuplicateNothing) {
  testing::TempDir dir;
  const std::string brokers = testing::test_brokers();
  const std::string prefix = city_with_reference(dir, "so");
  const std::string reference = checksum(dir, dir / "reference");

  auto instance = [&](const std::string& name, int port) {
    return std::make_unique<Process>(
        binary("annals-projector"),
        std::vector<std::string>{"--brokers", brokers, "--topic-prefix", prefix, "--store",
                                 dir / name, "--group", prefix + "shared", "--listen",
                                 "127.0.0.1:" + std::to_string(port), "--max-batch", "500"},
        dir / (name + ".log"));
  };
  int port_a = testing::free_port(), port_b = testing::free_port();
  auto a = instance("a", port_a);
  auto b = instance("b", port_b);
  // Both join and share the partitions; A has applied some of its share, not all of it. An
  // instance's progress is refreshed by its loop (at most every 200 ms, after a batch), so A
  // can still show all 16 just after B took half: the split is real when the two add up.
  ASSERT_TRUE(eventually([&] {
    Progress pa = progress(port_a), pb = progress(port_b);
    return pa.assigned > 0 && pb.assigned > 0 && pa.assigned + pb.assigned == 16 &&
           pa.applied_to > 0;
  })) << a->log()
      << b->log();
  a->stop(SIGKILL);

  // B takes A's partitions over (after the session timeout) and reads everything.
  ASSERT_TRUE(eventually(
      [&] {
        Progress pb = progress(port_b);
        return pb.assigned == 16 && pb.caught_up;
      },
      std::chrono::seconds(120)))
      << b->log();
  b->stop(SIGTERM);
  EXPECT_EQ(checksum(dir, dir / "b"), reference);

  // A comes back: the group splits again; A resumes from its own stored offsets.
  b = instance("b", port_b);
  a = instance("a", port_a);
  ASSERT_TRUE(eventually(
      [&] {
        Progress pa = progress(port_a), pb = progress(port_b);
        return pa.assigned > 0 && pb.assigned > 0 && pa.assigned + pb.assigned == 16 &&
               pa.caught_up && pb.caught_up;
      },
      std::chrono::seconds(120)))
      << a->log() << b->log();
  EXPECT_TRUE(eventually([&] {
    return lag_series(port_a) == progress(port_a).assigned &&
           lag_series(port_b) == progress(port_b).assigned;
  })) << "lag series: "
      << lag_series(port_a) << " + " << lag_series(port_b);

  // An audit service over both stores answers each district as one over the reference does.
  expect_answers_as_reference(dir, {dir / "a", dir / "b"});
}

// Each instance's store rebuilt on its own (--exit-when-caught-up --partitions, at the same
// time, as a scaled-out deployment rebuilds): each holds exactly its partitions, and an audit
// service over both answers as one over a single rebuild. A list naming a partition the
// topics lack, or not a list, is refused with the reason.
TEST(ProjectorScaleOut, EachInstancesShareRebuiltApartAnswersAsOneRebuild) {
  testing::TempDir dir;
  const std::string brokers = testing::test_brokers();
  const std::string prefix = city_with_reference(dir, "sr");
  auto rebuild = [&](const std::string& name, const std::string& partitions) {
    return std::make_unique<Process>(
        binary("annals-projector"),
        std::vector<std::string>{"--brokers", brokers, "--topic-prefix", prefix, "--store",
                                 dir / name, "--listen", "127.0.0.1:0", "--exit-when-caught-up",
                                 "--partitions", partitions},
        dir / (name + ".log"));
  };
  auto a = rebuild("a", "0,1");
  auto b = rebuild("b", "2-3");
  EXPECT_EQ(a->wait(), 0) << a->log();
  EXPECT_EQ(b->wait(), 0) << b->log();
  // The stores' offsets: A's partitions 0 and 1 of each topic, B's 2 and 3, nothing else.
  for (const auto& [name, held] : {std::pair{"a", "01"}, std::pair{"b", "23"}}) {
    std::string log = dir / (std::string(name) + "-offsets.log");
    ASSERT_EQ(testing::run(binary("annals"), {"views", "offsets", "--store", dir / name}, log), 0)
        << Process::read(log);
    json offsets = json::parse(Process::read(log), nullptr, false);
    ASSERT_TRUE(offsets.is_array()) << Process::read(log);
    EXPECT_FALSE(offsets.empty());
    for (const auto& o : offsets)
      EXPECT_NE(std::string(held).find(std::to_string(o["partition"].get<int>())),
                std::string::npos)
          << name << ": " << o.dump();
  }
  expect_answers_as_reference(dir, {dir / "a", dir / "b"});

  for (const auto& [list, reason] :
       {std::pair{"2-5", "has 4 partitions"}, std::pair{"1,x", "\"x\" is not a partition"},
        std::pair{"3-1", "ends before it starts"}}) {
    auto bad = rebuild(std::string("bad") + list, list);
    EXPECT_NE(bad->wait(), 0) << list;
    EXPECT_NE(bad->log().find(reason), std::string::npos) << bad->log();
  }
}

}  // namespace
}  // namespace annals
