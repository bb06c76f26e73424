// The district's verifiable log over HTTP (services/audit/routes/log.h).
#include "services/audit/routes/log.h"

#include "events/bounds.h"
#include "services/transparency/transparency_log.h"
#include "services/views/format.h"

namespace annals::routes {

namespace {

using nlohmann::json;
using transparency::kLogs;
using transparency::to_hex;

LogAnswer failure(int status, std::string message) { return {json(), status, std::move(message)}; }

LogSizes sizes_now(views::Reader reader, const std::string& district) {
  LogSizes s{};
  for (std::size_t i = 0; i < kLogs.size(); ++i)
    s[i] = transparency::log_size(reader, district, kLogs[i]);
  return s;
}

json hex_list(const std::vector<transparency::Hash>& hashes) {
  json out = json::array();
  for (const auto& h : hashes) out.push_back(to_hex(h));
  return out;
}

std::string damaged(const std::string& district) {
  return "the verifiable log of district '" + district +
         "' is missing a node in the views: rebuild them from the log (annals verify names the "
         "first place they part)";
}

}  // namespace

LogAnswer log_head(views::Reader reader, const std::string& district, Timestamp as_of,
                   const std::optional<LogSizes>& sizes, const transparency::SigningKey& key) {
  std::optional<transparency::TreeHead> head;
  if (sizes) {
    LogSizes now = sizes_now(reader, district);
    for (std::size_t i = 0; i < kLogs.size(); ++i)
      if ((*sizes)[i] > now[i])
        return failure(400, "the " + std::string(to_string(kLogs[i])) + " log of district '" +
                                district + "' has " + std::to_string(now[i]) + " leaves, not " +
                                std::to_string((*sizes)[i]));
    head = transparency::tree_head_of_sizes(reader, district, *sizes);
  } else {
    head = as_of == Timestamp::max() ? transparency::tree_head(reader, district)
                                     : transparency::tree_head_at(reader, district, as_of);
  }
  if (!head) return failure(500, damaged(district));
  return {transparency::to_json(transparency::sign_head(*head, key), key.public_key())};
}

LogAnswer inclusion(views::Reader reader, const std::string& district, const std::string& event_id,
                    std::optional<std::uint64_t> tree_size) {
  auto not_here = [&] {
    return failure(
        404, "no event '" + excerpt(event_id) + "' in the record of district '" + district + "'");
  };
  auto key = views::event_key(event_id);
  if (!key)
    return failure(400, "query parameter 'event' must be an event id (a UUID), not '" +
                            excerpt(event_id) + "'");
  auto stored = reader.event_at_key(*key);
  if (!stored || stored->event.envelope.district != district) return not_here();
  auto leaf = transparency::leaf_of(reader, *key);
  if (!leaf) return not_here();  // stored but never a leaf: a publishing service's own store
  auto [log, index] = *leaf;
  std::uint64_t size = transparency::log_size(reader, district, log);
  std::uint64_t n = tree_size.value_or(size);
  std::string log_name(to_string(log));
  if (n > size)
    return failure(400, "the " + log_name + " log of district '" + district + "' has " +
                            std::to_string(size) + " leaves, not " + std::to_string(n));
  if (n <= index)
    return failure(400, "event '" + event_id + "' is leaf " + std::to_string(index) + " of the " +
                            log_name + " log: a tree of " + std::to_string(n) +
                            " leaves does not hold it");
  std::string value;
  if (!reader.get(views::Family::events, *key, value)) return not_here();
  auto parsed = views::parse_event_value(value);
  auto nodes = transparency::node_reader(reader, district, log);
  auto proof = transparency::inclusion_proof(nodes, index, n);
  auto root = transparency::root(nodes, n);
  if (!parsed || !proof || !root) return failure(500, damaged(district));
  std::string bytes = transparency::leaf_bytes(parsed->pos, parsed->binary);
  return {json{{"district", district},
               {"event_id", event_id},
               {"log", log_name},
               {"leaf_index", index},
               {"tree_size", n},
               {"leaf", transparency::to_base64(bytes)},
               {"leaf_hash", to_hex(transparency::leaf_hash(bytes))},
               {"root", to_hex(*root)},
               {"proof", hex_list(*proof)}}};
}

LogAnswer consistency(views::Reader reader, const std::string& district, const LogSizes& first,
                      const std::optional<LogSizes>& second) {
  LogSizes now = sizes_now(reader, district);
  LogSizes to = second.value_or(now);
  json proofs = json::object(), first_heads = json::object(), second_heads = json::object();
  for (std::size_t i = 0; i < kLogs.size(); ++i) {
    std::string name(to_string(kLogs[i]));
    if (to[i] > now[i])
      return failure(400, "the " + name + " log of district '" + district + "' has " +
                              std::to_string(now[i]) + " leaves, not " + std::to_string(to[i]));
    if (first[i] > to[i])
      return failure(400, "the first head's " + name + " log (" + std::to_string(first[i]) +
                              " leaves) is larger than the second's (" + std::to_string(to[i]) +
                              "): a log only grows");
    auto nodes = transparency::node_reader(reader, district, kLogs[i]);
    auto proof = transparency::consistency_proof(nodes, first[i], to[i]);
    auto a = transparency::root(nodes, first[i]), b = transparency::root(nodes, to[i]);
    if (!proof || !a || !b) return failure(500, damaged(district));
    proofs[name] = hex_list(*proof);
    first_heads[name] = {{"size", first[i]}, {"root", to_hex(*a)}};
    second_heads[name] = {{"size", to[i]}, {"root", to_hex(*b)}};
  }
  return {json{{"district", district},
               {"first", first_heads},
               {"second", second_heads},
               {"proofs", proofs}}};
}

}  // namespace annals::routes
