// annals tokens add|list|revoke: the operator's hand on the token file
// (services/auth/token_file.h). `add` prints the new token once, on stdout, and never again:
// only its hash is kept. `revoke` keeps the identity in the file, marked revoked, and every
// running process refuses its token within a second (services/auth/authenticator.h).
#pragma once

#include <CLI/CLI.hpp>

#include "services/cli/command.h"

namespace annals {

// Adds `annals tokens` and its three subcommands to `app`.
void add_tokens(CLI::App& app, Commands& out);

}  // namespace annals
