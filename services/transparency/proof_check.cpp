// Offline checks of heads and proofs (services/transparency/proof_check.h).
#include "services/transparency/proof_check.h"

namespace annals::transparency {

namespace {

using nlohmann::json;

Verdict fail(std::string message) { return {false, std::move(message)}; }

// The signed head in `j`, verified with `key`; nullopt with `verdict` set otherwise.
std::optional<SignedTreeHead> verified(const json& j, const PublicKey& key, const char* which,
                                       Verdict& verdict) {
  std::string error;
  auto head = signed_head_from_json(j, error);
  if (!head) {
    verdict = fail(std::string(which) + " is not a signed tree head: " + error);
    return std::nullopt;
  }
  if (!verify_head(*head, key)) {
    verdict = fail(std::string(which) + " of district '" + head->head.district +
                   "': the signature is not the key's (key id " + key_id(key) +
                   "): it was not signed with this key, or its text was changed");
    return std::nullopt;
  }
  return head;
}

// A list of hex hashes; nullopt when any is not one.
std::optional<std::vector<Hash>> hashes(const json& list) {
  if (!list.is_array()) return std::nullopt;
  std::vector<Hash> out;
  for (const auto& h : list) {
    if (!h.is_string()) return std::nullopt;
    auto hash = hash_from_hex(h.get<std::string>());
    if (!hash) return std::nullopt;
    out.push_back(*hash);
  }
  return out;
}

// The index in kLogs of the log named `name`; nullopt when there is none.
std::optional<std::size_t> log_index(const json& name) {
  for (std::size_t i = 0; i < kLogs.size(); ++i)
    if (name.is_string() && name.get<std::string>() == to_string(kLogs[i])) return i;
  return std::nullopt;
}

std::string head_summary(const TreeHead& h) {
  std::string out = "district '" + h.district + "' (";
  for (std::size_t i = 0; i < kLogs.size(); ++i)
    out +=
        (i ? ", " : "") + std::string(to_string(kLogs[i])) + " " + std::to_string(h.logs[i].size);
  return out + " leaves, through " +
         (h.through == Timestamp{INT64_MIN} ? std::string("none") : h.through.to_string()) + ")";
}

Verdict inclusion(const json& head_json, const json& proof, const PublicKey& key) {
  Verdict v;
  auto head = verified(head_json, key, "the head", v);
  if (!head) return v;
  auto log = log_index(proof.value("log", json()));
  auto path = hashes(proof.value("proof", json()));
  auto leaf = proof.value("leaf", json()).is_string()
                  ? from_base64(proof["leaf"].get<std::string>())
                  : std::nullopt;
  if (!log || !path || !leaf || !proof.value("leaf_index", json()).is_number_unsigned() ||
      !proof.value("tree_size", json()).is_number_unsigned())
    return fail("the proof is not an inclusion proof (log, leaf, leaf_index, tree_size, proof)");
  std::uint64_t index = proof["leaf_index"], size = proof["tree_size"];
  const LogHead& kept = head->head.logs[*log];
  std::string where =
      "the " + std::string(to_string(kept.log)) + " log of " + head_summary(head->head);
  if (proof.value("district", std::string()) != head->head.district)
    return fail("the proof is about district '" + proof.value("district", std::string()) +
                "', the head about '" + head->head.district + "'");
  if (size != kept.size)
    return fail("the proof is in a tree of " + std::to_string(size) + " leaves; " + where +
                " has " + std::to_string(kept.size) +
                ": ask for the proof with tree_size=" + std::to_string(kept.size));
  Hash leaf_h = leaf_hash(*leaf);
  if (!verify_inclusion(leaf_h, index, size, *path, kept.root))
    return fail("the proof does not lead from leaf " + std::to_string(index) + " (hash " +
                to_hex(leaf_h) + ") to the root of " + where +
                ": this leaf is not in the record the head covers");
  return {true, "event " + proof.value("event_id", std::string("?")) + " is leaf " +
                    std::to_string(index) + " of " + where + ", signed by key " + key_id(key)};
}

Verdict consistency(const json& older_json, const json& newer_json, const json& proof,
                    const PublicKey& key) {
  Verdict v;
  auto older = verified(older_json, key, "the older head", v);
  if (!older) return v;
  auto newer = verified(newer_json, key, "the newer head", v);
  if (!newer) return v;
  if (older->head.district != newer->head.district)
    return fail("the heads are of districts '" + older->head.district + "' and '" +
                newer->head.district + "'");
  const json& proofs = proof.value("proofs", json());
  for (std::size_t i = 0; i < kLogs.size(); ++i) {
    const LogHead &a = older->head.logs[i], &b = newer->head.logs[i];
    std::string name(to_string(kLogs[i]));
    if (a.size > b.size)
      return fail("the " + name + " log has " + std::to_string(a.size) +
                  " leaves in the older head and " + std::to_string(b.size) +
                  " in the newer: a log never shrinks, so the record lost leaves");
    auto path = proofs.is_object() && proofs.contains(name) ? hashes(proofs[name]) : std::nullopt;
    if (!path) return fail("the proof has no list of hashes for the " + name + " log");
    if (!verify_consistency(a.size, b.size, a.root, b.root, *path))
      return fail("the " + name + " log of the older head (" + std::to_string(a.size) +
                  " leaves) is not a prefix of the newer head's (" + std::to_string(b.size) +
                  " leaves): something recorded before the older head was changed or removed");
  }
  return {true, "the older head, " + head_summary(older->head) + ", is a prefix of the newer, " +
                    head_summary(newer->head) + "; both signed by key " + key_id(key)};
}

// Runs `check`, turning a JSON field of the wrong type into a failure.
template <class F>
Verdict guarded(F check) {
  try {
    return check();
  } catch (const json::exception& e) {
    return fail(std::string("a field has the wrong type: ") + e.what());
  }
}

}  // namespace

Verdict check_head(const json& head, const PublicKey& key) {
  return guarded([&] {
    Verdict v;
    auto h = verified(head, key, "the head", v);
    if (!h) return v;
    return Verdict{true,
                   "the head of " + head_summary(h->head) + " is signed by key " + key_id(key)};
  });
}

Verdict check_inclusion(const json& head, const json& proof, const PublicKey& key) {
  return guarded([&] { return inclusion(head, proof, key); });
}

Verdict check_consistency(const json& older, const json& newer, const json& proof,
                          const PublicKey& key) {
  return guarded([&] { return consistency(older, newer, proof, key); });
}

}  // namespace annals::transparency
