// The supervisors' questions from a shell: each asks the audit service over HTTP and prints
// an aligned table (default), the JSON answer, or CSV.
//
//   annals districts
//   annals state DISTRICT --at D [--recorded-at T]
//   annals indicators DISTRICT --at D [--standard ID] [--recorded-at T]
//   annals series DISTRICT --from D1 --to D2 [--step year|month]
//   annals diff DISTRICT --from D1 --to D2 [--from-recorded-at T1] [--to-recorded-at T2]
//   annals timeline school|teacher|cluster ID [--at D]
//   annals events DISTRICT [--from D1] [--to D2] [--type T] [--limit N]
//   annals rotations DISTRICT --from D1 --to D2 [--cluster C]
//   annals admissions DISTRICT --year Y
#pragma once

#include <map>
#include <string>

namespace annals {

struct Question {
  std::string audit = "http://127.0.0.1:8080";
  std::string format = "table";               // table, json, csv
  std::string path;                           // /v1/...
  std::map<std::string, std::string> params;  // empty values are left out
};

// Asks and prints; returns the process exit status (1 with the service's error on stderr).
int ask_districts(const Question& q);
int ask_state(const Question& q);
int ask_indicators(const Question& q);
int ask_series(const Question& q);
int ask_diff(const Question& q);
int ask_timeline(const Question& q);
int ask_events(const Question& q);
int ask_rotations(const Question& q);
int ask_admissions(const Question& q);

}  // namespace annals
