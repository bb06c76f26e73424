// annals: the command line for operators and supervisors.
//
//   annals topics create      create the Kafka topics (explicit partitions, unlimited retention)
//   annals schemas write DIR  write the JSON Schemas of the event contract (schemas/)
//   annals import FILE...     stream NDJSON or CSV events through the publishing services
//   annals schools DISTRICT   the roster of a district on a date, from the audit service
//   annals views checksum     a checksum of the views (compare a rebuilt store with the live one)
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include "events/event.h"
#include "services/views/checksum.h"
#include "services/cli/import.h"
#include "events/schema.h"
#include "services/kafka/topics.h"
#include "services/process/options.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace annals {
namespace {

// Splits "http://host:port" into what httplib::Client takes.
std::unique_ptr<httplib::Client> client_for(const std::string& url) {
  auto c = std::make_unique<httplib::Client>(url);
  c->set_connection_timeout(5);
  c->set_read_timeout(120);
  return c;
}

int write_schemas(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& doc : all_schemas()) {
    fs::path p = fs::path(dir) / doc.path();
    fs::create_directories(p.parent_path());
    std::ofstream(p) << doc.schema.dump(2) << "\n";
    ++n;
  }
  std::cout << "wrote " << n << " schemas under " << dir << "\n";
  return 0;
}

int views_checksum(const std::string& store_path) {
  fs::path secondary = fs::temp_directory_path() / ("annals-checksum-" + std::to_string(::getpid()));
  auto store = views::ViewStore::open_secondary(store_path, secondary.string());
  store->catch_up();
  views::ViewsChecksum sum = views::checksum(*store);
  store.reset();
  fs::remove_all(secondary);
  std::cout << sum.to_string() << "\n";
  return 0;
}

int schools(const std::string& audit, const std::string& district, const std::string& at,
            const std::string& recorded_at, const std::string& format) {
  auto client = client_for(audit);
  std::string path = "/v1/districts/" + district + "/schools";
  httplib::Params params;
  if (!at.empty()) params.emplace("at", at);
  if (!recorded_at.empty()) params.emplace("recorded_at", recorded_at);
  auto res = client->Get(httplib::append_query_params(path, params));
  if (!res) {
    std::cerr << "annals: " << audit << ": " << httplib::to_string(res.error()) << "\n";
    return 1;
  }
  json body = json::parse(res->body, nullptr, false);
  if (res->status != 200 || body.is_discarded()) {
    std::cerr << "annals: HTTP " << res->status << ": " << res->body << "\n";
    return 1;
  }
  if (format == "json") {
    std::cout << body.dump(2) << "\n";
    return 0;
  }
  std::cout << body.value("district_name", district) << " (" << district << ") on " << body["at"].get<std::string>()
            << ": " << body["schools"].size() << " schools\n";
  for (const auto& s : body["schools"]) {
    std::string stages;
    for (const auto& st : s["stages"]) stages += (stages.empty() ? "" : "+") + st.get<std::string>();
    std::string lineage;
    for (const auto& a : s["absorbed"])
      lineage += " absorbed " + a["school_id"].get<std::string>() + " on " + a["on"].get<std::string>() + ";";
    std::printf("  %-14s %-16s %-10s opened %s%s\n", s["school_id"].get<std::string>().c_str(), stages.c_str(),
                s["location"].get<std::string>().c_str(), s["opened_on"].get<std::string>().c_str(), lineage.c_str());
    std::printf("  %-14s %s\n", "", s["name"].get<std::string>().c_str());
  }
  return 0;
}

}  // namespace
}  // namespace annals

int main(int argc, char** argv) {
  using namespace annals;
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

  auto* sch = app.add_subcommand("schools", "the roster of a district on a date");
  std::string audit = "http://127.0.0.1:8080", district, at, recorded_at, format = "table";
  sch->add_option("district", district)->required();
  sch->add_option("--at", at, "date YYYY-MM-DD (default today)");
  sch->add_option("--recorded-at", recorded_at, "as the record stood at this time");
  sch->add_option("--audit", audit, "URL of the audit service")->envname("ANNALS_AUDIT_URL")->capture_default_str();
  sch->add_option("--format", format)->check(CLI::IsMember({"table", "json"}))->capture_default_str();

  auto* views_cmd = app.add_subcommand("views", "the projector's RocksDB views")->require_subcommand(1);
  auto* sum = views_cmd->add_subcommand("checksum", "a checksum of every view: a rebuilt store must print the same");
  std::string store_path = "var/views";
  sum->add_option("--store", store_path, "RocksDB directory of the views")->envname("ANNALS_STORE")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  try {
    if (sum->parsed()) return views_checksum(store_path);
    if (create->parsed()) {
      create_topics(common.brokers, TopicNames{common.topic_prefix}, partitions, replication);
      std::cout << "topics ready: " << common.topic_prefix << "{registry,personnel,enrollment,finance} ("
                << partitions << " partitions), " << common.topic_prefix << "deadletter\n";
      return 0;
    }
    if (write->parsed()) return write_schemas(dir);
    if (pub->parsed()) return import_files({files, services, batch, !restart, quiet});
    if (sch->parsed()) return schools(audit, district, at, recorded_at, format);
  } catch (const std::exception& e) {
    std::cerr << "annals: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
