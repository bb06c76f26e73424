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
//
// Every question carries a bearer token (Authorization: Bearer), found in this order: the
// ANNALS_TOKEN environment variable; the first line of --token-file FILE (ANNALS_TOKEN_FILE);
// the line named --as NAME (default city-reader) of the credentials file, --credentials FILE
// (ANNALS_CREDENTIALS; default var/credentials when it exists), whose lines are
// `<name> <token>`. No token is ever printed, not even in an error.
#pragma once

#include <map>
#include <string>

namespace annals {

// The exit status of a command that has no credential, or whose credential the service
// refused (401 unknown, revoked or malformed; 403 outside its role or districts).
inline constexpr int kAccessRefused = 3;

// Where a question's credential comes from (see the top of this file).
struct CredentialOptions {
  std::string token_file;          // --token-file: the token on its first line
  std::string credentials;         // --credentials: lines "<name> <token>"; empty: the default
  std::string as = "city-reader";  // --as: the credentials file's line to use
};

// A token and where it came from: messages name the origin, never the token.
struct Credential {
  std::string token;
  std::string origin;  // "ANNALS_TOKEN", "the token file F", "the line 'x' of F"
};

// True when `token` can be sent as a bearer token: one word of printable ASCII (no space, no
// control character), as `annals_<id>_<secret>` is. Whether it is valid is the service's call.
bool token_shaped(const std::string& token);

// The credentials file to read: `given` when not empty, else var/credentials when it exists,
// else "".
std::string credentials_path(const std::string& given);

// The lines `<name> <token>` of the credentials file at `path`, by name; blank lines and lines
// starting with '#' are skipped. Warns on stderr when others may read the file. Throws
// std::runtime_error naming the file and the line (never its text) when it cannot be read, a
// line is malformed or a name repeats.
std::map<std::string, std::string> read_credentials(const std::string& path);

// The credential of the questions: ANNALS_TOKEN when set, else the first line of
// `o.token_file`, else the line named `o.as` of the credentials file. Throws
// std::runtime_error saying what is missing or malformed (never a token).
Credential question_credential(const CredentialOptions& o);

// `text` with every occurrence of `token` replaced by "<token>": what a service answered,
// made safe to print should it ever echo the credential.
std::string redacted(std::string text, const std::string& token);

struct Question {
  std::string audit = "http://127.0.0.1:8080";
  std::string format = "table";               // table, json, csv
  std::string path;                           // /v1/...
  std::map<std::string, std::string> params;  // empty values are left out
  CredentialOptions credentials;              // read once per question, when it is asked
};

// Asks and prints; returns the process exit status: 0, 1 with the service's error on stderr,
// or kAccessRefused with why (no credential, or the service answered 401 or 403).
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
