#include "services/cli/verify.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "services/kafka/kafka_config.h"
#include "services/kafka/topic_reader.h"
#include "services/process/options.h"
#include "services/transparency/proof_check.h"
#include "services/verify/log_audit.h"

namespace annals {
namespace {

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (!in || !(text << in.rdbuf()))
    throw std::runtime_error(std::string("cannot read ") + what + " " + path);
  return std::move(text).str();
}

nlohmann::json read_json(const std::string& path, const char* what) {
  auto j = nlohmann::json::parse(read_file(path, what), nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(std::string(what) + " " + path + " is not JSON");
  return j;
}

transparency::PublicKey read_key(const std::string& path) {
  std::string error;
  auto key = transparency::public_key_from_pem(read_file(path, "the public key"), error);
  if (!key) throw std::runtime_error("the public key " + path + ": " + error);
  return *key;
}

int report(const transparency::Verdict& v) {
  if (v.ok) std::cout << "verified: " << v.message << "\n";
  else std::cout << "NOT verified: " << v.message << "\n";
  return v.ok ? 0 : 1;
}

struct Files {
  std::string key, head, older, newer, proof;
};

CLI::Option* required_file(CLI::App* app, const char* name, std::string& into, const char* what) {
  return app->add_option(name, into, what)->required()->check(CLI::ExistingFile);
}

struct AuditOptions {
  CommonOptions kafka;
  std::vector<std::string> districts, head_files;
  std::string store, key, scratch;
  bool digests = false;
};

// The heads in `text` (one JSON head, an array of them, or one a line), each with its source.
std::vector<std::pair<std::string, nlohmann::json>> heads_in(const std::string& text,
                                                             const std::string& source) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  auto whole = nlohmann::json::parse(text, nullptr, false);
  if (!whole.is_discarded()) {
    if (!whole.is_array()) return {{source, whole}};
    for (std::size_t i = 0; i < whole.size(); ++i)
      out.emplace_back(source + "#" + std::to_string(i), whole[i]);
    return out;
  }
  std::istringstream lines(text);
  std::string line;
  for (int n = 1; std::getline(lines, line); ++n)
    if (line.find_first_not_of(" \t\r") != std::string::npos)
      out.emplace_back(source + ":" + std::to_string(n),
                       nlohmann::json::parse(line, nullptr, false));
  return out;
}

// A scratch directory removed when done.
struct Scratch {
  explicit Scratch(std::string given) : path(std::move(given)), made(path.empty()) {
    if (made) {
      std::string pattern = (std::filesystem::temp_directory_path() / "annals-verify-XXXXXX");
      if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("cannot make a scratch directory in " +
                                 std::filesystem::temp_directory_path().string());
      path = pattern;
    }
  }
  ~Scratch() {
    std::error_code ignored;
    if (made) std::filesystem::remove_all(path, ignored);
  }
  std::string path;
  bool made;
};

std::string with_commas(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

int run_audit(const AuditOptions& o) {
  using Clock = std::chrono::steady_clock;
  TopicNames topics{o.kafka.topic_prefix};
  KafkaProperties settings = load_kafka_config(o.kafka.kafka_config);
  std::vector<verify::Finding> found;
  // The kept heads: verified with the key, or findings themselves.
  std::vector<std::pair<std::string, nlohmann::json>> offered;
  for (const auto& file : o.head_files)
    for (auto& h : heads_in(read_file(file, "the kept heads"), file))
      offered.push_back(std::move(h));
  if (o.digests) {
    TopicReaderOptions reader{o.kafka.brokers, settings, "annals-office-verify", "the digests"};
    read_topics(reader, {topics.digests()}, [&](ConsumedRecord&& r) {
      offered.emplace_back(
          topics.digests() + "/" + std::to_string(r.partition) + "@" + std::to_string(r.offset),
          nlohmann::json::parse(r.value, nullptr, false));
    });
  }
  if (!offered.empty() && o.key.empty())
    throw std::runtime_error("kept heads need the platform's public key: --key");
  std::vector<verify::KeptHead> kept;
  std::optional<transparency::PublicKey> key;
  if (!offered.empty()) key = read_key(o.key);
  for (auto& [source, j] : offered) {
    auto v = transparency::check_head(j, *key);
    std::string error;
    auto head = v.ok ? transparency::signed_head_from_json(j, error) : std::nullopt;
    if (!head) {
      found.push_back({j.is_object() ? j.value("district", "") : "", "kept head " + source,
                       v.ok ? error : v.message});
      continue;
    }
    if (o.districts.empty() ||
        std::count(o.districts.begin(), o.districts.end(), head->head.district))
      kept.push_back({source, head->head});
  }

  // The views as they are now, before the log is read to its end: they cannot be ahead of it
  // (a running projector goes on after this snapshot, which the secondary does not follow).
  Scratch scratch(o.scratch);
  std::unique_ptr<views::ViewStore> views;
  if (!o.store.empty()) {
    views = views::ViewStore::open_secondary(
        o.store, (std::filesystem::path(scratch.path) / "views-secondary").string());
    if (rocksdb::Status s = views->catch_up(); !s.ok())
      throw std::runtime_error("reading the views at " + o.store + ": " + s.ToString());
  }

  // The log, replayed by the projector's own acceptance.
  verify::Replay replay(scratch.path + "/replay", topics);
  auto started = Clock::now();
  std::vector<ConsumedRecord> batch;
  TopicReaderOptions reader{o.kafka.brokers, settings, "annals-office-verify", "the domain topics"};
  read_topics(reader, topics.domain(), [&](ConsumedRecord&& r) {
    batch.push_back(std::move(r));
    if (batch.size() == 5000) {
      replay.apply(batch);
      batch.clear();
    }
  });
  if (!batch.empty()) replay.apply(batch);
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::cout << "replayed " << with_commas(replay.records()) << " records of " << topics.prefix
            << "{registry,personnel,enrollment,finance} in " << seconds << " s ("
            << with_commas(static_cast<std::uint64_t>(replay.records() / std::max(seconds, 1e-3)))
            << " records/s): " << with_commas(replay.leaves()) << " leaves, " << replay.duplicates()
            << " duplicates, " << replay.dead_letters() << " dead letters"
            << (replay.dead_letters() ? " (the first: " + replay.first_dead_letter() + ")" : "")
            << "\n";
  std::vector<std::string> districts = o.districts;
  if (districts.empty()) districts = verify::log_districts(replay.store());
  for (const auto& d : districts) {
    auto head = transparency::tree_head(replay.store(), d);
    if (!head) continue;
    std::cout << "district " << d << ", from the log:";
    for (const auto& l : head->logs)
      std::cout << " " << to_string(l.log) << " " << l.size << " leaves (root "
                << transparency::to_hex(l.root).substr(0, 16) << "...)";
    std::cout << "\n";
  }

  // A place the views and the Kafka log both show (a back-dated record in both) is named once.
  auto report_part = [&](const std::vector<verify::Finding>& f) {
    for (const auto& x : f)
      if (std::none_of(found.begin(), found.end(), [&](const verify::Finding& y) {
            return x.district == y.district && x.where == y.where && x.message == y.message;
          }))
        found.push_back(x);
    return f.empty();
  };
  if (views) {
    std::vector<std::string> all = districts;
    if (o.districts.empty())
      for (auto& d : verify::log_districts(*views))
        if (!std::count(all.begin(), all.end(), d)) all.push_back(d);
    std::uint64_t behind = 0;
    if (report_part(verify::compare_with_views(replay.store(), *views, all, behind)))
      std::cout << "the views (" << o.store
                << ") agree with the log leaf by leaf, every copy of every event included"
                << (behind ? " (" + with_commas(behind) + " leaves not projected yet)" : "")
                << "\n";
    if (!kept.empty() && report_part(verify::compare_with_heads(*views, "the views", kept)))
      std::cout << "the views hold every kept head\n";
  }
  if (!offered.empty()) {
    std::cout << kept.size() << " of " << offered.size() << " kept heads verify with key "
              << transparency::key_id(*key) << "\n";
    if (report_part(verify::compare_with_heads(replay.store(), "the Kafka log", kept)))
      std::cout << "the Kafka log holds every kept head, and nothing back-dated past one\n";
  }
  for (const auto& f : found)
    std::cout << "PARTS: district " << (f.district.empty() ? "?" : f.district) << ", " << f.where
              << ": " << f.message << "\n";
  if (!found.empty()) std::cout << found.size() << " place(s) where the record parts\n";
  else if (o.store.empty() && offered.empty())
    std::cout
        << "replayed; nothing compared (--store: the views; --heads, --digests: kept heads)\n";
  else
    std::cout << "verified: the record agrees with " << (o.store.empty() ? "" : "the views and ")
              << (offered.empty() ? "itself" : "every kept head") << "\n";
  return found.empty() ? 0 : 1;
}

}  // namespace

void add_keys(CLI::App& app, Commands& out) {
  auto* keys = app.add_subcommand("keys", "the key that signs the districts' tree heads")
                   ->require_subcommand(1);
  auto* generate = keys->add_subcommand(
      "generate",
      "a new Ed25519 key pair: the private key (readable by its owner only) for the "
      "audit service's --signing-key, the public key for everyone who checks heads");
  struct Options {
    std::string private_path = "var/signing-key.pem", public_path = "var/signing-key.pub.pem";
  };
  auto o = std::make_shared<Options>();
  generate
      ->add_option("--private", o->private_path,
                   "where to write the private key (PEM); "
                   "never overwritten")
      ->capture_default_str();
  generate->add_option("--public", o->public_path, "where to write the public key (PEM)")
      ->capture_default_str();
  out.push_back({generate, [o] {
                   auto key = transparency::write_new_key(o->private_path, o->public_path);
                   std::cout << "wrote the private key to " << o->private_path
                             << " and the public key (id " << transparency::key_id(key) << ") to "
                             << o->public_path << "\n";
                   return 0;
                 }});
}

void add_verify(CLI::App& app, Commands& out) {
  auto* verify =
      app.add_subcommand("verify",
                         "check signed tree heads and proofs offline, trusting only the public key")
          ->require_subcommand(1);
  auto f = std::make_shared<Files>();
  auto key_option = [&](CLI::App* a) {
    required_file(a, "--key", f->key, "the platform's public key (PEM)");
  };
  auto* head = verify->add_subcommand("head", "a signed tree head (the JSON of GET .../log/head)");
  key_option(head);
  required_file(head, "--head", f->head, "the head");
  out.push_back({head, [f] {
                   return report(
                       transparency::check_head(read_json(f->head, "the head"), read_key(f->key)));
                 }});
  auto* inclusion = verify->add_subcommand(
      "inclusion", "an event's inclusion proof (GET .../log/inclusion) in a kept head's record");
  key_option(inclusion);
  required_file(inclusion, "--head", f->head, "the kept head");
  required_file(inclusion, "--proof", f->proof, "the inclusion proof");
  out.push_back({inclusion, [f] {
                   return report(transparency::check_inclusion(read_json(f->head, "the head"),
                                                               read_json(f->proof, "the proof"),
                                                               read_key(f->key)));
                 }});
  auto* consistency = verify->add_subcommand(
      "consistency",
      "that an older kept head's record is a prefix of a newer one's (GET .../log/consistency)");
  key_option(consistency);
  required_file(consistency, "--older", f->older, "the older head");
  required_file(consistency, "--newer", f->newer, "the newer head");
  required_file(consistency, "--proof", f->proof, "the consistency proof");
  out.push_back({consistency, [f] {
                   return report(transparency::check_consistency(
                       read_json(f->older, "the older head"), read_json(f->newer, "the newer head"),
                       read_json(f->proof, "the proof"), read_key(f->key)));
                 }});
  auto* audit = verify->add_subcommand(
      "audit",
      "replay the domain topics from Kafka with the projector's own acceptance, recompute every "
      "district's logs, and compare them with the views (--store) and with kept heads (--heads, "
      "--digests), naming the first place each parts");
  auto a = std::make_shared<AuditOptions>();
  add_kafka_options(*audit, a->kafka);
  audit->add_option("--district", a->districts, "only this district (repeatable; default: all)");
  audit->add_option("--store", a->store, "the projector's views to compare (RocksDB directory)")
      ->check(CLI::ExistingDirectory);
  audit
      ->add_option("--heads", a->head_files,
                   "kept heads: files of one head, a JSON array of heads, or one head a line "
                   "(repeatable)")
      ->check(CLI::ExistingFile);
  audit->add_flag("--digests", a->digests, "also every head published to the digests topic");
  audit->add_option("--key", a->key, "the platform's public key (PEM), to check kept heads")
      ->check(CLI::ExistingFile);
  audit->add_option("--scratch", a->scratch,
                    "an empty directory for the replayed store (default: a temporary one, "
                    "removed afterwards)");
  out.push_back({audit, [a] { return run_audit(*a); }});
}

}  // namespace annals
