// The audit service end to end on the real broker: events produced to the topics, the
// projector's views, and the answers over HTTP: a district's state and indicators on a date
// (with a merger and a correction), as recorded before the correction, the standard in force
// by date, the official CSV table, the series, the audit trail, and the errors. Every call
// carries a reader's token from a token file made with `annals tokens add`.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/json_codec.h"
#include "services/kafka/producer.h"
#include "support/event_builders.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::binary;
using testing::eventually;
using testing::Process;

class AuditOnBroker : public ::testing::Test {
 protected:
  // The stack every test of the suite asks, started by the first test of the process (ctest
  // runs each test in a process of its own). Not SetUpTestSuite: GoogleTest reports the tests
  // of a suite whose SetUpTestSuite failed as skipped, and ctest counts a skip as no failure.
  void SetUp() override {
    static bool attempted = false;
    if (!attempted) {
      attempted = true;
      start_stack();
      ready = !HasFailure();
    }
    ASSERT_TRUE(ready) << "the stack did not start: the first test of this process says why";
  }
  static void start_stack() {
    dir = new testing::TempDir;
    prefix = "audit" + std::to_string(std::random_device{}()) + ".";
    ASSERT_EQ(testing::run(binary("annals"),
                           {"topics", "create", "--brokers", testing::test_brokers(),
                            "--topic-prefix", prefix, "--partitions", "2"},
                           *dir / "topics.log"),
              0);
    std::vector<Event> events = history();
    ProducerOptions options;
    options.brokers = testing::test_brokers();
    Producer producer(options);
    std::vector<ProducerRecord> records;
    for (const auto& e : events) {
      System s = system_of(e.data);
      if (s == System::platform) s = System::registry;
      records.push_back(
          {prefix + std::string(to_string(s)), e.envelope.district, encode_event(e), {}});
    }
    std::map<std::pair<std::string, int>, std::int64_t> ends;
    for (std::size_t i = 0; i < records.size(); ++i) {
      auto d = producer.produce({records[i]});  // one at a time: the log keeps this order
      ASSERT_TRUE(d[0].ok) << d[0].error;
      ends[{records[i].topic, d[0].partition}] = d[0].offset + 1;
    }
    produced = events.size();
    tokens = *dir / "tokens";
    reader_token = add_token("city-reader", {"--all-districts"});
    token_file = *dir / "city-reader.token";
    std::ofstream(token_file) << reader_token << "\n";
    // The key that signs the tree heads, made as an operator makes it.
    std::string keys_log = *dir / "keys.log";
    ASSERT_EQ(testing::run(binary("annals"),
                           {"keys", "generate", "--private", *dir / "signing-key.pem", "--public",
                            *dir / "signing-key.pub.pem"},
                           keys_log),
              0)
        << Process::read(keys_log);
    int projector_port = testing::free_port();
    audit_port = testing::free_port();
    projector = new Process(binary("annals-projector"),
                            {"--brokers", testing::test_brokers(), "--topic-prefix", prefix,
                             "--store", *dir / "views", "--group", prefix + "p", "--listen",
                             "127.0.0.1:" + std::to_string(projector_port), "--tokens", tokens},
                            *dir / "projector.log");
    audit = new Process(binary("annals-audit"),
                        {"--store", *dir / "views", "--secondary", *dir / "audit", "--listen",
                         "127.0.0.1:" + std::to_string(audit_port), "--tokens", tokens, "--brokers",
                         testing::test_brokers(), "--topic-prefix", prefix, "--signing-key",
                         *dir / "signing-key.pem"},
                        *dir / "audit.log");
    ASSERT_TRUE(eventually([&] {
      auto c = client();
      auto res = c.Get("/v1/districts");
      if (!res || res->status != 200) return false;
      std::size_t done = 0;
      json body = json::parse(res->body);
      for (const auto& p : body["consistent_to"])
        if (auto it = ends.find({p["topic"].get<std::string>(), p["partition"].get<int>()});
            it != ends.end() && p["next_offset"].get<std::int64_t>() >= it->second)
          ++done;
      return done == ends.size();
    })) << projector->log()
        << audit->log() << [&] {
             auto c = client();
             auto res = c.Get("/v1/districts");
             std::string out = res ? res->body : "no answer";
             for (const auto& [tp, end] : ends)
               out += "\nproduced " + tp.first + "/" + std::to_string(tp.second) + " to " +
                      std::to_string(end);
             return out;
           }();
  }
  static void TearDownTestSuite() {
    delete audit;
    delete projector;
    delete dir;
  }

  // 东城区 in small: 史家 (a, primary), 东直门 (b, nine-year) and 西总布 (c, primary), which
  // 史家 absorbs on 2018-09-01. 史家's 2012 survey is corrected on 2020-01-01.
  static std::vector<Event> history() {
    std::vector<Event> out;
    int n = 0;
    auto add = [&](const char* date, const char* recorded, Payload p) {
      out.push_back(
          testing::make_event(prefix + std::to_string(n++), "dc", date, recorded, std::move(p)));
    };
    const char* t0 = "2012-10-01T00:00:00Z";
    add("2010-07-01", t0, DistrictRegistered{"东城区", "北京市"});
    add("2010-09-01", t0, testing::opening("a", "史家胡同小学"));
    add("2010-09-01", t0, testing::opening("b", "东直门中学", {Stage::primary, Stage::junior}));
    add("2010-09-01", t0, testing::opening("c", "西总布小学"));
    auto survey = [](const char* school, double floor, double sports, std::int64_t yuan,
                     std::int64_t mm) {
      SchoolFacilitiesSurveyed s;
      s.school_id = school;
      s.floor_area_m2.centi = std::int64_t(floor * 100);
      s.sports_area_m2.centi = std::int64_t(sports * 100);
      s.equipment_value_fen = yuan * 100;
      s.multimedia_classrooms = mm;
      return s;
    };
    add("2012-09-01", t0, survey("a", 2000, 4000, 300000, 3));
    add("2012-09-01", t0, survey("b", 3000, 5000, 500000, 5));
    add("2012-09-01", t0, survey("c", 500, 1000, 100000, 1));
    auto enrol = [&](const char* school, int count, std::int64_t grade) {
      for (int i = 0; i < count; ++i)
        add("2012-09-01", t0,
            StudentEnrolled{
                std::string(school) + "-" + std::to_string(grade) + "-" + std::to_string(i), school,
                grade >= 7 ? Stage::junior : Stage::primary, grade, AdmissionMode::nearby,
                i % 5 == 0, Disability::none, false, 0});
    };
    enrol("a", 100, 1);
    enrol("b", 60, 1);
    enrol("b", 40, 7);
    enrol("c", 50, 2);
    auto hire = [&](const char* school, int count, Stage stage, Qualification q) {
      for (int i = 0; i < count; ++i)
        add("2012-09-01", t0,
            TeacherHired{std::string(school) + "-t" + std::to_string(stage == Stage::junior) +
                             std::to_string(i),
                         school, stage, i == 0 ? Subject::pe : Subject::chinese, q,
                         Title::intermediate, true, true});
    };
    hire("a", 6, Stage::primary, Qualification::bachelor);
    hire("b", 3, Stage::primary, Qualification::associate);
    hire("b", 3, Stage::junior, Qualification::bachelor);
    hire("c", 2, Stage::primary, Qualification::secondary);
    add("2014-09-01", t0,
        ClusterCreated{"g1", "史家教育集团", ClusterKind::education_group, std::nullopt});
    add("2014-09-01", t0, SchoolJoinedCluster{"a", "g1", MemberRole::lead});
    add("2014-09-01", t0, SchoolJoinedCluster{"c", "g1", MemberRole::member});
    add("2016-09-01", "2016-09-02T00:00:00Z",
        TeacherTransferred{"a-t00", "a", "c", std::nullopt, TransferKind::rotation,
                           testing::day("2017-07-31"), false});
    add("2018-09-01", "2018-09-02T00:00:00Z", testing::merger({"c"}, "a"));
    // The correction: 史家's 2012 floor area was 2500 m², learnt on 2020-01-01.
    add("2012-09-01", "2020-01-01T00:00:00Z", survey("a", 2500, 4000, 300000, 3));
    return out;
  }

  // A new identity of the token file, reader of `grant` (--district D or --all-districts);
  // its token, which `annals tokens add` prints once.
  static std::string add_token(const std::string& name, std::vector<std::string> grant,
                               const std::string& role = "reader") {
    std::vector<std::string> args{"tokens", "add", "--file", tokens,
                                  "--name", name,  "--role", role};
    args.insert(args.end(), grant.begin(), grant.end());
    std::string log = *dir / ("token-" + name + ".log");
    EXPECT_EQ(testing::run(binary("annals"), args, log), 0) << Process::read(log);
    std::istringstream lines(Process::read(log));
    for (std::string line; std::getline(lines, line);)
      if (line.starts_with("annals_")) return line;
    ADD_FAILURE() << "no token printed: " << Process::read(log);
    return "";
  }
  // A client of the audit service with the reader's token.
  static httplib::Client client() {
    httplib::Client c("127.0.0.1", audit_port);
    c.set_bearer_token_auth(reader_token);
    return c;
  }

  static json get(const std::string& path, int expect = 200) {
    auto c = client();
    auto res = c.Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return json();
    EXPECT_EQ(res->status, expect) << path << ": " << res->body;
    return json::parse(res->body, nullptr, false);
  }
  static json school(const json& state, const std::string& id) {
    for (const auto& s : state["schools"])
      if (s["school_id"] == id) return s;
    return json();
  }
  static json stage(const json& report, const std::string& name) {
    for (const auto& s : report["stages"])
      if (s["stage"] == name) return s;
    return json();
  }
  static json school_in(const json& stage, const std::string& id) {
    for (const auto& s : stage["schools"])
      if (s["school_id"] == id) return s;
    return json();
  }

  static inline testing::TempDir* dir = nullptr;
  static inline std::string prefix;
  static inline std::size_t produced = 0;
  static inline int audit_port = 0;
  static inline std::string tokens, reader_token, token_file;
  static inline bool ready = false;
  static inline Process* projector = nullptr;
  static inline Process* audit = nullptr;
};

TEST_F(AuditOnBroker, StateOnADateCountsAbsorbedSchoolsWithTheSurvivor) {
  json before = get("/v1/districts/dc/state?at=2018-08-31");
  EXPECT_EQ(before["schools"].size(), 3u);
  EXPECT_EQ(school(before, "a")["students"]["total"], 100);
  EXPECT_EQ(school(before, "c")["students"]["total"], 50);
  json after = get("/v1/districts/dc/state?at=2018-09-01");
  ASSERT_EQ(after["schools"].size(), 2u);
  json a = school(after, "a");
  EXPECT_EQ(a["students"]["total"], 150);
  EXPECT_EQ(a["figures"]["primary"]["teachers"], 8);
  EXPECT_EQ(a["figures"]["primary"]["migrant_students"], 30);
  EXPECT_EQ(a["figures"]["whole"]["floor_area_m2"], 3000.0);  // corrected 2500 + the absorbed 500
  EXPECT_EQ(after["totals"]["figures"]["primary"]["students"], 210);
  EXPECT_EQ(after["totals"]["figures"]["junior"]["students"], 40);
  EXPECT_EQ(after["district_name"], "东城区");
  // As the record stood before the correction.
  json recorded = get("/v1/districts/dc/state?at=2018-09-01&recorded_at=2019-12-31T00:00:00Z");
  EXPECT_EQ(school(recorded, "a")["figures"]["whole"]["floor_area_m2"], 2500.0);
  EXPECT_EQ(school(recorded, "a")["students"]["total"], 150);
  // Before any record: an empty district, not an error.
  json empty = get("/v1/districts/dc/state?at=2001-01-01");
  EXPECT_EQ(empty["schools"].size(), 0u);
}

// Every answer about a district names the tree head it reflects; that head, signed, and an
// event's inclusion proof in it verify with `annals verify` and the public key alone.
TEST_F(AuditOnBroker, EveryAnswerNamesItsTreeHeadWhichVerifiesWithThePublicKey) {
  auto c = client();
  auto state = c.Get("/v1/districts/dc/state?at=2018-09-01");
  ASSERT_TRUE(state);
  std::string sizes = state->get_header_value("Annals-Log-Sizes");
  ASSERT_FALSE(sizes.empty());
  EXPECT_TRUE(
      client().Get("/v1/districts/nowhere/state")->get_header_value("Annals-Log-Sizes").empty());
  json head = get("/v1/districts/dc/log/head?sizes=" + sizes);
  std::size_t leaves = 0;
  for (const auto& [name, log] : head["logs"].items()) leaves += log["size"].get<std::size_t>();
  EXPECT_EQ(leaves, produced);  // every event the test produced is a leaf
  json trail = get("/v1/districts/dc/events?limit=1");
  std::string event = trail["events"][0]["id"];
  json proof = get("/v1/districts/dc/log/inclusion?event=" + event);
  std::string head_file = *dir / "head.json", proof_file = *dir / "proof.json";
  std::ofstream(head_file) << head.dump();
  std::ofstream(proof_file) << proof.dump();
  std::string log = *dir / "verify.log";
  EXPECT_EQ(testing::run(binary("annals"),
                         {"verify", "inclusion", "--key", *dir / "signing-key.pub.pem", "--head",
                          head_file, "--proof", proof_file},
                         log),
            0)
      << Process::read(log);
  EXPECT_NE(Process::read(log).find("verified: event " + event), std::string::npos)
      << Process::read(log);
  EXPECT_EQ(
      testing::run(binary("annals"),
                   {"verify", "head", "--key", *dir / "signing-key.pub.pem", "--head", head_file},
                   log),
      0)
      << Process::read(log);
}

TEST_F(AuditOnBroker, IndicatorsUnderTheStandardInForceWithTheWeightedCv) {
  json r = get("/v1/districts/dc/indicators?at=2019-09-01");
  EXPECT_EQ(r["standard"]["id"], "quality-balance-2017");
  EXPECT_NE(r["standard"]["why"].get<std::string>().find("2017-04-19"), std::string::npos);
  json primary = stage(r, "primary");
  EXPECT_EQ(primary["schools_counted"], 2);
  EXPECT_EQ(primary["students"], 210);
  // Floor area per student: 史家 3000 m² / 150; 东直门's whole-school 3000 m² apportioned 60:40.
  double a = 3000.0 / 150, b = 3000.0 * 60 / 100 / 60;
  EXPECT_DOUBLE_EQ(school_in(primary, "a")["values"]["floor_area_per_student"].get<double>(), a);
  EXPECT_DOUBLE_EQ(school_in(primary, "b")["values"]["floor_area_per_student"].get<double>(), b);
  double mean = (150 * a + 60 * b) / 210;
  double cv =
      std::sqrt((150 * (a - mean) * (a - mean) + 60 * (b - mean) * (b - mean)) / 210) / mean;
  json floor;
  for (const auto& i : primary["indicators"])
    if (i["id"] == "floor_area_per_student") floor = i;
  EXPECT_NEAR(floor["cv"].get<double>(), cv, 1e-12);
  EXPECT_NEAR(floor["district_value"].get<double>(), mean, 1e-12);
  EXPECT_EQ(floor["passes"], true);
  // Nobody here is a backbone teacher: every school fails that minimum by far.
  EXPECT_EQ(school_in(primary, "a")["complies"], false);
  EXPECT_EQ(r["complies"], false);

  // Before 2017-04-19 the 2012 standard applies, judged on its composite CV.
  json old = get("/v1/districts/dc/indicators?at=2016-09-01");
  EXPECT_EQ(old["standard"]["id"], "basic-balance-2012");
  EXPECT_EQ(stage(old, "primary")["cv_rule"], "composite_cv");
  EXPECT_EQ(stage(old, "primary")["schools_counted"], 3);
  // Or whichever is asked for.
  EXPECT_EQ(
      get("/v1/districts/dc/indicators?at=2016-09-01&standard=quality-balance-2017")["standard"]
                                                                                    ["why"],
      "asked for by the request (?standard=quality-balance-2017)");
  // As recorded before the correction, 史家 had 2500 m² for 150 students.
  json recorded = get("/v1/districts/dc/indicators?at=2019-09-01&recorded_at=2019-12-31");
  EXPECT_DOUBLE_EQ(
      school_in(stage(recorded, "primary"), "a")["values"]["floor_area_per_student"].get<double>(),
      2500.0 / 150);
}

TEST_F(AuditOnBroker, TheOfficialTableAsCsvAndTheSeries) {
  auto c = client();
  auto res = c.Get("/v1/districts/dc/indicators.csv?at=2019-09-01");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_NE(res->body.find("东城区 义务教育校际均衡差异系数 2019-09-01"), std::string::npos)
      << res->body;
  EXPECT_NE(res->body.find("生均教学及辅助用房面积 (m²)"), std::string::npos);
  EXPECT_NE(res->body.find("综合差异系数 composite CV"), std::string::npos);

  auto xlsx = c.Get("/v1/districts/dc/indicators.xlsx?at=2019-09-01");
  ASSERT_TRUE(xlsx);
  EXPECT_EQ(xlsx->status, 200);
  EXPECT_EQ(xlsx->get_header_value("Content-Type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(xlsx->body.substr(0, 2), "PK");
  get("/v1/districts/dc/indicators?at=2019-09-01&format=pdf", 400);

  json series = get("/v1/districts/dc/indicators/series?from=2013-09-01&to=2020-09-01&step=year");
  ASSERT_EQ(series["points"].size(), 8u);
  EXPECT_EQ(series["points"][0]["at"], "2013-09-01");
  EXPECT_EQ(series["points"][3]["standard"], "basic-balance-2012");
  EXPECT_EQ(series["points"][4]["standard"], "quality-balance-2017");
  EXPECT_EQ(series["points"][7]["stages"]["primary"]["schools_counted"], 2);
  EXPECT_EQ(
      get("/v1/districts/dc/indicators/series?from=2019-01-01&to=2019-06-30&step=month")["points"]
          .size(),
      6u);
}

TEST_F(AuditOnBroker, TheAuditTrailPagesThroughEveryEventInApplyOrder) {
  std::size_t seen = 0;
  std::string after;
  std::string last_date;
  for (int page = 0; page < 1000; ++page) {
    json r = get("/v1/districts/dc/events?limit=100" + (after.empty() ? "" : "&after=" + after));
    for (const auto& e : r["events"]) {
      EXPECT_LE(last_date, e["effective_date"].get<std::string>());
      last_date = e["effective_date"];
      ++seen;
    }
    if (r["next"].is_null()) break;
    after = r["next"];
  }
  EXPECT_EQ(seen, produced);
  json mergers = get("/v1/districts/dc/events?type=school.merged");
  ASSERT_EQ(mergers["events"].size(), 1u);
  EXPECT_EQ(mergers["events"][0]["data"]["surviving_id"], "a");
  EXPECT_EQ(get("/v1/districts/dc/events?from=2018-01-01&to=2018-12-31")["events"].size(), 1u);
  // What was known at the end of 2019 did not include the correction.
  EXPECT_EQ(get("/v1/districts/dc/events?type=school.facilities_surveyed&recorded_at=2019-12-31")
                ["events"]
                    .size(),
            3u);
}

TEST_F(AuditOnBroker, WhatChangedBetweenTwoDatesAndWhy) {
  json d = get("/v1/districts/dc/diff?from=2018-08-31&to=2018-09-01");
  ASSERT_EQ(d["schools_stopped"].size(), 1u);
  EXPECT_EQ(d["schools_stopped"][0]["school_id"], "c");
  EXPECT_EQ(d["schools_stopped"][0]["merged_into"], "a");
  ASSERT_EQ(d["schools_changed"].size(), 1u);
  EXPECT_EQ(d["schools_changed"][0]["school_id"], "a");
  EXPECT_NE(d["schools_changed"][0]["record"][0].get<std::string>().find("absorbed 西总布小学"),
            std::string::npos);
  bool students = false;
  for (const auto& f : d["schools_changed"][0]["figures"])
    if (f["measure"] == "students") students = f["before"] == 100 && f["after"] == 150;
  EXPECT_TRUE(students) << d.dump();
  ASSERT_EQ(d["events"].size(), 1u);
  EXPECT_EQ(d["events"][0]["type"], "school.merged");
  EXPECT_TRUE(d["totals"].empty());  // the district as a whole kept its students and teachers

  // What did the record say at the end of 2019 about 2019-09-01, and what changed since?
  json c = get("/v1/districts/dc/diff?from=2019-09-01&to=2019-09-01&from_recorded_at=2019-12-31");
  ASSERT_EQ(c["events"].size(), 1u);
  EXPECT_EQ(c["events"][0]["correction"], true);
  EXPECT_EQ(c["events"][0]["type"], "school.facilities_surveyed");
  ASSERT_EQ(c["schools_changed"].size(), 1u);
  EXPECT_EQ(c["schools_changed"][0]["figures"][0]["measure"], "floor_area");
  EXPECT_EQ(c["schools_changed"][0]["figures"][0]["change"], 500.0);
  EXPECT_EQ(c["schools_changed"][0]["figures"][0]["unit"], "m2");
}

TEST_F(AuditOnBroker, TimelinesOfASchoolATeacherAndACluster) {
  json school = get("/v1/schools/c/timeline?at=2019-01-01");
  EXPECT_EQ(school["district"], "dc");
  EXPECT_EQ(school["on"]["merged_into"], "a");
  EXPECT_EQ(school["on"]["held_by"], "a");
  std::vector<std::string> types;
  for (const auto& e : school["events"]) types.push_back(e["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"school.opened", "school.facilities_surveyed",
                                             "school.joined_cluster", "school.merged"}));
  json lineage = get("/v1/schools/a/timeline?at=2019-01-01");
  EXPECT_EQ(lineage["on"]["absorbed"][0]["school_id"], "c");

  json rotating = get("/v1/teachers/a-t00/timeline?at=2017-01-01");
  EXPECT_EQ(rotating["on"]["school_id"], "c");
  EXPECT_EQ(rotating["on"]["returns"]["on"], "2017-07-31");
  EXPECT_EQ(get("/v1/teachers/a-t00/timeline?at=2017-07-31")["on"]["school_id"],
            "a");  // back on the end date

  json group = get("/v1/clusters/g1?at=2015-01-01");
  EXPECT_EQ(group["on"]["kind"], "education_group");
  ASSERT_EQ(group["on"]["members"].size(), 2u);
  EXPECT_EQ(group["on"]["members"][0]["role"], "lead");
  EXPECT_EQ(group["on"]["members"][0]["name"], "史家胡同小学");
  EXPECT_EQ(get("/v1/clusters/g1?at=2019-01-01")["on"]["members"].size(),
            1u);  // 西总布 left with the merger
  get("/v1/schools/nowhere/timeline", 404);
  get("/v1/teachers/nobody/timeline", 404);
}

TEST_F(AuditOnBroker, RotationsAndAdmissions) {
  json r = get("/v1/districts/dc/rotations?from=2016-01-01&to=2016-12-31&cluster=g1");
  ASSERT_EQ(r["transfers"].size(), 1u);
  EXPECT_EQ(r["transfers"][0]["teacher_id"], "a-t00");
  EXPECT_EQ(r["transfers"][0]["kind"], "rotation");
  EXPECT_EQ(r["transfers"][0]["direction"], "urban -> urban");
  EXPECT_EQ(r["transfers"][0]["post_moves"], false);
  EXPECT_EQ(r["summary"]["backbone"], 0);
  EXPECT_EQ(
      get("/v1/districts/dc/rotations?from=2016-01-01&to=2016-12-31&cluster=elsewhere")["transfers"]
          .size(),
      0u);
  EXPECT_EQ(get("/v1/districts/dc/rotations?from=2017-01-01&to=2017-12-31")["transfers"].size(),
            0u);

  json a = get("/v1/districts/dc/admissions?year=2012");
  EXPECT_EQ(a["intake"], 100 + 60 + 40);
  EXPECT_EQ(a["by_stage"]["primary"]["nearby"], 160);
  EXPECT_EQ(a["by_stage"]["junior"]["nearby"], 40);
  EXPECT_EQ(a["migrant_students"], 50);  // every fifth pupil
  EXPECT_EQ(a["migrant_public_share"], 1.0);
  get("/v1/districts/dc/admissions?year=twenty", 400);
}

TEST_F(AuditOnBroker, TheCommandLineAsksTheSameQuestions) {
  auto annals = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--audit", "http://127.0.0.1:" + std::to_string(audit_port),
                             "--token-file", token_file});
    std::string log = *dir / ("cli-" + std::to_string(std::random_device{}()) + ".log");
    int status = testing::run(binary("annals"), args, log);
    return std::make_pair(status, Process::read(log));
  };
  auto [status, table] = annals({"indicators", "dc", "--at", "2019-09-01"});
  EXPECT_EQ(status, 0) << table;
  EXPECT_NE(table.find("under 教督〔2017〕6号"), std::string::npos) << table;
  EXPECT_NE(table.find("生均教学及辅助用房面积 (m²)"), std::string::npos);
  EXPECT_NE(table.find("verdict: FAIL"), std::string::npos);
  auto [csv_status, csv] = annals({"indicators", "dc", "--at", "2019-09-01", "--format", "csv"});
  EXPECT_NE(csv.find("综合差异系数 composite CV"), std::string::npos) << csv;
  auto [json_status, text] = annals({"state", "dc", "--at", "2019-09-01", "--format", "json"});
  EXPECT_EQ(json::parse(text.substr(text.find('{')))["schools"].size(), 2u);
  auto [diff_status, diff] = annals({"diff", "dc", "--from", "2018-08-31", "--to", "2018-09-01"});
  EXPECT_NE(diff.find("merged into a"), std::string::npos) << diff;
  auto [t_status, timeline] = annals({"timeline", "teacher", "a-t00", "--at", "2017-01-01"});
  EXPECT_NE(timeline.find("teacher.transferred"), std::string::npos) << timeline;
  auto [bad_status, bad] = annals({"indicators", "nowhere", "--at", "2019-09-01"});
  EXPECT_EQ(bad_status, 1);
  EXPECT_NE(bad.find("HTTP 404: no district 'nowhere'"), std::string::npos) << bad;
}

TEST_F(AuditOnBroker, TheCommandLineSaysWhenItsTokenIsRefused) {
  std::string former = add_token("former-reader", {"--all-districts"});
  std::string other = add_token("other-reader", {"--district", "elsewhere"});
  std::string log = *dir / "revoke.log";
  ASSERT_EQ(
      testing::run(binary("annals"), {"tokens", "revoke", "--file", tokens, "former-reader"}, log),
      0)
      << Process::read(log);
  std::string credentials = *dir / "credentials";
  std::ofstream(credentials) << "# name token\nformer " << former << "\nother " << other << "\n";
  std::filesystem::permissions(
      credentials, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto annals = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--audit", "http://127.0.0.1:" + std::to_string(audit_port),
                             "--credentials", credentials});
    std::string out = *dir / ("cli-" + std::to_string(std::random_device{}()) + ".log");
    int status = testing::run(binary("annals"), args, out);
    return std::make_pair(status, Process::read(out));
  };
  // Revoked: refused within a second, with exit status 3, the token never printed.
  ASSERT_TRUE(eventually([&] { return annals({"districts", "--as", "former"}).first == 3; }));
  auto [status, refused] = annals({"districts", "--as", "former"});
  EXPECT_EQ(status, 3);
  EXPECT_NE(refused.find("annals: access refused (401): the token is not valid (unknown or "
                         "revoked) (the token from the line 'former' of " +
                         credentials + "); set ANNALS_TOKEN, --token-file or --credentials"),
            std::string::npos)
      << refused;
  EXPECT_EQ(refused.find(former.substr(24)), std::string::npos) << "the secret is printed";
  // Another district's reader: this district answers as one not in the record.
  auto [other_status, elsewhere] =
      annals({"indicators", "dc", "--at", "2019-09-01", "--as", "other"});
  EXPECT_EQ(other_status, 1);
  EXPECT_NE(elsewhere.find("HTTP 404: no district 'dc' in the record"), std::string::npos)
      << elsewhere;
  auto [list_status, listed] = annals({"districts", "--as", "other", "--format", "json"});
  EXPECT_EQ(list_status, 0) << listed;
  EXPECT_EQ(json::parse(listed.substr(listed.find('{')))["districts"].size(), 0u) << listed;
  // No credential of that name.
  auto [none_status, none] = annals({"districts", "--as", "nobody"});
  EXPECT_EQ(none_status, 3);
  EXPECT_NE(none.find("has no line named 'nobody'"), std::string::npos) << none;
}

// A read of personal records leaves only once the access log holds it (access_log.h): an audit
// service whose broker never confirms the record answers 503 and shows nothing, the record begun
// while the answer was made (diff, events, rotations) or after it (a timeline); aggregate
// answers need no record and are served.
TEST_F(AuditOnBroker, APersonalReadIsNotAnsweredUnlessTheAccessLogConfirmsIt) {
  int port = testing::free_port();
  int dead = testing::free_port();  // nothing listens here
  Process unlogged(binary("annals-audit"),
                   {"--store", *dir / "views", "--secondary", *dir / "audit-unlogged", "--listen",
                    "127.0.0.1:" + std::to_string(port), "--tokens", tokens, "--brokers",
                    "127.0.0.1:" + std::to_string(dead), "--topic-prefix", prefix},
                   *dir / "audit-unlogged.log");
  httplib::Client c("127.0.0.1", port);
  c.set_bearer_token_auth(reader_token);
  c.set_read_timeout(30);
  ASSERT_TRUE(eventually([&] {
    auto res = c.Get("/v1/districts/dc/state?at=2019-09-01");
    return res && res->status == 200;
  })) << unlogged.log();
  for (const char* path :
       {"/v1/districts/dc/diff?from=2018-08-31&to=2018-09-01", "/v1/districts/dc/events",
        "/v1/districts/dc/rotations", "/v1/schools/a/timeline?at=2019-09-01"}) {
    auto res = c.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 503) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Retry-After"), "5") << path;
    EXPECT_NE(res->body.find("access log"), std::string::npos) << res->body;
    EXPECT_EQ(res->body.find("school."), std::string::npos) << "no event shown: " << res->body;
  }
  // Each refusal is timed in the access log's histogram, by its outcome.
  httplib::Client scraper("127.0.0.1", port);
  scraper.set_bearer_token_auth(add_token("scraper", {"--all-districts"}, "metrics"));
  std::string metrics;
  ASSERT_TRUE(eventually([&] {  // the service reads a new token within a second
    auto res = scraper.Get("/metrics");
    if (!res || res->status != 200) return false;
    metrics = res->body;
    return true;
  }));
  EXPECT_NE(metrics.find("annals_audit_access_log_seconds_count{outcome=\"refused\"} 4"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("annals_audit_access_log_seconds_count{outcome=\"recorded\"}"),
            std::string::npos);
}

TEST_F(AuditOnBroker, ErrorsArePrecise) {
  EXPECT_NE(
      get("/v1/districts/nowhere/indicators?at=2019-09-01", 404)["error"].get<std::string>().find(
          "nowhere"),
      std::string::npos);
  EXPECT_NE(get("/v1/districts/dc/indicators?at=2019-13-01", 400)["error"].get<std::string>().find(
                "'at'"),
            std::string::npos);
  EXPECT_NE(get("/v1/districts/dc/indicators?at=2019-09-01&standard=nope", 404)["error"]
                .get<std::string>()
                .find("quality-balance-2017"),
            std::string::npos);
  EXPECT_NE(get("/v1/districts/dc/indicators?at=2005-01-01", 404)["error"].get<std::string>().find(
                "no standard"),
            std::string::npos);
  get("/v1/districts/dc/indicators/series?from=2019-01-01&to=2018-01-01", 400);
  get("/v1/districts/dc/indicators/series?from=2018-01-01&to=2019-01-01&step=week", 400);
  get("/v1/districts/dc/events?after=zz", 400);
  get("/v1/districts/dc/events?limit=0", 400);
}

}  // namespace
}  // namespace annals
