// What `annals verify` checks offline, for someone who trusts only the platform's public key
// and the tree heads they kept: a signed head; an inclusion proof against a kept head; a
// consistency proof between two kept heads. Each takes the JSON the audit service serves
// (GET .../log/head, .../log/inclusion, .../log/consistency) and says what holds, or the
// first thing that does not.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "services/transparency/signed_tree_head.h"

namespace annals::transparency {

struct Verdict {
  bool ok = false;
  std::string message;  // what was verified, or what failed and where
};

// The head's signature is `key`'s over its text.
Verdict check_head(const nlohmann::json& head, const PublicKey& key);

// `head` verifies, and `proof` proves its event's leaf (whose hash is recomputed from the
// leaf bytes) in the head's tree of that log: the proof's tree size and root are the head's.
Verdict check_inclusion(const nlohmann::json& head, const nlohmann::json& proof,
                        const PublicKey& key);

// Both heads verify, are of the same district, and `proof` (one per log) shows each of the
// older head's logs to be a prefix of the newer head's.
Verdict check_consistency(const nlohmann::json& older, const nlohmann::json& newer,
                          const nlohmann::json& proof, const PublicKey& key);

}  // namespace annals::transparency
