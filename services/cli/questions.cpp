#include "services/cli/questions.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "services/cli/table.h"

namespace annals {

using nlohmann::json;

namespace {

namespace fs = std::filesystem;

std::string trimmed(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// Warns when a file holding tokens may be read by other users.
void warn_if_shared(const std::string& path) {
  std::error_code ec;
  auto perms = fs::status(path, ec).permissions();
  if (!ec && (perms & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none)
    std::cerr << "annals: warning: " << path
              << " holds tokens and other users may read it (chmod 600 " << path << ")\n";
}

// What asking gave: the value, or the exit status to stop with (1, or kAccessRefused).
template <class T>
struct Asked {
  std::optional<T> value;
  int exit_status = 1;

  explicit operator bool() const { return value.has_value(); }
  T& operator*() { return *value; }
  T* operator->() { return &*value; }
};

// The message of an answer that is not 200: its "error", or the start of its body.
std::string error_of(const httplib::Response& res, const std::string& token) {
  json body = json::parse(res.body, nullptr, false);
  std::string text = body.is_object() && body.contains("error") && body["error"].is_string()
                         ? body["error"].get<std::string>()
                         : res.body.substr(0, 500);
  return redacted(text, token);
}

// Says why the service refused the credential (401) or what it may not see (403).
void report_refusal(const httplib::Response& res, const Credential& credential) {
  std::cerr << "annals: access refused (" << res.status << "): " << error_of(res, credential.token)
            << " (the " << (res.status == 401 ? "token" : "identity of the token") << " from "
            << credential.origin << ")"
            << (res.status == 401 ? "; set ANNALS_TOKEN, --token-file or --credentials" : "")
            << "\n";
}

Asked<httplib::Result> get(const Question& q,
                           const std::map<std::string, std::string>& extra = {}) {
  Credential credential;
  try {
    credential = question_credential(q.credentials);
  } catch (const std::exception& e) {
    std::cerr << "annals: " << e.what() << "\n";
    return {std::nullopt, kAccessRefused};
  }
  httplib::Client client(q.audit);
  client.set_connection_timeout(5);
  client.set_read_timeout(300);
  client.set_bearer_token_auth(credential.token);  // the one place a question's token is sent
  httplib::Params params;
  for (const auto& [k, v] : q.params)
    if (!v.empty()) params.emplace(k, v);
  for (const auto& [k, v] : extra) params.emplace(k, v);
  auto res = client.Get(httplib::append_query_params(q.path, params));
  if (!res) {
    std::cerr << "annals: " << q.audit << ": " << httplib::to_string(res.error()) << "\n";
    return {};
  }
  if (res->status == 401 || res->status == 403) {
    report_refusal(*res, credential);
    return {std::nullopt, kAccessRefused};
  }
  if (res->status != 200) {
    std::cerr << "annals: HTTP " << res->status << ": " << error_of(*res, credential.token) << "\n";
    return {};
  }
  return {std::move(res), 0};
}

// Asks; on success prints the JSON itself when asked to and returns it for a table.
Asked<json> ask(const Question& q) {
  auto res = get(q);
  if (!res) return {std::nullopt, res.exit_status};
  json body = json::parse((*res)->body, nullptr, false);
  if (body.is_discarded()) {
    std::cerr << "annals: the audit service answered something that is not JSON\n";
    return {};
  }
  return {std::move(body), 0};
}

std::string num(const json& v, int digits = 2) {
  if (v.is_null()) return "";
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_string()) return v.get<std::string>();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v.get<double>());
  return buf;
}

std::string verdict(const json& v) { return v.is_null() ? "-" : v.get<bool>() ? "pass" : "FAIL"; }

void emit(const Question& q, const Table& t) {
  if (q.format == "csv") t.print_csv(std::cout);
  else t.print(std::cout);
}

// The headline of a data summary for an event: its subject ids and main fields.
std::string summary(const json& data) {
  std::string out;
  for (const auto& [k, v] : data.items()) {
    std::string value = v.is_string() ? v.get<std::string>() : v.dump();
    if (value.size() > 40) value = value.substr(0, 37) + "...";
    out += (out.empty() ? "" : " ") + k + "=" + value;
    if (out.size() > 100) break;
  }
  return out;
}

Table events_table(const json& events) {
  Table t({"effective", "recorded_at", "type", "data"});
  for (const auto& e : events) {
    std::string type = e["type"].get<std::string>();
    if (e.contains("retracted_at"))
      type += " (retracted " + e["retracted_at"].get<std::string>() + ")";
    if (e.value("correction", false)) type += " (recorded later)";
    t.add({e["effective_date"], e.value("recorded_at", ""), type, summary(e["data"])});
  }
  return t;
}

}  // namespace

bool token_shaped(const std::string& token) {
  if (token.empty() || token.size() > 1024) return false;
  for (unsigned char c : token)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

std::string redacted(std::string text, const std::string& token) {
  if (token.empty()) return text;
  for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at))
    text.replace(at, token.size(), "<token>");
  return text;
}

std::string credentials_path(const std::string& given) {
  if (!given.empty()) return given;
  std::error_code ec;
  return fs::exists("var/credentials", ec) ? "var/credentials" : "";
}

std::map<std::string, std::string> read_credentials(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the credentials file " + path);
  warn_if_shared(path);
  std::map<std::string, std::string> out;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    std::istringstream fields(line);
    std::string name, token, more;
    if (!(fields >> name) || name[0] == '#') continue;
    std::string where = path + " line " + std::to_string(n);
    if (!(fields >> token) || (fields >> more) || !token_shaped(token))
      throw std::runtime_error(where + ": expected '<name> <token>'");
    if (!out.emplace(name, token).second)
      throw std::runtime_error(where + ": repeats the name of an earlier line");
  }
  return out;
}

Credential question_credential(const CredentialOptions& o) {
  if (const char* env = std::getenv("ANNALS_TOKEN"); env && *env) {
    std::string token = trimmed(env);
    if (!token_shaped(token))
      throw std::runtime_error("ANNALS_TOKEN does not hold a token (one word, printable ASCII)");
    return {token, "ANNALS_TOKEN"};
  }
  if (!o.token_file.empty()) {
    std::ifstream in(o.token_file);
    if (!in) throw std::runtime_error("cannot read the token file " + o.token_file);
    warn_if_shared(o.token_file);
    std::string line;
    std::getline(in, line);
    std::string token = trimmed(line);
    if (!token_shaped(token))
      throw std::runtime_error("the first line of " + o.token_file + " does not hold a token");
    return {token, "the token file " + o.token_file};
  }
  std::string path = credentials_path(o.credentials);
  if (path.empty())
    throw std::runtime_error(
        "no credential: set ANNALS_TOKEN, --token-file FILE or --credentials FILE (default "
        "var/credentials, absent here)");
  auto lines = read_credentials(path);
  auto it = lines.find(o.as);
  if (it == lines.end())
    throw std::runtime_error("no credential: " + path + " has no line named '" + o.as +
                             "' (--as NAME picks another)");
  return {it->second, "the line '" + o.as + "' of " + path};
}

int ask_districts(const Question& q) {
  auto body = ask(q);
  if (!body) return body.exit_status;
  if (q.format == "json") return std::cout << body->dump(2) << "\n", 0;
  Table t({"district", "name", "city", "schools open today"});
  for (const auto& d : (*body)["districts"])
    t.add({d["id"], d.value("name", ""), d.value("city", ""), num(d["schools_open_today"])});
  emit(q, t);
  return 0;
}

int ask_state(const Question& q) {
  auto body = ask(q);
  if (!body) return body.exit_status;
  if (q.format == "json") return std::cout << body->dump(2) << "\n", 0;
  const json& b = *body;
  if (q.format == "table")
    std::cout << b.value("district_name", b["district"].get<std::string>()) << " on "
              << b["at"].get<std::string>()
              << (b["recorded_at"].is_null()
                      ? ""
                      : " as recorded at " + b["recorded_at"].get<std::string>())
              << ": " << b["schools"].size() << " schools\n\n";
  Table t({"school", "name", "stages", "primary", "junior", "teachers", "floor m²", "sports m²",
           "equipment ¥", "absorbed"});
  for (const auto& s : b["schools"]) {
    std::string stages, absorbed;
    for (const auto& st : s["stages"])
      stages += (stages.empty() ? "" : "+") + st.get<std::string>();
    for (const auto& a : s["absorbed"])
      absorbed += (absorbed.empty() ? "" : ", ") + a["name"].get<std::string>() + " " +
                  a["on"].get<std::string>();
    const json& f = s["figures"];
    auto fig = [&](const char* section, const char* measure) {
      return f.contains(section) && f[section].contains(measure) ? f[section][measure] : json();
    };
    auto sum = [&](const char* measure) {
      double n = 0;
      bool any = false;
      for (const char* sec : {"primary", "junior", "whole"})
        if (auto v = fig(sec, measure); !v.is_null()) n += v.get<double>(), any = true;
      return any ? json(n) : json();
    };
    auto teachers = [&] {
      std::int64_t n = 0;
      for (const char* sec : {"primary", "junior"})
        if (auto v = fig(sec, "teachers"); !v.is_null()) n += v.get<std::int64_t>();
      return n;
    };
    t.add({s["school_id"], s["name"], stages, num(fig("primary", "students")),
           num(fig("junior", "students")), std::to_string(teachers()), num(sum("floor_area_m2"), 0),
           num(sum("sports_area_m2"), 0), num(sum("equipment_value_yuan"), 0), absorbed});
  }
  emit(q, t);
  if (q.format == "table" && !b["clusters"].empty()) {
    std::cout << "\n";
    Table c({"cluster", "name", "kind", "members"});
    for (const auto& cl : b["clusters"]) {
      std::string members;
      for (const auto& m : cl["members"])
        members += (members.empty() ? "" : ", ") + m["school_id"].get<std::string>() + " (" +
                   m["role"].get<std::string>() + ")";
      c.add({cl["cluster_id"], cl["name"], cl["kind"], members});
    }
    c.print(std::cout);
  }
  return 0;
}

int ask_indicators(const Question& q) {
  if (q.format == "csv") {  // the official table, as the service lays it out
    auto res = get(q, {{"format", "csv"}});
    if (!res) return res.exit_status;
    std::cout << (*res)->body;
    return 0;
  }
  auto body = ask(q);
  if (!body) return body.exit_status;
  if (q.format == "json") return std::cout << body->dump(2) << "\n", 0;
  const json& b = *body;
  std::cout << b["district_name"].get<std::string>() << " on " << b["at"].get<std::string>()
            << " under " << b["standard"]["reference"].get<std::string>() << " "
            << b["standard"]["title"].get<std::string>() << "\n"
            << "  (" << b["standard"]["why"].get<std::string>() << ")\n";
  for (const auto& s : b["stages"]) {
    std::cout << "\n"
              << s["stage"].get<std::string>() << ": " << num(s["schools_counted"]) << " schools, "
              << num(s["students"]) << " students; CV rule " << s["cv_rule"].get<std::string>()
              << " <= " << num(s["max_cv"]) << ": " << verdict(s["passes"]) << "\n";
    Table t({"indicator", "district", "CV", "max CV", "verdict", "minimum", "schools below"});
    for (const auto& i : s["indicators"])
      t.add({i["name"], num(i["district_value"]), num(i["cv"], 4), num(i["max_cv"]),
             verdict(i["passes"]), num(i["minimum"]),
             i["minimum"].is_null() ? "" : num(i["schools_below_minimum"])});
    if (!s["composite_cv"].is_null())
      t.add({"composite CV (综合差异系数)", "", num(s["composite_cv"], 4), "", "", "", ""});
    t.print(std::cout);
    std::vector<std::string> header{"school", "students"};
    for (const auto& i : s["indicators"]) header.push_back(i["id"]);
    header.push_back("complies");
    Table schools(header);
    for (const auto& sc : s["schools"]) {
      std::vector<std::string> row{sc["name"], num(sc["students"])};
      for (const auto& i : s["indicators"]) {
        const std::string id = i["id"];
        std::string cell = sc.contains("values") ? num(sc["values"][id]) : "";
        if (sc.contains("meets_minimum") && !sc["meets_minimum"][id].get<bool>()) cell += "*";
        row.push_back(cell);
      }
      row.push_back(sc.contains("excluded") ? "excluded: " + sc["excluded"].get<std::string>()
                                            : verdict(sc["complies"]));
      schools.add(row);
    }
    std::cout << "\n";
    schools.print(std::cout);
  }
  if (b.contains("guarantees") && !b["guarantees"].empty()) {
    std::cout << "\nguarantees\n";
    Table g({"guarantee", "district", "threshold", "verdict", "schools failing"});
    for (const auto& x : b["guarantees"]) {
      // Shares and growths to 4 places (0.0497 is not 0.05), whole numbers without any, money
      // to 2.
      const bool share = x["unit"] == "share";
      auto amount = [&](const json& v) {
        if (share || !v.is_number()) return num(v, 4);
        return num(v, v.get<double>() == std::floor(v.get<double>()) ? 0 : 2);
      };
      const std::string c = x["comparison"];
      std::string threshold = (c == "at_most" ? "<= "
                               : c == "above" ? "> "
                                              : ">= ") +
                              amount(x["threshold"]);
      if (x.contains("threshold_both_stages"))
        threshold += " (both stages " + amount(x["threshold_both_stages"]) + ")";
      if (x["year"].is_number()) threshold += " (" + num(x["year"]) + ")";
      std::string failing;
      for (const auto& f : x["failing"])
        failing +=
            (failing.empty() ? "" : ", ") + f["name"].get<std::string>() + " " + amount(f["value"]);
      g.add({x["name"], amount(x["value"]), threshold, verdict(x["met"]), failing});
    }
    g.print(std::cout);
  }
  std::cout << "\nverdict: " << verdict(b["complies"]) << "   (* below the school minimum)\n";
  return 0;
}

int ask_series(const Question& q) {
  auto body = ask(q);
  if (!body) return body.exit_status;
  if (q.format == "json") return std::cout << body->dump(2) << "\n", 0;
  // One row per date and stage, one column per indicator's CV.
  std::vector<std::string> ids;
  for (const auto& p : (*body)["points"])
    if (p.contains("stages"))
      for (const auto& [stage, s] : p["stages"].items())
        for (const auto& [id, cv] : s["cv"].items())
          if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  std::vector<std::string> header{"date", "standard", "stage"};
  header.insert(header.end(), ids.begin(), ids.end());
  header.insert(header.end(), {"composite", "verdict"});
  Table t(header);
  for (const auto& p : (*body)["points"]) {
    if (!p.contains("stages")) {
      t.add({p["at"], "-"});
      continue;
    }
    for (const auto& [stage, s] : p["stages"].items()) {
      std::vector<std::string> row{p["at"], p["standard"], stage};
      for (const auto& id : ids) row.push_back(s["cv"].contains(id) ? num(s["cv"][id], 4) : "");
      row.push_back(num(s["composite_cv"], 4));
      row.push_back(verdict(s["passes"]));
      t.add(row);
    }
  }
  emit(q, t);
  return 0;
}

int ask_diff(const Question& q) {
  auto body = ask(q);
  if (!body) return body.exit_status;
  if (q.format == "json") return std::cout << body->dump(2) << "\n", 0;
  const json& b = *body;
  Table t({"school", "name", "change"});
  for (const auto& s : b["schools_opened"])
    t.add({s["school_id"], s["name"], "opened " + s["opened_on"].get<std::string>()});
  for (const auto& s : b["schools_stopped"])
    t.add({s["school_id"], s["name"],
           s.contains("merged_into") ? "merged into " + s["merged_into"].get<std::string>()
                                     : "closed " + s.value("closed_on", "")});
  for (const auto& s : b["schools_changed"]) {
    for (const auto& r : s["record"]) t.add({s["school_id"], s["name"], r});
    for (const auto& f : s["figures"])
      t.add({s["school_id"], s["name"],
             f["section"].get<std::string>() + " " + f["measure"].get<std::string>() + ": " +
                 num(f["before"]) + " -> " + num(f["after"]) +
                 (f.value("unit", "count") == "count" ? "" : " " + f["unit"].get<std::string>())});
  }
  if (q.format == "table")
    std::cout << b["district"].get<std::string>() << ": from " << b["from"]["at"].get<std::string>()
              << " to " << b["to"]["at"].get<std::string>() << "\n\n";
  emit(q, t);
  if (q.format == "table") {
    std::cout << "\ncaused by " << num(b["events_total"]) << " events";
    for (const auto& [type, n] : b["events_by_type"].items()) std::cout << ", " << type << " " << n;
    if (b["events_truncated"].get<bool>())
      std::cout << " (first " << b["events"].size() << " listed)";
    std::cout << ":\n";
    events_table(b["events"]).print(std::cout);
  }
  return 0;
}

int ask_timeline(const Question& q) {
  auto body = ask(q);
  if (!body) return body.exit_status;
  if (q.format == "json") return std::cout << body->dump(2) << "\n", 0;
  if (q.format == "table")
    std::cout << "on " << (*body)["at"].get<std::string>() << ": " << (*body)["on"].dump()
              << "\n\n";
  emit(q, events_table((*body)["events"]));
  return 0;
}

int ask_events(const Question& q) {
  auto body = ask(q);
  if (!body) return body.exit_status;
  if (q.format == "json") return std::cout << body->dump(2) << "\n", 0;
  emit(q, events_table((*body)["events"]));
  if (q.format == "table" && !(*body)["next"].is_null())
    std::cout << "(more: --after " << (*body)["next"].get<std::string>() << ")\n";
  return 0;
}

int ask_rotations(const Question& q) {
  auto body = ask(q);
  if (!body) return body.exit_status;
  if (q.format == "json") return std::cout << body->dump(2) << "\n", 0;
  Table t({"date", "teacher", "kind", "from", "to", "direction", "strength", "post moves",
           "backbone", "until"});
  for (const auto& m : (*body)["transfers"])
    t.add({m["on"], m["teacher_id"], m["kind"],
           m.value("from_school", m["from_school_id"].get<std::string>()),
           m.value("to_school", m["to_school_id"].get<std::string>()), m["direction"],
           m.value("strength", ""), num(m["post_moves"]), num(m["backbone"]),
           m.value("end_date", "")});
  emit(q, t);
  if (q.format == "table") {
    const json& s = (*body)["summary"];
    std::cout << "\n"
              << num(s["total"]) << " transfers; by kind " << s["by_kind"].dump()
              << "; by direction " << s["by_direction"].dump() << "; by strength "
              << s.value("by_strength", json::object()).dump() << "; posts moved "
              << num(s["posts_moved"]) << "; backbone " << num(s["backbone"]) << " ("
              << num(double(s["backbone_share"].get<double>() * 100), 1) << "%)\n";
  }
  return 0;
}

int ask_admissions(const Question& q) {
  auto body = ask(q);
  if (!body) return body.exit_status;
  if (q.format == "json") return std::cout << body->dump(2) << "\n", 0;
  Table t({"学区 school district", "stage", "nearby", "lottery", "direct_promotion", "other"});
  for (const auto& [zone, stages] : (*body)["by_school_district"].items())
    for (const auto& [stage, modes] : stages.items())
      t.add({zone, stage, num(modes.value("nearby", 0)), num(modes.value("lottery", 0)),
             num(modes.value("direct_promotion", 0)), num(modes.value("other", 0))});
  emit(q, t);
  if (q.format == "table")
    std::cout << "\nintake " << num((*body)["intake"]) << "; migrant children "
              << num((*body)["migrant_students"]) << ", in public schools "
              << num((*body)["migrant_in_public_schools"]) << " ("
              << ((*body)["migrant_public_share"].is_null()
                      ? "-"
                      : num((*body)["migrant_public_share"].get<double>() * 100, 1) + "%")
              << ")\n";
  return 0;
}

}  // namespace annals
