// The identities the integration tests call the stack with: ctest's `tokens` fixture
// (tests/support/make_test_tokens, run once with the real `annals tokens add`) writes a token
// file, which every process a test starts reads (ANNALS_TOKENS, inherited), and a credentials
// file of `<name> <token>` lines that ANNALS_TEST_CREDENTIALS names:
//   registry, personnel, enrollment, finance   the source of that system (any source, every
//                                              district): POST /v1/events on its service
//   city-reader                                reader of every district: the audit's /v1/...
//   metrics                                    /metrics of every process, /v1/progress
//   auditor                                    the audit's /v1/access-log
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <httplib.h>

namespace annals::testing {

// The token of the identity `name` of the fixture's credentials file. Throws
// std::runtime_error when there is no such file or line (a test not run through ctest).
inline std::string token(const std::string& name) {
  const char* path = std::getenv("ANNALS_TEST_CREDENTIALS");
  if (!path || !*path)
    throw std::runtime_error(
        "ANNALS_TEST_CREDENTIALS is not set: run the test through ctest (its `tokens` "
        "fixture), or set it to the credentials file tests/support/make_test_tokens DIR wrote");
  std::ifstream in(path);
  if (!in) throw std::runtime_error(std::string("cannot read the credentials file ") + path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string first, second;
    if (fields >> first >> second && first == name) return second;
  }
  throw std::runtime_error(std::string("no line named '") + name + "' in " + path);
}

// A client of the process on 127.0.0.1:`port` that sends the token of `name`.
inline httplib::Client client_as(int port, const std::string& name) {
  httplib::Client c("127.0.0.1", port);
  c.set_bearer_token_auth(token(name));
  return c;
}

}  // namespace annals::testing
