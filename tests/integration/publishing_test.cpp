// The publishing services on the real broker: idempotency, rules across services, garbage
// input, and a bulk import killed halfway and resumed. Each service is called with its own
// source token (ctest's `tokens` fixture, support/credentials.h); `annals import` reads the
// same credentials (ANNALS_CREDENTIALS).
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/identifier.h"
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

class Publishing : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    prefix = "pub" + std::to_string(rd()) + ".";
    ASSERT_EQ(testing::run(binary("annals"),
                           {"topics", "create", "--brokers", brokers(), "--topic-prefix", prefix,
                            "--partitions", "3"},
                           dir / "topics.log"),
              0);
    registry_port = start("registry");
    enrollment_port = start("enrollment");
  }

  int start(const std::string& system) {
    int port = testing::free_port();
    system_of[port] = system;
    services[system] = std::make_unique<Process>(
        binary("annals-") + system,
        std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(port), "--brokers",
                                 brokers(), "--topic-prefix", prefix, "--store", dir / system},
        dir / (system + ".log"));
    EXPECT_TRUE(
        eventually([&] { return testing::http_ok(port, "/ready"); }, std::chrono::seconds(30)));
    return port;
  }

  std::pair<int, json> post(int port, const std::string& body,
                            const std::string& type = "application/json") {
    auto c = testing::client_as(port, system_of.at(port));
    c.set_read_timeout(60);
    auto res = c.Post("/v1/events", body, type);
    EXPECT_TRUE(res);
    if (!res) return {0, json()};
    return {res->status, json::parse(res->body, nullptr, false)};
  }

  json event(const std::string& name, const std::string& type, const std::string& date, json data,
             const std::string& district = "dongcheng") {
    return {{"id", uuid_from_name(prefix, name)},
            {"type", type},
            {"schema_version", 1},
            {"district", district},
            {"effective_date", date},
            {"source", "test"},
            {"data", std::move(data)}};
  }
  json opened(const std::string& id, const std::string& date,
              const std::string& district = "dongcheng") {
    return event("open-" + district + id, "school.opened", date,
                 {{"school_id", id},
                  {"name", "学校" + id},
                  {"stages", {"primary"}},
                  {"kind", "regular"},
                  {"ownership", "public"},
                  {"location", "urban"},
                  {"boarding", false}},
                 district);
  }

  std::map<std::string, std::size_t> ids_in_topic(const std::string& system) {
    std::map<std::string, std::size_t> count;
    for (const auto& v : testing::read_topic(brokers(), prefix + system))
      ++count[json::parse(v)["id"].get<std::string>()];
    return count;
  }

  testing::TempDir dir;
  std::string prefix;
  int registry_port = 0, enrollment_port = 0;
  std::map<std::string, std::unique_ptr<Process>> services;
  std::map<int, std::string> system_of;  // port -> the system its service publishes
};

TEST_F(Publishing, ARepeatedEventGetsItsFirstOutcomeAndIsPublishedOnce) {
  json e = opened("shijia", "2000-09-01");
  auto [s1, first] = post(registry_port, e.dump());
  auto [s2, again] = post(registry_port, e.dump());
  ASSERT_EQ(s1, 201) << first.dump();
  ASSERT_EQ(s2, 201) << again.dump();
  EXPECT_EQ(again["duplicate"], true);
  EXPECT_EQ(again["offset"], first["offset"]);
  EXPECT_EQ(again["recorded_at"], first["recorded_at"]);
  // The same id for something else is a conflict.
  json other = e;
  other["data"]["name"] = "别的学校";
  auto [s3, conflict] = post(registry_port, other.dump());
  EXPECT_EQ(s3, 409);
  EXPECT_EQ(conflict["violations"][0]["code"], "id_reused");
  // After a restart (its views rebuilt from its own topic) the answer is the same.
  services["registry"].reset();
  std::filesystem::remove_all(dir / "registry");
  registry_port = start("registry");
  ASSERT_TRUE(
      eventually([&] { return post(registry_port, e.dump()).second.value("duplicate", false); }));
  EXPECT_EQ(ids_in_topic("registry")[e["id"]], 1u);
}

TEST_F(Publishing, RulesSpanServicesAndARequestSeesItsOwnEarlierEvents) {
  ASSERT_EQ(post(registry_port, opened("shijia", "2000-09-01").dump()).first, 201);
  auto enrol = [&](const std::string& name, const std::string& school, const std::string& date) {
    return event(name, "student.enrolled", date,
                 {{"student_id", "p-" + name},
                  {"school_id", school},
                  {"stage", "primary"},
                  {"grade", 1},
                  {"admission", "nearby"},
                  {"migrant", false},
                  {"disability", "none"},
                  {"boarding", false},
                  {"hardship_tier", 0}});
  };
  auto [ok, accepted] = post(enrollment_port, enrol("a", "shijia", "2015-09-01").dump());
  EXPECT_EQ(ok, 201) << accepted.dump();
  auto [no, refused] = post(enrollment_port, enrol("b", "nowhere", "2015-09-01").dump());
  EXPECT_EQ(no, 422);
  EXPECT_EQ(refused["violations"][0]["code"], "school_not_open");
  EXPECT_EQ(refused["violations"][0]["pointer"], "/data/school_id");
  // A batch: the promotion is checked against the enrollment before it in the same request.
  json promote =
      event("promote-c", "student.promoted", "2016-09-01", {{"student_id", "p-c"}, {"grade", 2}});
  auto [status, batch] =
      post(enrollment_port, json::array({enrol("c", "shijia", "2015-09-01"), promote}).dump());
  EXPECT_EQ(status, 200);
  EXPECT_EQ(batch["accepted"], 2) << batch.dump();
  // A merger just published by the registry service, then at once a transfer "from" the
  // survivor of a pupil enrolled at the absorbed school: where the pupil is depends on the
  // registry, so the enrollment service reads the registry topic to its end before it refuses
  // (an import sends the registry's batch first and the next service's at once).
  ASSERT_EQ(post(registry_port, opened("dongsi", "2000-09-01").dump()).first, 201);
  for (int i = 0; i < 5; ++i) {  // five times: each a race the first pass can lose
    std::string absorbed = "absorbed" + std::to_string(i), pupil = "merged-" + std::to_string(i);
    ASSERT_EQ(post(registry_port, opened(absorbed, "2000-09-01").dump()).first, 201);
    ASSERT_EQ(post(enrollment_port, enrol(pupil, absorbed, "2015-09-01").dump()).first, 201);
    ASSERT_EQ(post(registry_port,
                   event("merge-" + std::to_string(i), "school.merged", "2016-08-31",
                         {{"absorbed_ids", json::array({absorbed})}, {"surviving_id", "dongsi"}})
                       .dump())
                  .first,
              201);
    auto [moved, answer] = post(
        enrollment_port, event("move-" + std::to_string(i), "student.transferred", "2016-09-01",
                               {{"student_id", "p-" + pupil},
                                {"from_school_id", "dongsi"},
                                {"to_school_id", "shijia"}})
                             .dump());
    EXPECT_EQ(moved, 201) << answer.dump();
  }
}

TEST_F(Publishing, GarbageGetsA4xxAndTheServiceStaysHealthy) {
  std::string valid = opened("x", "2000-09-01").dump();
  std::vector<std::pair<std::string, int>> cases = {
      {valid.substr(0, valid.size() / 2), 400},                       // truncated JSON
      {R"({"id": 5, "type": ["school.opened"], "data": "x"})", 422},  // wrong types
      {event("u", "school.teleported", "2000-09-01", json::object()).dump(), 422},  // unknown type
      {std::string("{\"id\": \"\xff\xfe\xfd\"}"), 400},                             // invalid UTF-8
      {std::string(200000, '['), 400},                                              // deeply nested
      {"", 400},
  };
  for (const auto& [body, expect] : cases) {
    auto [status, answer] = post(registry_port, body);
    EXPECT_EQ(status, expect) << body.substr(0, 80) << " -> " << answer.dump().substr(0, 300);
  }
  auto c = testing::client_as(registry_port, "registry");
  c.set_read_timeout(60);
  auto huge = c.Post("/v1/events", std::string(70u << 20, ' '), "application/json");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  EXPECT_TRUE(testing::http_ok(registry_port, "/health"));
  EXPECT_EQ(post(registry_port, valid).first, 201);
  EXPECT_TRUE(ids_in_topic("registry").size() == 1);  // nothing but the valid event reached the log
}

TEST_F(Publishing, AnImportKilledHalfwayAndResumedPublishesEveryEventExactlyOnce) {
  const int kSchools = 12000;
  std::string file = dir / "history.ndjson";
  {
    std::ofstream out(file);
    for (int i = 0; i < kSchools; ++i)
      out << opened("s" + std::to_string(i), "2005-09-01", "d" + std::to_string(i % 4)).dump()
          << "\n";
    out << R"({"not": "an event"})"
        << "\n";  // one reject, kept with its reason
  }
  std::vector<std::string> args{"import",     file,
                                "--batch",    "250",
                                "--registry", "http://127.0.0.1:" + std::to_string(registry_port)};
  {
    Process first(binary("annals"), args, dir / "import1.log");
    ASSERT_TRUE(eventually([&] {
      std::ifstream cp(file + ".checkpoint");
      std::size_t line = 0;
      return (cp >> line) && line >= 3000;
    })) << first.log();
    first.stop(SIGKILL);
  }
  std::size_t done_before = 0;
  std::ifstream(file + ".checkpoint") >> done_before;
  ASSERT_LT(done_before, std::size_t(kSchools))
      << "the import finished before it could be interrupted";
  EXPECT_EQ(testing::run(binary("annals"), args, dir / "import2.log"), 1)
      << testing::Process::read(dir / "import2.log");
  auto ids = ids_in_topic("registry");
  EXPECT_EQ(ids.size(), std::size_t(kSchools));
  std::size_t repeated = 0;
  for (const auto& [id, n] : ids) repeated += n != 1;
  EXPECT_EQ(repeated, 0u);
  std::ifstream rejects(file + ".rejects.ndjson");
  std::string line;
  std::vector<json> rejected;
  while (std::getline(rejects, line)) rejected.push_back(json::parse(line));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0]["line"], kSchools + 1);
}

TEST_F(Publishing, ACsvExportImportsThroughTheSameRules) {
  std::string file = dir / "schools.csv";
  std::ofstream(file) << "id,type,schema_version,district,effective_date,source,school_id,name,"
                         "stages,kind,ownership,location,boarding\n"
                      << uuid_from_name(prefix, "csv1")
                      << ",school.opened,1,dongcheng,2000-09-01,registry-export,c1,"
                      << "\"史家胡同小学, 东校区\",primary;junior,regular,public,urban,false\n"
                      << uuid_from_name(prefix, "csv2")
                      << ",school.opened,1,dongcheng,2000-09-01,registry-export,c1,"
                      << "重复,primary,regular,public,urban,false\n"
                      << uuid_from_name(prefix, "csv3")
                      << ",school.opened,1,dongcheng,2000-09-01,registry-export,c3,"
                      << "三校,primary,regular,public,urban,maybe\n";
  EXPECT_EQ(testing::run(
                binary("annals"),
                {"import", file, "--registry", "http://127.0.0.1:" + std::to_string(registry_port)},
                dir / "csv.log"),
            1);
  std::string rejects = Process::read(file + ".rejects.ndjson");
  EXPECT_NE(rejects.find(R"("code":"school_exists")"), std::string::npos)
      << rejects;  // c1 is already open
  EXPECT_NE(rejects.find(R"("pointer":"/data/boarding")"), std::string::npos)
      << rejects;  // not a boolean
  auto ids = ids_in_topic("registry");
  ASSERT_EQ(ids.size(), 1u);
}

}  // namespace
}  // namespace annals
