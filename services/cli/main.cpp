// annals: the command line for operators and supervisors.
//
//   annals topics create      create the Kafka topics (explicit partitions, unlimited retention)
//   annals schemas write DIR  write the JSON Schemas of the event contract (schemas/)
//   annals gen                a deterministic synthetic city, as NDJSON or into Kafka
//   annals import FILE...     stream NDJSON or CSV events through the publishing services
//   annals districts|state|indicators|series|diff|timeline|events   questions to the audit
//                             service (services/cli/questions.h), as tables, JSON or CSV
//   annals views checksum     a checksum of the views (compare a rebuilt store with the live one)
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include "events/bounds.h"
#include "events/event.h"
#include "services/views/checksum.h"
#include "services/cli/gen.h"
#include "services/cli/import.h"
#include "services/cli/questions.h"
#include "services/cli/terminal_safe.h"
#include "events/schema.h"
#include "services/kafka/topics.h"
#include "services/process/options.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace annals {
namespace {

int write_schemas(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& doc : all_schemas()) {
    fs::path p = fs::path(dir) / doc.path();
    fs::create_directories(p.parent_path());
    // The free-text pattern holds C1 and bidi controls: escaped, so that YAML readers (which
    // refuse them raw) and people can read the file.
    std::ofstream out(p);
    std::istringstream lines(doc.schema.dump(2));
    for (std::string line; std::getline(lines, line);) out << escape_forbidden(line) << "\n";
    ++n;
  }
  std::cout << "wrote " << n << " schemas under " << dir << "\n";
  return 0;
}

int views_checksum(const std::string& store_path, bool content_only) {
  fs::path secondary = fs::temp_directory_path() / ("annals-checksum-" + std::to_string(::getpid()));
  auto store = views::ViewStore::open_secondary(store_path, secondary.string());
  store->catch_up();
  views::ViewsChecksum sum = views::checksum(*store, !content_only);
  store.reset();
  fs::remove_all(secondary);
  std::cout << sum.to_string() << "\n";
  return 0;
}

}  // namespace
}  // namespace annals

int main(int argc, char** argv) {
  using namespace annals;
  TerminalSafeGuard safe_output(std::cout);
  CLI::App app{"annals: operate Annals and ask it questions from a shell."};
  app.require_subcommand(1);

  CommonOptions common;
  auto* topics = app.add_subcommand("topics", "Kafka topics")->require_subcommand(1);
  auto* create = topics->add_subcommand("create", "create the domain and dead-letter topics");
  int partitions = 8, replication = 1;
  create->add_option("--brokers", common.brokers, "Kafka bootstrap servers")->envname("ANNALS_BROKERS")->capture_default_str();
  create->add_option("--topic-prefix", common.topic_prefix)->envname("ANNALS_TOPIC_PREFIX")->capture_default_str();
  create->add_option("--partitions", partitions, "partitions per domain topic")->capture_default_str();
  create->add_option("--replication-factor", replication)->capture_default_str();

  auto* schemas = app.add_subcommand("schemas", "the JSON Schemas of the event contract")->require_subcommand(1);
  auto* write = schemas->add_subcommand("write", "write every schema under DIR/<type>/v<N>.schema.json");
  std::string dir = "schemas";
  write->add_option("dir", dir)->capture_default_str();

  auto* pub = app.add_subcommand("import", "stream NDJSON or CSV files of events through the publishing services "
                                            "(resumable: run the same command again after an interruption)");
  std::vector<std::string> files;
  bool restart = false, quiet = false;
  std::map<System, std::string> services = {{System::registry, "http://127.0.0.1:8081"},
                                            {System::personnel, "http://127.0.0.1:8082"},
                                            {System::enrollment, "http://127.0.0.1:8083"},
                                            {System::finance, "http://127.0.0.1:8084"}};
  std::size_t batch = 1000;
  pub->add_option("files", files, "NDJSON (.ndjson) or CSV (.csv, with a header row) files")->required()->check(CLI::ExistingFile);
  pub->add_flag("--restart", restart, "ignore FILE.checkpoint and start from the first line");
  pub->add_flag("--quiet", quiet, "no progress output");
  for (auto& [system, url] : services) {
    std::string name(to_string(system));
    pub->add_option("--" + name, url, "URL of the " + name + " service")
        ->envname("ANNALS_" + std::string(name == "registry" ? "REGISTRY" : name == "personnel" ? "PERSONNEL"
                                           : name == "enrollment" ? "ENROLLMENT" : "FINANCE") + "_URL")
        ->capture_default_str();
  }
  pub->add_option("--batch", batch, "events per request")->capture_default_str()->check(CLI::Range(1, 100000));

  auto* gen_cmd = app.add_subcommand("gen", "a deterministic synthetic city (schools, teachers, students, money over "
                                           "the years), as NDJSON or straight into the Kafka topics");
  GenOptions gen;
  gen_cmd->add_option("--scale", gen.scale, "demo, small, medium or beijing")->capture_default_str();
  gen_cmd->add_option("--seed", gen.seed)->capture_default_str();
  gen_cmd->add_option("--first-year", gen.first_year, "the first school year generated")->capture_default_str();
  gen_cmd->add_option("--years", gen.years, "years of history (default: the scale's, 10)");
  gen_cmd->add_option("--districts", gen.districts, "districts (default: the scale's)")->check(CLI::Range(1, 64));
  gen_cmd->add_option("--schools", gen.schools, "schools per district (default: the scale's)")->check(CLI::Range(1, 1000));
  gen_cmd->add_option("--first-district", gen.first_district, "index of the first district (0 is 东城区)")->capture_default_str();
  gen_cmd->add_option("--out", gen.out, "NDJSON file, - for stdout")->capture_default_str();
  bool to_kafka = false;
  gen_cmd->add_flag("--kafka", to_kafka, "produce into the topics at --brokers instead of writing NDJSON");
  gen_cmd->add_option("--brokers", common.brokers, "Kafka bootstrap servers")->envname("ANNALS_BROKERS")->capture_default_str();
  gen_cmd->add_option("--topic-prefix", common.topic_prefix)->envname("ANNALS_TOPIC_PREFIX")->capture_default_str();
  gen_cmd->add_flag("--quiet", gen.quiet, "no progress");

  // The supervisors' questions, asked of the audit service.
  Question question;
  std::string district, at, recorded_at, standard, from, to, from_recorded, to_recorded, step = "year", kind, id,
      type, limit, after;
  auto asking = [&](const char* name, const char* what) {
    auto* cmd = app.add_subcommand(name, what);
    cmd->add_option("--audit", question.audit, "URL of the audit service")->envname("ANNALS_AUDIT_URL")->capture_default_str();
    cmd->add_option("--format", question.format, "table, json or csv")
        ->check(CLI::IsMember({"table", "json", "csv"}))->capture_default_str();
    return cmd;
  };
  auto* districts_cmd = asking("districts", "the districts in the record");
  auto* state_cmd = asking("state", "a district on a date: schools with their figures, clusters (alias: schools)");
  state_cmd->alias("schools");
  auto* indicators_cmd = asking("indicators", "the balanced-development indicators of a district on a date; "
                                              "--format csv prints the official 差异系数 table");
  auto* series_cmd = asking("series", "each indicator's coefficient of variation over the years");
  auto* diff_cmd = asking("diff", "what changed in a district between two dates (or two recorded times), and why");
  auto* timeline_cmd = asking("timeline", "a school's, teacher's or cluster's history and its record on a date");
  auto* events_cmd = asking("events", "a district's audit trail");
  auto* rotations_cmd = asking("rotations", "teacher rotation and support teaching in a period: direction, posts, backbone share");
  auto* admissions_cmd = asking("admissions", "the autumn intake by admission mode per 学区, and migrant children in public schools");
  std::string year, cluster;
  rotations_cmd->add_option("district", district)->required();
  rotations_cmd->add_option("--from", from, "first date")->required();
  rotations_cmd->add_option("--to", to, "last date")->required();
  rotations_cmd->add_option("--cluster", cluster, "only transfers from or to a school of this cluster (学区, 教育集团)");
  admissions_cmd->add_option("district", district)->required();
  admissions_cmd->add_option("--year", year, "the school year's autumn")->required();
  for (auto* cmd : {state_cmd, indicators_cmd, series_cmd, diff_cmd, events_cmd})
    cmd->add_option("district", district, "district id (annals districts lists them)")->required();
  for (auto* cmd : {state_cmd, indicators_cmd, timeline_cmd}) cmd->add_option("--at", at, "date YYYY-MM-DD (default today)");
  for (auto* cmd : {state_cmd, indicators_cmd, timeline_cmd, series_cmd, events_cmd})
    cmd->add_option("--recorded-at", recorded_at, "as the record stood at this time (RFC 3339, or a date)");
  indicators_cmd->add_option("--standard", standard, "a standard's id (default: the one in force on the date)");
  series_cmd->add_option("--standard", standard, "a standard's id (default: the one in force on each date)");
  for (auto* cmd : {series_cmd, diff_cmd}) {
    cmd->add_option("--from", from, "first date")->required();
    cmd->add_option("--to", to, "last date")->required();
  }
  series_cmd->add_option("--step", step)->check(CLI::IsMember({"year", "month"}))->capture_default_str();
  diff_cmd->add_option("--from-recorded-at", from_recorded, "the first point as recorded at this time");
  diff_cmd->add_option("--to-recorded-at", to_recorded, "the second point as recorded at this time");
  timeline_cmd->add_option("kind", kind)->required()->check(CLI::IsMember({"school", "teacher", "cluster"}));
  timeline_cmd->add_option("id", id)->required();
  timeline_cmd->add_option("--district", district, "the entity's district (default: looked up)");
  events_cmd->add_option("--from", from, "first effective date");
  events_cmd->add_option("--to", to, "last effective date");
  events_cmd->add_option("--type", type, "event types, comma-separated");
  events_cmd->add_option("--limit", limit, "events per page (1-1000, default 100)");
  events_cmd->add_option("--after", after, "the cursor a previous page printed");

  auto* views_cmd = app.add_subcommand("views", "the projector's RocksDB views")->require_subcommand(1);
  auto* sum = views_cmd->add_subcommand("checksum", "a checksum of every view: a rebuilt store must print the same");
  std::string store_path = "var/views";
  sum->add_option("--store", store_path, "RocksDB directory of the views")->envname("ANNALS_STORE")->capture_default_str();
  bool content_only = false;
  sum->add_flag("--content-only", content_only,
                "leave out how far the views have read each partition (offsets): what the record holds, not how "
                "many records were read, so refused records leave it unchanged");

  CLI11_PARSE(app, argc, argv);
  try {
    if (sum->parsed()) return views_checksum(store_path, content_only);
    if (create->parsed()) {
      create_topics(common.brokers, TopicNames{common.topic_prefix}, partitions, replication);
      std::cout << "topics ready: " << common.topic_prefix << "{registry,personnel,enrollment,finance} ("
                << partitions << " partitions), " << common.topic_prefix << "deadletter\n";
      return 0;
    }
    if (write->parsed()) return write_schemas(dir);
    if (pub->parsed()) return import_files({files, services, batch, !restart, quiet});
    auto with = [&](std::string path, std::map<std::string, std::string> params) {
      question.path = std::move(path);
      question.params = std::move(params);
      return question;
    };
    const std::string d = "/v1/districts/" + district;
    if (gen_cmd->parsed()) {
      if (to_kafka) {
        gen.brokers = common.brokers;
        gen.topic_prefix = common.topic_prefix;
      }
      return generate(gen);
    }
    if (districts_cmd->parsed()) return ask_districts(with("/v1/districts", {}));
    if (state_cmd->parsed()) return ask_state(with(d + "/state", {{"at", at}, {"recorded_at", recorded_at}}));
    if (indicators_cmd->parsed())
      return ask_indicators(with(d + "/indicators", {{"at", at}, {"recorded_at", recorded_at}, {"standard", standard}}));
    if (series_cmd->parsed())
      return ask_series(with(d + "/indicators/series",
                             {{"from", from}, {"to", to}, {"step", step}, {"standard", standard}, {"recorded_at", recorded_at}}));
    if (diff_cmd->parsed())
      return ask_diff(with(d + "/diff", {{"from", from}, {"to", to}, {"from_recorded_at", from_recorded},
                                         {"to_recorded_at", to_recorded}}));
    if (timeline_cmd->parsed())
      return ask_timeline(with(kind == "cluster" ? "/v1/clusters/" + id : "/v1/" + kind + "s/" + id + "/timeline",
                               {{"at", at}, {"recorded_at", recorded_at}, {"district", district}}));
    if (rotations_cmd->parsed())
      return ask_rotations(with(d + "/rotations", {{"from", from}, {"to", to}, {"cluster", cluster}}));
    if (admissions_cmd->parsed()) return ask_admissions(with(d + "/admissions", {{"year", year}}));
    if (events_cmd->parsed())
      return ask_events(with(d + "/events", {{"from", from}, {"to", to}, {"type", type}, {"limit", limit},
                                             {"after", after}, {"recorded_at", recorded_at}}));
  } catch (const std::exception& e) {
    std::cerr << "annals: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
