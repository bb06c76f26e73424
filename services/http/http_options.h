// The flags of every Annals HTTP process about who may call it: the token file and, as an
// option for system-to-system calls, TLS with client certificates (mutual TLS).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace annals {

struct HttpOptions {
  std::string tokens = "var/tokens";  // the token file (services/auth/token_file.h)
  std::string tls_cert;               // PEM server certificate: serve HTTPS when set
  std::string tls_key;                // its PEM private key
  std::string tls_client_ca;          // PEM CA bundle: ask for and verify client certificates
  std::vector<std::string> open;      // paths answered without a credential ("/ui/*": all under it)
};

// Adds --tokens (ANNALS_TOKENS), --tls-cert (ANNALS_TLS_CERT), --tls-key (ANNALS_TLS_KEY) and
// --tls-client-ca (ANNALS_TLS_CLIENT_CA) to `app`.
void add_http_options(CLI::App& app, HttpOptions& options);

}  // namespace annals
