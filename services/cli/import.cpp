#include "services/cli/import.h"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "events/bounds.h"
#include "events/csv_codec.h"
#include "events/event.h"
#include "events/json_documents.h"
#include "services/cli/questions.h"

namespace annals {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct Pending {
  std::size_t line;
  std::string text;  // the event document, one line
};

using Tokens = std::map<System, Credential>;

constexpr System kServices[] = {System::registry, System::personnel, System::enrollment,
                                System::finance};

std::string upper(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Each service's source token: ANNALS_TOKEN_<SYSTEM>, else the credentials file's line named
// after the system. A service without one is left out (an error once it is needed).
Tokens source_tokens(const std::string& credentials) {
  Tokens out;
  std::string path = credentials_path(credentials);
  std::map<std::string, std::string> lines;
  if (!path.empty()) lines = read_credentials(path);
  for (System system : kServices) {
    std::string name(to_string(system)), env = "ANNALS_TOKEN_" + upper(name);
    if (const char* token = std::getenv(env.c_str()); token && *token) {
      if (!token_shaped(token))
        throw std::runtime_error(env + " does not hold a token (one word, printable ASCII)");
      out[system] = {token, env};
    } else if (auto it = lines.find(name); it != lines.end())
      out[system] = {it->second, "the line '" + name + "' of " + path};
  }
  return out;
}

struct Totals {
  std::size_t lines = 0, accepted = 0, duplicates = 0, rejected = 0;
  std::map<std::string, std::size_t> by_code;
};

class Importer {
 public:
  Importer(const ImportOptions& o, const std::string& file, const Tokens& tokens)
      : o_(o), file_(file), tokens_(tokens) {
    for_each_payload_type(
        [&]<class T>(std::type_identity<T>) { system_of_type_[T::kType] = T::kSystem; });
  }

  int run() {
    std::ifstream in(file_, std::ios::binary);
    if (!in) return fail("cannot read " + file_);
    total_bytes_ = fs::file_size(file_);
    std::size_t skip = o_.resume ? read_checkpoint() : 0;
    rejects_.open(file_ + ".rejects.ndjson", skip ? std::ios::app : std::ios::trunc);
    bool csv = file_.ends_with(".csv");
    std::vector<std::string> header, row;
    std::string line;
    std::size_t n = 0;
    started_ = last_report_ = std::chrono::steady_clock::now();
    while (std::getline(in, line)) {
      ++n;
      bytes_ += line.size() + 1;
      if (csv && n == 1) {
        if (!line.empty() && line.compare(0, 3, "\xEF\xBB\xBF") == 0)
          line.erase(0, 3);  // Excel's BOM
        split_csv_line(line, header);
        continue;
      }
      if (n <= skip) continue;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      ++totals_.lines;
      std::string text = line;
      if (csv) {
        std::vector<Violation> violations;
        if (!split_csv_line(line, row)) violations.push_back({"", "a quoted cell is not closed"});
        json doc = csv_row_to_json(header, row, violations);
        if (!violations.empty()) {
          reject(n, doc, violations);
          continue;
        }
        text = doc.dump();
      }
      pending_[route(text)].push_back({n, std::move(text)});
      if (++pending_count_ >= o_.batch)
        if (int stop = flush(n)) return stop;
      report(false);
    }
    if (int stop = flush(n)) return stop;
    report(true);
    std::cout << file_ << ": " << totals_.accepted << " accepted, " << totals_.duplicates
              << " already published, " << totals_.rejected << " rejected";
    for (const auto& [code, k] : totals_.by_code)
      std::cout << (code == totals_.by_code.begin()->first ? " (" : ", ") << code << " " << k;
    std::cout << (totals_.by_code.empty() ? "" : ")") << " in "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count()
              << " s\n";
    if (totals_.rejected) std::cout << "  reasons, line by line: " << file_ << ".rejects.ndjson\n";
    return totals_.rejected ? 1 : 0;
  }

  const Totals& totals() const { return totals_; }

 private:
  int fail(const std::string& why) {
    std::cerr << "annals import: " << why << "\n";
    return 2;
  }

  System route(const std::string& text) {
    std::string error;  // a line nested too deep is sent as it is; the service says why it refuses
    json doc = parse_bounded(text, DocumentLimits{}.max_depth, error);
    if (!doc.is_object() || !doc.contains("type") || !doc["type"].is_string())
      return System::registry;
    auto it = system_of_type_.find(doc["type"].get<std::string>());
    if (it == system_of_type_.end()) return System::registry;  // it will say why it refuses
    if (it->second != System::platform) return it->second;
    // A retraction goes to the service of the system named in its source.
    if (doc.contains("source") && doc["source"].is_string())
      for (System s : {System::registry, System::personnel, System::enrollment, System::finance})
        if (doc["source"].get<std::string>().find(to_string(s)) != std::string::npos) return s;
    return System::registry;
  }

  void reject(std::size_t line, const json& doc, const json& violations) {
    ++totals_.rejected;
    std::string code = violations.is_array() && !violations.empty()
                           ? violations[0].value("code", "invalid")
                           : "invalid";
    ++totals_.by_code[code];
    json r = {{"line", line}, {"violations", violations}};
    // Only a string id, quoted as a bounded excerpt: the line may hold anything.
    if (doc.is_object() && doc.contains("id") && doc["id"].is_string())
      r["id"] = excerpt(doc["id"].get_ref<const std::string&>());
    rejects_ << r.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  }
  void reject(std::size_t line, const json& doc, const std::vector<Violation>& violations) {
    json v = json::array();
    for (const auto& x : violations)
      v.push_back({{"pointer", x.pointer}, {"message", x.message}, {"code", x.code}});
    reject(line, doc, v);
  }

  // Sends every pending batch: the registry's first (the other services' rules read the
  // schools it publishes), then the others at once, each on a connection of its own (none of
  // their rules reads another's events). Returns 0, or the exit status that stops the import
  // (the batches the others answered are counted; a resume sends them again as duplicates).
  int flush(std::size_t through_line) {
    auto post = [this](System system, const std::vector<Pending>& batch, json& answer) {
      std::string body;
      for (const auto& p : batch) body += p.text + "\n";
      return send(system, body, answer);
    };
    std::map<System, json> answers;
    if (auto& registry = pending_[System::registry]; !registry.empty()) {
      if (int stop = post(System::registry, registry, answers[System::registry])) return stop;
      count(answers[System::registry], registry);
      registry.clear();
    }
    for (const auto& [system, batch] : pending_)
      if (!batch.empty()) answers[system];  // every answer's place, before the threads start
    std::vector<std::pair<System, std::future<int>>> sending;
    for (const auto& [system, batch] : pending_)
      if (!batch.empty())
        sending.emplace_back(system, std::async(std::launch::async, post, system, std::cref(batch),
                                                std::ref(answers[system])));
    int stop = 0;
    for (auto& [system, sent] : sending) {
      if (int s = sent.get()) {
        stop = stop ? stop : s;
        continue;
      }
      count(answers[system], pending_[system]);
      pending_[system].clear();
    }
    if (stop) return stop;
    pending_count_ = 0;
    rejects_.flush();
    if (o_.resume) write_checkpoint(through_line);
    return 0;
  }

  // Posts one service's batch with its source token, again while the service or the broker
  // is unavailable; `answer` gets the per-event results. Returns 0, 2 when the service fails,
  // kAccessRefused without a token or when the service refuses it.
  int send(System system, const std::string& body, json& answer) {
    const std::string& url = o_.services.at(system);
    auto credential = tokens_.find(system);
    if (credential == tokens_.end()) return no_token(system);
    const std::string& token = credential->second.token;
    for (int attempt = 0;; ++attempt) {
      httplib::Client client(url);
      client.set_connection_timeout(5);
      client.set_read_timeout(300);
      client.set_bearer_token_auth(token);  // the one place an import's token is sent
      auto res = client.Post("/v1/events", body, "application/x-ndjson");
      answer = res ? json::parse(res->body, nullptr, false) : json();
      bool answered = !answer.is_discarded() && answer.is_object() && answer.contains("results");
      if (res && res->status < 500 && answered) return 0;
      if (res && (res->status == 401 || res->status == 403))
        return refused(system, *res, answer, credential->second);
      if (res && res->status < 500) {
        std::cerr << "annals import: " << url << " answered " << res->status << ": "
                  << redacted(res->body.substr(0, 500), token) << "\n";
        return 2;
      }
      if (attempt >= 60) {
        std::cerr << "annals import: " << url
                  << " unavailable; run the same command again to resume\n";
        return 2;
      }
      std::this_thread::sleep_for(std::chrono::seconds(std::min(5, 1 + attempt)));
      // the same batch again: what did reach the topic comes back as duplicates
    }
  }

  int no_token(System system) {
    std::string name(to_string(system));
    std::cerr << "annals import: no credential for the " << name << " service: set ANNALS_TOKEN_"
              << upper(name) << " or add a line '" << name
              << " <token>' to the credentials file (--credentials, ANNALS_CREDENTIALS, default "
                 "var/credentials)\n";
    return kAccessRefused;
  }

  // Says why the service refused the credential (401) or the whole request (403).
  int refused(System system, const httplib::Response& res, const json& answer,
              const Credential& credential) {
    std::string name(to_string(system));
    std::string why = answer.is_object() && answer.contains("error") && answer["error"].is_string()
                          ? answer["error"].get<std::string>()
                          : res.body.substr(0, 500);
    std::cerr << "annals import: access refused (" << res.status << ") by the " << name
              << " service at " << o_.services.at(system) << ": " << redacted(why, credential.token)
              << " (the " << (res.status == 401 ? "token" : "identity of the token") << " from "
              << credential.origin << ")";
    if (res.status == 401)
      std::cerr << "; set ANNALS_TOKEN_" << upper(name) << " or the line '" << name
                << "' of --credentials";
    std::cerr << "\n";
    return kAccessRefused;
  }

  // Counts the service's per-event results; the refused events go to the rejects file.
  void count(const json& answer, const std::vector<Pending>& batch) {
    for (const auto& r : answer["results"]) {
      std::size_t index = r.value("index", std::size_t(0));
      if (index >= batch.size()) continue;
      if (r.value("status", "") == "accepted") {
        if (r.value("duplicate", false)) ++totals_.duplicates;
        else ++totals_.accepted;
      } else {
        std::string error;
        reject(batch[index].line,
               parse_bounded(batch[index].text, DocumentLimits{}.max_depth, error),
               r.value("violations", json::array()));
      }
    }
  }

  std::size_t read_checkpoint() {
    std::ifstream in(file_ + ".checkpoint");
    std::size_t line = 0;
    if (in >> line && line > 0 && !o_.quiet)
      std::cerr << "annals import: resuming " << file_ << " after line " << line << "\n";
    return line;
  }
  void write_checkpoint(std::size_t line) {
    std::string tmp = file_ + ".checkpoint.tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << line << "\n";
    }
    fs::rename(tmp, file_ + ".checkpoint");  // atomic: a crash leaves the old or the new one
  }

  // A progress line on a terminal; a log line every 10 s otherwise.
  void report(bool last) {
    if (o_.quiet) return;
    auto now = std::chrono::steady_clock::now();
    bool tty = isatty(STDERR_FILENO);
    if (!last && now - last_report_ < std::chrono::milliseconds(tty ? 200 : 10000)) return;
    last_report_ = now;
    double secs = std::chrono::duration<double>(now - started_).count();
    double pct = total_bytes_ ? 100.0 * double(bytes_) / double(total_bytes_) : 100.0;
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s %5.1f%% %zu events, %zu rejected, %.0f events/s",
                  file_.c_str(), pct, totals_.lines, totals_.rejected,
                  secs > 0 ? double(totals_.lines) / secs : 0.0);
    if (tty) {
      int width = 30, filled = int(pct / 100 * width);
      std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
                << buf << (last ? "\n" : "") << std::flush;
    } else {
      std::cerr << "annals import: " << buf << "\n";
    }
  }

  const ImportOptions& o_;
  std::string file_;
  const Tokens& tokens_;
  std::map<std::string, System> system_of_type_;
  std::map<System, std::vector<Pending>> pending_;
  std::size_t pending_count_ = 0;
  std::ofstream rejects_;
  Totals totals_;
  std::uintmax_t total_bytes_ = 0, bytes_ = 0;
  std::chrono::steady_clock::time_point started_, last_report_;
};

}  // namespace

int import_files(const ImportOptions& options) {
  Tokens tokens;
  try {
    tokens = source_tokens(options.credentials);
  } catch (const std::exception& e) {
    std::cerr << "annals import: " << e.what() << "\n";
    return kAccessRefused;
  }
  int worst = 0;
  for (const auto& file : options.files) {
    int rc = Importer(options, file, tokens).run();
    worst = std::max(worst, rc);
    if (rc >= 2) break;
  }
  return worst;
}

}  // namespace annals
