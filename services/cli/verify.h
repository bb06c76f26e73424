// annals keys generate: the Ed25519 key pair that signs tree heads; annals verify head |
// inclusion | consistency: the checks someone who trusts only the public key and the heads
// they kept can run, offline, on the files the audit service served
// (services/transparency/proof_check.h, docs/verifiable-log.md). Exit status 0 when verified,
// 1 when not (or a file cannot be read), with the reason.
#pragma once

#include <CLI/CLI.hpp>

#include "services/cli/command.h"

namespace annals {

// Adds `annals keys generate` to `app`.
void add_keys(CLI::App& app, Commands& out);

// Adds `annals verify` and its subcommands to `app`.
void add_verify(CLI::App& app, Commands& out);

}  // namespace annals
