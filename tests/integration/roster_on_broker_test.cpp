// The first end-to-end path on the real Kafka broker: the registry service publishes, the
// projector consumes into RocksDB, the audit service answers the roster on a date.
// Requires ANNALS_TEST_BROKERS (ctest starts deploy/local/broker for it) and the tokens of
// ctest's `tokens` fixture (support/credentials.h): the registry's source token for POSTs,
// the city reader's for the audit service, the metrics token for /metrics.
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/identifier.h"
#include "events/time.h"
#include "services/kafka/producer.h"
#include "support/credentials.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/topic_reader.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::eventually;
using testing::Process;

using testing::binary;
std::string brokers() { return testing::test_brokers(); }

class Stack : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    prefix = "it" + std::to_string(rd()) + ".";
    ASSERT_EQ(testing::run(binary("annals"),
                           {"topics", "create", "--brokers", brokers(), "--topic-prefix", prefix,
                            "--partitions", "3"},
                           dir / "topics.log"),
              0)
        << read(dir / "topics.log");
    registry_port = testing::free_port();
    projector_port = testing::free_port();
    audit_port = testing::free_port();
    std::vector<std::string> common{"--brokers", brokers(), "--topic-prefix", prefix};
    auto with = [&](std::vector<std::string> extra) {
      extra.insert(extra.end(), common.begin(), common.end());
      return extra;
    };
    registry =
        std::make_unique<Process>(binary("annals-registry"),
                                  with({"--listen", "127.0.0.1:" + std::to_string(registry_port),
                                        "--store", dir / "registry"}),
                                  dir / "registry.log");
    projector =
        std::make_unique<Process>(binary("annals-projector"),
                                  with({"--listen", "127.0.0.1:" + std::to_string(projector_port),
                                        "--store", dir / "views", "--group", prefix + "projector"}),
                                  dir / "projector.log");
    audit =
        std::make_unique<Process>(binary("annals-audit"),
                                  with({"--listen", "127.0.0.1:" + std::to_string(audit_port),
                                        "--store", dir / "views", "--secondary", dir / "audit"}),
                                  dir / "audit.log");
    ASSERT_TRUE(eventually([&] { return testing::http_ok(registry_port, "/ready"); },
                           std::chrono::seconds(30)));
    for (int port : {registry_port, projector_port, audit_port})
      ASSERT_TRUE(
          eventually([&] { return testing::http_ok(port, "/health"); }, std::chrono::seconds(30)))
          << "port " << port << "\n"
          << registry->log() << projector->log() << audit->log();
  }

  static std::string read(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  json post(const json& body, int* status = nullptr, const char* type = "application/json") {
    auto c = testing::client_as(registry_port, "registry");
    c.set_read_timeout(30);
    auto res = c.Post("/v1/events", body.dump(), type);
    EXPECT_TRUE(res);
    if (!res) return json();
    if (status) *status = res->status;
    return json::parse(res->body);
  }

  json get(int port, const std::string& path, int expect = 200) {
    auto c = testing::client_as(port, "city-reader");
    auto res = c.Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return json();
    EXPECT_EQ(res->status, expect) << path << ": " << res->body;
    return json::parse(res->body, nullptr, false);
  }

  // Waits until the audit service's answers reflect the registry topic up to `offset`.
  void await_projected(int partition, std::int64_t offset) {
    ASSERT_TRUE(eventually([&] {
      json d = get(audit_port, "/v1/districts");
      for (const auto& p : d.value("consistent_to", json::array()))
        if (p["topic"] == prefix + "registry" && p["partition"] == partition &&
            p["next_offset"] > offset)
          return true;
      return false;
    })) << projector->log();
  }

  std::vector<std::string> roster(const std::string& query) {
    json r = get(audit_port, "/v1/districts/" + district + "/schools?" + query);
    std::vector<std::string> ids;
    for (const auto& s : r["schools"]) ids.push_back(s["school_id"]);
    return ids;
  }

  json event(const std::string& name, const std::string& type, const std::string& date, json data) {
    return {{"id", uuid_from_name(prefix, name)},
            {"type", type},
            {"schema_version", 1},
            {"district", district},
            {"effective_date", date},
            {"source", "beijing-registry"},
            {"data", std::move(data)}};
  }
  json opened(const std::string& id, const std::string& name, const std::string& date) {
    return event("open-" + id, "school.opened", date,
                 {{"school_id", id},
                  {"name", name},
                  {"stages", {"primary"}},
                  {"kind", "regular"},
                  {"ownership", "public"},
                  {"location", "urban"},
                  {"boarding", false}});
  }

  testing::TempDir dir;
  std::string prefix;
  std::string district = "dongcheng";
  int registry_port = 0, projector_port = 0, audit_port = 0;
  std::unique_ptr<Process> registry, projector, audit;
};

TEST_F(Stack, TheRosterShowsAMergerTheDayBeforeOnTheDayAndAfter) {
  json batch = json::array({event("district", "district.registered", "2003-01-01",
                                  {{"name", "东城区"}, {"city", "北京市"}}),
                            opened("shijia", "史家胡同小学", "2000-09-01"),
                            opened("xizongbu", "西总布小学", "2000-09-01"),
                            opened("dongsi7", "东四七条小学", "2000-09-01")});
  int status = 0;
  json r = post(batch, &status);
  ASSERT_EQ(status, 200) << r.dump();
  ASSERT_EQ(r["accepted"], 4) << r.dump();

  json merged = post(event("merger", "school.merged", "2015-09-01",
                           {{"absorbed_ids", {"xizongbu"}}, {"surviving_id", "shijia"}}),
                     &status);
  ASSERT_EQ(status, 201) << merged.dump();
  json later =
      post(json::array({event("close", "school.closed", "2016-07-31", {{"school_id", "dongsi7"}}),
                        opened("fuxue", "府学胡同小学", "2016-09-01")}),
           &status);
  ASSERT_EQ(status, 200) << later.dump();
  std::int64_t last = later["results"][1]["offset"];
  int partition = later["results"][1]["partition"];
  EXPECT_EQ(merged["partition"], partition);  // keyed by district: one partition, in order
  await_projected(partition, last);

  EXPECT_EQ(roster("at=2015-08-31"), (std::vector<std::string>{"dongsi7", "shijia", "xizongbu"}));
  EXPECT_EQ(roster("at=2015-09-01"), (std::vector<std::string>{"dongsi7", "shijia"}));
  EXPECT_EQ(roster("at=2017-01-01"), (std::vector<std::string>{"fuxue", "shijia"}));
  EXPECT_EQ(roster("at=1999-12-31"), std::vector<std::string>{});

  json on_day = get(audit_port, "/v1/districts/" + district + "/schools?at=2015-09-01");
  EXPECT_EQ(on_day["district_name"], "东城区");
  for (const auto& s : on_day["schools"])
    if (s["school_id"] == "shijia") {
      ASSERT_EQ(s["absorbed"].size(), 1u);
      EXPECT_EQ(s["absorbed"][0]["school_id"], "xizongbu");
      EXPECT_EQ(s["absorbed"][0]["on"], "2015-09-01");
    }

  // As the record stood just before the merger was recorded, the two schools were apart.
  auto recorded = *Timestamp::parse(merged["recorded_at"].get<std::string>());
  std::string before = Timestamp{recorded.micros - 1}.to_string();
  EXPECT_EQ(roster("at=2015-09-01&recorded_at=" + before),
            (std::vector<std::string>{"dongsi7", "shijia", "xizongbu"}));

  // Errors a supervisor can act on.
  EXPECT_NE(get(audit_port, "/v1/districts/nowhere/schools?at=2015-09-01", 404)["error"], nullptr);
  EXPECT_NE(get(audit_port, "/v1/districts/" + district + "/schools?at=2015-02-30", 400)["error"]
                .get<std::string>()
                .find("at"),
            std::string::npos);
}

TEST_F(Stack, InvalidEventsAreRefusedWithPointersAndNothingIsPublished) {
  json bad = opened("x", "", "2015-02-30");
  bad["data"]["stages"] = {"kindergarten"};
  int status = 0;
  json r = post(bad, &status);
  EXPECT_EQ(status, 422);
  std::set<std::string> pointers;
  for (const auto& v : r["violations"]) pointers.insert(v["pointer"]);
  EXPECT_EQ(pointers, (std::set<std::string>{"/effective_date", "/data/name", "/data/stages/0"}));

  auto c = testing::client_as(registry_port, "registry");
  auto garbage = c.Post("/v1/events", "{\"id\": \"\xc3\x28", "application/json");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
  EXPECT_TRUE(testing::http_ok(registry_port, "/health"));

  // A personnel event does not go through the registry service.
  json hire = event("hire", "teacher.hired", "2015-09-01",
                    {{"teacher_id", "t1"},
                     {"school_id", "s"},
                     {"stage", "primary"},
                     {"subject", "pe"},
                     {"qualification", "bachelor"},
                     {"title", "none"},
                     {"full_time", true},
                     {"holds_post", true}});
  r = post(hire, &status);
  EXPECT_EQ(status, 422);
  EXPECT_EQ(r["violations"][0]["pointer"], "/type");
}

TEST_F(Stack, AMalformedRecordOnTheTopicIsDeadLetteredAndTheProjectorCarriesOn) {
  ProducerOptions options;
  options.brokers = brokers();
  Producer raw(options);
  auto d = raw.produce({{prefix + "registry", district, "{\"this is\": \"not an event\"}", {}}});
  ASSERT_TRUE(d[0].ok) << d[0].error;
  int status = 0;
  json r = post(opened("after", "之后的学校", "2010-09-01"), &status);
  ASSERT_EQ(status, 201);
  await_projected(r["partition"], r["offset"]);
  EXPECT_EQ(roster("at=2011-01-01"), std::vector<std::string>{"after"});
  ASSERT_TRUE(eventually([&] {
    auto c = testing::client_as(projector_port, "metrics");
    auto m = c.Get("/metrics");
    return m && m->body.find("annals_projector_dead_letters_total{topic=\"" + prefix +
                             "registry\"} 1") != std::string::npos;
  })) << projector->log();
  EXPECT_TRUE(projector->running());
}

TEST_F(Stack, ADeadLetterTheBrokerRefusesIsSentWithoutItsValueAndTheProjectorCarriesOn) {
  // A record just under the broker's limit: its dead letter (the value and the headers)
  // is over it, so the broker refuses that for good (it was retried forever before).
  ProducerOptions options;
  options.brokers = brokers();
  options.settings["message.max.bytes"] = "1048576";
  Producer raw(options);
  std::string big = "{\"not\": \"" + std::string(1000000, 'x') + "\"}";
  auto d = raw.produce({{prefix + "registry", district, big, {}}});
  ASSERT_TRUE(d[0].ok) << d[0].error;
  int status = 0;
  json r = post(opened("later", "之后的学校", "2010-09-01"), &status);
  ASSERT_EQ(status, 201);
  await_projected(r["partition"], r["offset"]);
  EXPECT_EQ(roster("at=2011-01-01"), std::vector<std::string>{"later"});
  testing::TopicRecord letter;
  ASSERT_TRUE(eventually([&] {
    for (auto& l : testing::read_records(brokers(), prefix + "deadletter"))
      if (l.headers["annals_source_offset"] == std::to_string(d[0].offset)) letter = l;
    return !letter.headers.empty();
  })) << projector->log();
  EXPECT_TRUE(letter.value.empty());
  EXPECT_NE(letter.headers["annals_value_omitted"], "");
  EXPECT_EQ(letter.headers["annals_source_topic"], prefix + "registry");
  EXPECT_EQ(letter.headers["annals_reason"].rfind("invalid event: ", 0), 0u)
      << letter.headers["annals_reason"];
  EXPECT_TRUE(projector->running());
}

TEST_F(Stack, EveryProcessServesPrometheusMetrics) {
  int status = 0;
  json r = post(opened("m", "指标小学", "2010-09-01"), &status);
  ASSERT_EQ(status, 201);
  await_projected(r["partition"], r["offset"]);
  roster("at=2011-01-01");
  struct Expect {
    int port;
    const char* metric;
  };
  for (const Expect& e :
       {Expect{registry_port, "annals_events_accepted_total{type=\"school.opened\"} 1"},
        Expect{projector_port, "annals_projector_events_applied_total{type=\"school.opened\"} 1"},
        Expect{projector_port, "annals_rocksdb_estimated_keys{column_family=\"events\"}"},
        Expect{audit_port, "annals_audit_requests_total{code=\"200\",endpoint=\"schools\"}"}}) {
    auto c = testing::client_as(e.port, "metrics");
    auto m = c.Get("/metrics");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->status, 200);
    EXPECT_NE(m->get_header_value("Content-Type").find("text/plain"), std::string::npos);
    EXPECT_NE(m->body.find(e.metric), std::string::npos) << e.metric << "\n"
                                                         << m->body.substr(0, 2000);
    EXPECT_NE(m->body.find("process_resident_memory_bytes"), std::string::npos);
  }
}

TEST(PublishingWithoutABroker, AnswersServiceUnavailableAndLosesNothingSilently) {
  testing::TempDir dir;
  int port = testing::free_port();
  int dead = testing::free_port();  // nothing listens here
  Process registry(binary("annals-registry"),
                   {"--listen", "127.0.0.1:" + std::to_string(port), "--brokers",
                    "127.0.0.1:" + std::to_string(dead), "--delivery-timeout-ms", "1500", "--store",
                    dir / "registry"},
                   dir / "registry.log");
  ASSERT_TRUE(
      eventually([&] { return testing::http_ok(port, "/health"); }, std::chrono::seconds(30)));
  json e = {{"id", uuid_from_name("nobroker", "1")},
            {"type", "district.registered"},
            {"schema_version", 1},
            {"district", "d"},
            {"effective_date", "2016-07-31"},
            {"source", "t"},
            {"data", {{"name", "东城区"}, {"city", "北京市"}}}};
  auto c = testing::client_as(port, "registry");
  c.set_read_timeout(30);
  auto res = c.Post("/v1/events", e.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503) << res->body;
  EXPECT_EQ(res->get_header_value("Retry-After"), "5");
  auto ready = c.Get("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
}

}  // namespace
}  // namespace annals
