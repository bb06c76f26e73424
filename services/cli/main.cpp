// annals: the command line for operators and supervisors.
//
//   annals topics create      create the Kafka topics (explicit partitions, unlimited retention)
//   annals schemas write DIR  write the JSON Schemas of the event contract (schemas/)
//   annals gen                a deterministic synthetic city, as NDJSON or into Kafka
//   annals import FILE...     stream NDJSON or CSV events through the publishing services
//   annals districts|state|indicators|series|diff|timeline|events   questions to the audit
//                             service (services/cli/questions.h), as tables, JSON or CSV
//   annals views checksum     a checksum of the views (compare a rebuilt store with the live one)
//   annals views offsets      how far the views have read each partition (which ones a store holds)
//   annals tokens add|list|revoke   the identities of the token file (services/cli/tokens.h)
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "events/bounds.h"
#include "events/event.h"
#include "events/schema.h"
#include "services/cli/command.h"
#include "services/cli/gen.h"
#include "services/cli/import.h"
#include "services/cli/questions.h"
#include "services/cli/terminal_safe.h"
#include "services/cli/tokens.h"
#include "services/cli/verify.h"
#include "services/kafka/kafka_config.h"
#include "services/kafka/topics.h"
#include "services/process/options.h"
#include "services/views/checksum.h"

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

// Runs `read` on the views at `store_path`, opened as a secondary of its own (a projector may
// be writing them) and caught up; removes the secondary after.
void with_views(const std::string& store_path, const std::function<void(views::ViewStore&)>& read) {
  fs::path secondary = fs::temp_directory_path() / ("annals-views-" + std::to_string(::getpid()));
  auto store = views::ViewStore::open_secondary(store_path, secondary.string());
  if (rocksdb::Status s = store->catch_up(); !s.ok())
    throw std::runtime_error("reading the views at " + store_path + ": " + s.ToString());
  read(*store);
  store.reset();
  fs::remove_all(secondary);
}

int views_checksum(const std::string& store_path, bool content_only) {
  with_views(store_path, [&](views::ViewStore& store) {
    std::cout << views::checksum(
                     store, content_only ? views::Covering::content : views::Covering::everything)
                     .to_string()
              << "\n";
  });
  return 0;
}

int views_offsets(const std::string& store_path) {
  with_views(store_path, [&](views::ViewStore& store) {
    json out = json::array();
    for (const auto& p : store.offsets())
      out.push_back(
          {{"topic", p.topic}, {"partition", p.partition}, {"next_offset", p.next_offset}});
    std::cout << out.dump(1) << "\n";
  });
  return 0;
}

void add_topics(CLI::App& app, Commands& out) {
  auto* topics = app.add_subcommand("topics", "Kafka topics")->require_subcommand(1);
  auto* create = topics->add_subcommand(
      "create", "create the domain, access and dead-letter topics (as an identity allowed to)");
  struct Options {
    CommonOptions common;
    int partitions = 8, replication = 1;
  };
  auto o = std::make_shared<Options>();
  add_kafka_options(*create, o->common);
  create->add_option("--partitions", o->partitions, "partitions per domain topic")
      ->capture_default_str();
  create->add_option("--replication-factor", o->replication)->capture_default_str();
  out.push_back({create, [o] {
                   create_topics(o->common.brokers, TopicNames{o->common.topic_prefix},
                                 o->partitions, o->replication,
                                 load_kafka_config(o->common.kafka_config));
                   const std::string& p = o->common.topic_prefix;
                   std::cout << "topics ready: " << p
                             << "{registry,personnel,enrollment,finance,access,digests}, " << p
                             << "inbound.*, " << p << "outcomes.* (" << o->partitions
                             << " partitions), " << p << "deadletter\n";
                   return 0;
                 }});
}

void add_schemas(CLI::App& app, Commands& out) {
  auto* schemas = app.add_subcommand("schemas", "the JSON Schemas of the event contract")
                      ->require_subcommand(1);
  auto* write =
      schemas->add_subcommand("write", "write every schema under DIR/<type>/v<N>.schema.json");
  auto dir = std::make_shared<std::string>("schemas");
  write->add_option("dir", *dir)->capture_default_str();
  out.push_back({write, [dir] { return write_schemas(*dir); }});
}

void add_import(CLI::App& app, Commands& out) {
  auto* pub =
      app.add_subcommand("import",
                         "stream NDJSON or CSV files of events through the publishing services "
                         "(resumable: run the same command again after an interruption)");
  struct Options {
    std::vector<std::string> files;
    bool restart = false, quiet = false;
    std::map<System, std::string> services = {{System::registry, "http://127.0.0.1:8081"},
                                              {System::personnel, "http://127.0.0.1:8082"},
                                              {System::enrollment, "http://127.0.0.1:8083"},
                                              {System::finance, "http://127.0.0.1:8084"}};
    std::size_t batch = 1000;
    std::string credentials;
  };
  auto o = std::make_shared<Options>();
  pub->add_option("files", o->files, "NDJSON (.ndjson) or CSV (.csv, with a header row) files")
      ->required()
      ->check(CLI::ExistingFile);
  pub->add_flag("--restart", o->restart, "ignore FILE.checkpoint and start from the first line");
  pub->add_flag("--quiet", o->quiet, "no progress output");
  for (auto& [system, url] : o->services) {
    std::string name(to_string(system)), upper = name;
    for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
    pub->add_option("--" + name, url, "URL of the " + name + " service")
        ->envname("ANNALS_" + upper + "_URL")
        ->capture_default_str();
  }
  pub->add_option("--batch", o->batch, "events per request")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  pub->add_option("--credentials", o->credentials,
                  "a file of lines '<name> <token>': each service's source token is the line "
                  "named after its system (default var/credentials when it exists)")
      ->envname("ANNALS_CREDENTIALS");
  pub->footer(
      "Each service's token: ANNALS_TOKEN_REGISTRY, _PERSONNEL, _ENROLLMENT, _FINANCE, else the "
      "line 'registry', 'personnel', 'enrollment' or 'finance' of --credentials. It is never "
      "printed.\nExit status: 0 every event accepted (or already); 1 some rejected "
      "(FILE.rejects.ndjson); 2 an error stopped the import; " +
      std::to_string(kAccessRefused) +
      " a token is missing or was refused (401, 403). Run the same command again to resume.");
  out.push_back({pub, [o] {
                   return import_files(
                       {o->files, o->services, o->batch, !o->restart, o->quiet, o->credentials});
                 }});
}

void add_gen(CLI::App& app, Commands& out) {
  auto* cmd =
      app.add_subcommand("gen",
                         "a deterministic synthetic city (schools, teachers, students, money over "
                         "the years), as NDJSON or straight into the Kafka topics");
  struct Options {
    GenOptions gen;
    CommonOptions common;
    bool to_kafka = false;
  };
  auto o = std::make_shared<Options>();
  GenOptions& gen = o->gen;
  cmd->add_option("--scale", gen.scale, "demo, small, medium or beijing")->capture_default_str();
  cmd->add_option("--seed", gen.seed)->capture_default_str();
  cmd->add_option("--first-year", gen.first_year, "the first school year generated")
      ->capture_default_str();
  cmd->add_option("--years", gen.years, "years of history (default: the scale's, 10)");
  cmd->add_option("--districts", gen.districts, "districts (default: the scale's)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--schools", gen.schools, "schools per district (default: the scale's)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--first-district", gen.first_district,
                  "index of the first district (0 is 东城区)")
      ->capture_default_str();
  cmd->add_option("--out", gen.out, "NDJSON file, - for stdout")->capture_default_str();
  cmd->add_flag("--kafka", o->to_kafka,
                "produce into the topics at --brokers instead of writing NDJSON");
  add_kafka_options(*cmd, o->common);
  cmd->add_flag("--quiet", gen.quiet, "no progress");
  cmd->add_option("--dongcheng-demo", gen.dongcheng_demo,
                  "instead of a city: write 东城区's demo (its narrative and the pupils, teachers, "
                  "facilities and funds around it) to this NDJSON file");
  cmd->add_option("--narrative", gen.narrative, "the demo's hand-written narrative")
      ->capture_default_str();
  out.push_back({cmd, [o] {
                   if (o->to_kafka) {
                     o->gen.brokers = o->common.brokers;
                     o->gen.topic_prefix = o->common.topic_prefix;
                     o->gen.kafka_config = o->common.kafka_config;
                   }
                   return generate(o->gen);
                 }});
}

// The supervisors' questions, asked of the audit service (services/cli/questions.h).
struct QuestionOptions {
  Question question;
  // Where and as whom, per subcommand: options read from the environment must not share
  // storage (CLI11 reads every subcommand's environment variables, parsed or not).
  struct Connection {
    std::string audit = Question().audit;
    CredentialOptions credentials;
  };
  std::map<const CLI::App*, Connection> connection;
  std::string district, at, recorded_at, standard, from, to, from_recorded, to_recorded,
      step = "year", kind, id, type, limit, after, year, cluster;
  // The question of the subcommand `cmd` at `path` with `params` (empty ones are left out by
  // the asker).
  Question with(const CLI::App* cmd, std::string path, std::map<std::string, std::string> params) {
    question.audit = connection[cmd].audit;
    question.credentials = connection[cmd].credentials;
    question.path = std::move(path);
    question.params = std::move(params);
    return question;
  }
  std::string district_path() const { return "/v1/districts/" + district; }
};

// Adds one question's subcommand, with the options every question has.
CLI::App* add_question(CLI::App& app, QuestionOptions& o, const char* name, const char* what) {
  auto* cmd = app.add_subcommand(name, what);
  QuestionOptions::Connection& connection = o.connection[cmd];
  cmd->add_option("--audit", connection.audit, "URL of the audit service")
      ->envname("ANNALS_AUDIT_URL")
      ->capture_default_str();
  cmd->add_option("--format", o.question.format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  CredentialOptions& c = connection.credentials;
  cmd->add_option("--token-file", c.token_file,
                  "a file holding the token on its first line (when ANNALS_TOKEN is not set)")
      ->envname("ANNALS_TOKEN_FILE");
  cmd->add_option("--credentials", c.credentials,
                  "a file of lines '<name> <token>' (default var/credentials when it exists)")
      ->envname("ANNALS_CREDENTIALS");
  cmd->add_option("--as", c.as, "the credentials file's line to ask with")
      ->envname("ANNALS_AS")
      ->capture_default_str();
  cmd->footer(
      "The token: ANNALS_TOKEN, else --token-file, else the --as line of --credentials. It is "
      "never printed.\nExit status: 0 answered; 1 an error (the service's message); " +
      std::to_string(kAccessRefused) +
      " no credential, or access refused (401: the token is unknown or revoked; 403: outside "
      "its role).");
  return cmd;
}

// The options the questions share: the district, the dates, the recorded time, the standard.
void add_common_question_options(QuestionOptions& o, CLI::App* state, CLI::App* indicators,
                                 CLI::App* series, CLI::App* diff, CLI::App* timeline,
                                 CLI::App* events) {
  for (auto* cmd : {state, indicators, series, diff, events})
    cmd->add_option("district", o.district, "district id (annals districts lists them)")
        ->required();
  for (auto* cmd : {state, indicators, timeline})
    cmd->add_option("--at", o.at, "date YYYY-MM-DD (default today)");
  for (auto* cmd : {state, indicators, timeline, series, events})
    cmd->add_option("--recorded-at", o.recorded_at,
                    "as the record stood at this time (RFC 3339, or a date)");
  indicators->add_option("--standard", o.standard,
                         "a standard's id (default: the one in force on the date)");
  series->add_option("--standard", o.standard,
                     "a standard's id (default: the one in force on each date)");
  for (auto* cmd : {series, diff}) {
    cmd->add_option("--from", o.from, "first date")->required();
    cmd->add_option("--to", o.to, "last date")->required();
  }
}

// The questions' subcommands.
struct QuestionApps {
  CLI::App *districts, *state, *indicators, *series, *diff, *timeline, *events, *rotations,
      *admissions;
};

// The options only some questions have.
void add_own_question_options(QuestionOptions& o, const QuestionApps& q) {
  q.rotations->add_option("district", o.district)->required();
  q.rotations->add_option("--from", o.from, "first date")->required();
  q.rotations->add_option("--to", o.to, "last date")->required();
  q.rotations->add_option("--cluster", o.cluster,
                          "only transfers from or to a school of this cluster (学区, 教育集团)");
  q.admissions->add_option("district", o.district)->required();
  q.admissions->add_option("--year", o.year, "the school year's autumn")->required();
  q.series->add_option("--step", o.step)
      ->check(CLI::IsMember({"year", "month"}))
      ->capture_default_str();
  q.diff->add_option("--from-recorded-at", o.from_recorded,
                     "the first point as recorded at this time");
  q.diff->add_option("--to-recorded-at", o.to_recorded,
                     "the second point as recorded at this time");
  q.timeline->add_option("kind", o.kind)
      ->required()
      ->check(CLI::IsMember({"school", "teacher", "cluster"}));
  q.timeline->add_option("id", o.id)->required();
  q.timeline->add_option("--district", o.district, "the entity's district (default: looked up)");
  q.events->add_option("--from", o.from, "first effective date");
  q.events->add_option("--to", o.to, "last effective date");
  q.events->add_option("--type", o.type, "event types, comma-separated");
  q.events->add_option("--limit", o.limit, "events per page (1-1000, default 100)");
  q.events->add_option("--after", o.after, "the cursor a previous page printed");
}

// What each question asks of the audit service, once its options are parsed.
void add_question_runners(const std::shared_ptr<QuestionOptions>& o, const QuestionApps& q,
                          Commands& out) {
  out.push_back({q.districts, [o, cmd = q.districts] {
                   return ask_districts(o->with(cmd, "/v1/districts", {}));
                 }});
  out.push_back({q.state, [o, cmd = q.state] {
                   return ask_state(o->with(cmd, o->district_path() + "/state",
                                            {{"at", o->at}, {"recorded_at", o->recorded_at}}));
                 }});
  out.push_back(
      {q.indicators, [o, cmd = q.indicators] {
         return ask_indicators(
             o->with(cmd, o->district_path() + "/indicators",
                     {{"at", o->at}, {"recorded_at", o->recorded_at}, {"standard", o->standard}}));
       }});
  out.push_back({q.series, [o, cmd = q.series] {
                   return ask_series(o->with(cmd, o->district_path() + "/indicators/series",
                                             {{"from", o->from},
                                              {"to", o->to},
                                              {"step", o->step},
                                              {"standard", o->standard},
                                              {"recorded_at", o->recorded_at}}));
                 }});
  out.push_back({q.diff, [o, cmd = q.diff] {
                   return ask_diff(o->with(cmd, o->district_path() + "/diff",
                                           {{"from", o->from},
                                            {"to", o->to},
                                            {"from_recorded_at", o->from_recorded},
                                            {"to_recorded_at", o->to_recorded}}));
                 }});
  out.push_back(
      {q.timeline, [o, cmd = q.timeline] {
         std::string path = o->kind == "cluster" ? "/v1/clusters/" + o->id
                                                 : "/v1/" + o->kind + "s/" + o->id + "/timeline";
         return ask_timeline(
             o->with(cmd, path,
                     {{"at", o->at}, {"recorded_at", o->recorded_at}, {"district", o->district}}));
       }});
  out.push_back({q.rotations, [o, cmd = q.rotations] {
                   return ask_rotations(
                       o->with(cmd, o->district_path() + "/rotations",
                               {{"from", o->from}, {"to", o->to}, {"cluster", o->cluster}}));
                 }});
  out.push_back({q.admissions, [o, cmd = q.admissions] {
                   return ask_admissions(
                       o->with(cmd, o->district_path() + "/admissions", {{"year", o->year}}));
                 }});
  out.push_back({q.events, [o, cmd = q.events] {
                   return ask_events(o->with(cmd, o->district_path() + "/events",
                                             {{"from", o->from},
                                              {"to", o->to},
                                              {"type", o->type},
                                              {"limit", o->limit},
                                              {"after", o->after},
                                              {"recorded_at", o->recorded_at}}));
                 }});
}

void add_questions(CLI::App& app, Commands& out) {
  auto o = std::make_shared<QuestionOptions>();
  QuestionApps q{};
  q.districts = add_question(app, *o, "districts", "the districts in the record");
  q.state =
      add_question(app, *o, "state",
                   "a district on a date: schools with their figures, clusters (alias: schools)");
  q.state->alias("schools");
  q.indicators = add_question(app, *o, "indicators",
                              "the balanced-development indicators of a district on a date; "
                              "--format csv prints the official 差异系数 table");
  q.series =
      add_question(app, *o, "series", "each indicator's coefficient of variation over the years");
  q.diff =
      add_question(app, *o, "diff",
                   "what changed in a district between two dates (or two recorded times), and why");
  q.timeline = add_question(app, *o, "timeline",
                            "a school's, teacher's or cluster's history and its record on a date");
  q.events = add_question(app, *o, "events", "a district's audit trail");
  q.rotations = add_question(
      app, *o, "rotations",
      "teacher rotation and support teaching in a period: direction, posts, backbone share");
  q.admissions = add_question(
      app, *o, "admissions",
      "the autumn intake by admission mode per 学区, and migrant children in public schools");
  add_common_question_options(*o, q.state, q.indicators, q.series, q.diff, q.timeline, q.events);
  add_own_question_options(*o, q);
  add_question_runners(o, q, out);
}

void add_views(CLI::App& app, Commands& out) {
  auto* views_cmd =
      app.add_subcommand("views", "the projector's RocksDB views")->require_subcommand(1);
  auto* sum = views_cmd->add_subcommand(
      "checksum", "a checksum of every view: a rebuilt store must print the same");
  struct Options {
    std::string store_path = "var/views";
    bool content_only = false;
  };
  auto o = std::make_shared<Options>();
  sum->add_option("--store", o->store_path, "RocksDB directory of the views")
      ->envname("ANNALS_STORE")
      ->capture_default_str();
  sum->add_flag("--content-only", o->content_only,
                "leave out how far the views have read each partition (offsets): what the record "
                "holds, not how "
                "many records were read, so refused records leave it unchanged");
  out.push_back({sum, [o] { return views_checksum(o->store_path, o->content_only); }});
  auto* offsets = views_cmd->add_subcommand(
      "offsets",
      "as JSON, the next offset of every partition the views have read (which partitions a "
      "scaled-out instance's store holds, and how far)");
  offsets->add_option("--store", o->store_path, "RocksDB directory of the views")
      ->envname("ANNALS_STORE")
      ->capture_default_str();
  out.push_back({offsets, [o] { return views_offsets(o->store_path); }});
}

}  // namespace
}  // namespace annals

int main(int argc, char** argv) {
  using namespace annals;
  TerminalSafeGuard safe_output(std::cout);
  CLI::App app{"annals: operate Annals and ask it questions from a shell."};
  app.require_subcommand(1);
  Commands commands;
  add_topics(app, commands);
  add_schemas(app, commands);
  add_import(app, commands);
  add_gen(app, commands);
  add_questions(app, commands);
  add_views(app, commands);
  add_tokens(app, commands);
  add_keys(app, commands);
  add_verify(app, commands);
  CLI11_PARSE(app, argc, argv);
  try {
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run();
  } catch (const std::exception& e) {
    std::cerr << "annals: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
