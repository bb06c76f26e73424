#include "services/http/http_options.h"

namespace annals {

void add_http_options(CLI::App& app, HttpOptions& options) {
  app.add_option("--tokens", options.tokens,
                 "the token file of the identities this process answers (annals tokens add)")
      ->envname("ANNALS_TOKENS")
      ->capture_default_str();
  app.add_option("--tls-cert", options.tls_cert, "PEM certificate: serve HTTPS instead of HTTP")
      ->envname("ANNALS_TLS_CERT");
  app.add_option("--tls-key", options.tls_key, "PEM private key of --tls-cert")
      ->envname("ANNALS_TLS_KEY");
  app.add_option("--tls-client-ca", options.tls_client_ca,
                 "PEM CA bundle: require client certificates signed by it (mutual TLS); a "
                 "certificate's subject names an identity of the token file")
      ->envname("ANNALS_TLS_CLIENT_CA");
}

}  // namespace annals
