// A district's verifiable logs in the views (services/transparency/transparency_log.h).
#include "services/transparency/transparency_log.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace annals::transparency {

namespace {

constexpr char kLeafVersion = 1;

Hash hash_of(std::string_view bytes) {
  Hash h;
  std::memcpy(h.data(), bytes.data(), h.size());
  return h;
}

std::string_view bytes_of(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

}  // namespace

std::string leaf_bytes(const views::LogPosition& pos, std::string_view event_binary) {
  std::string leaf(1, kLeafVersion);
  views::append_position(leaf, pos);
  leaf.append(event_binary);
  return leaf;
}

namespace {

// The nodes of one log: read from merkle_nodes, or hashed from the leaves below them for the
// levels it does not hold (format.h: kFirstStoredMerkleLevel).
struct StoredNodes {
  views::Reader reader;
  std::string district;
  System log;

  std::optional<Hash> operator()(int level, std::uint64_t index) {
    if (level > 0 && level < views::kFirstStoredMerkleLevel) {
      auto left = (*this)(level - 1, 2 * index);
      if (!left) return std::nullopt;
      auto right = (*this)(level - 1, 2 * index + 1);
      if (!right) return std::nullopt;
      return node_hash(*left, *right);
    }
    std::string value;
    if (!reader.get(views::Family::merkle_nodes,
                    views::merkle_node_key(district, log, level, index), value) ||
        value.size() < views::kMerkleHashBytes)
      return std::nullopt;
    return hash_of(value);
  }
};

}  // namespace

NodeReader node_reader(views::Reader reader, const std::string& district, System log) {
  return StoredNodes{reader, district, log};
}

std::uint64_t log_size(views::Reader reader, const std::string& district, System log) {
  std::string value;
  if (!reader.get(views::Family::merkle_nodes, views::merkle_size_key(district, log), value) ||
      value.size() != 8)
    return 0;
  return views::read_u64(value);
}

std::optional<StoredLeaf> leaf_at(views::Reader reader, const std::string& district, System log,
                                  std::uint64_t index) {
  std::string value;
  if (!reader.get(views::Family::merkle_nodes, views::merkle_node_key(district, log, 0, index),
                  value))
    return std::nullopt;
  auto leaf = views::parse_merkle_leaf(value);
  if (!leaf) return std::nullopt;
  return StoredLeaf{hash_of(leaf->hash), leaf->through, std::string(leaf->id)};
}

std::optional<std::pair<System, std::uint64_t>> leaf_of(views::Reader reader, std::string_view id) {
  auto position = [&](std::string_view event_id) -> std::optional<views::LogPosition> {
    std::string value;
    if (!reader.get(views::Family::events, event_id, value)) return std::nullopt;
    auto parsed = views::parse_event_value(value);
    if (!parsed) return std::nullopt;
    return parsed->pos;
  };
  auto event = reader.event_at_key(id);
  if (!event) return std::nullopt;
  const views::LogPosition& pos = event->pos;
  const std::string& district = event->event.envelope.district;
  // The log holds the district's accepted events of pos.topic in offset order: the first leaf
  // whose event is at or after pos is the event's leaf, if it is one.
  std::uint64_t lo = 0, hi = log_size(reader, district, pos.topic);
  while (lo < hi) {
    std::uint64_t mid = lo + (hi - lo) / 2;
    auto leaf = leaf_at(reader, district, pos.topic, mid);
    auto at = leaf ? position(leaf->id) : std::nullopt;
    if (!at) return std::nullopt;  // a damaged log: no leaf is claimed
    if (std::make_pair(at->partition, at->offset) < std::make_pair(pos.partition, pos.offset))
      lo = mid + 1;
    else hi = mid;
  }
  auto leaf = leaf_at(reader, district, pos.topic, lo);
  if (!leaf || leaf->id != id) return std::nullopt;  // never a leaf (a publishing service's store)
  return std::make_pair(pos.topic, lo);
}

void LogAppender::append(const std::string& district, const views::LogPosition& pos,
                         std::string_view id, std::string_view event_binary, Timestamp recorded) {
  auto key = std::make_pair(district, pos.topic);
  auto it = open_.find(key);
  if (it == open_.end()) {
    views::Reader reader(batch_);
    std::uint64_t size = log_size(reader, district, pos.topic);
    auto frontier = Frontier::read(node_reader(reader, district, pos.topic), size);
    if (!frontier)
      throw std::runtime_error("the verifiable log of " + district + "/" +
                               std::string(to_string(pos.topic)) + " is missing a node of its " +
                               std::to_string(size) + " leaves: rebuild the views");
    Open open{std::move(*frontier)};
    if (size > 0) {
      auto last = leaf_at(reader, district, pos.topic, size - 1);
      if (!last)
        throw std::runtime_error("the verifiable log of " + district + "/" +
                                 std::string(to_string(pos.topic)) + " is missing its last leaf");
      open.through = last->through;
    }
    it = open_.emplace(key, std::move(open)).first;
  }
  Open& open = it->second;
  open.through = std::max(open.through, recorded);
  Hash leaf = leaf_hash(leaf_bytes(pos, event_binary));
  open.frontier.append(leaf, [&](int level, std::uint64_t i, const Hash& h) {
    if (level > 0 && level < views::kFirstStoredMerkleLevel) return;  // hashed when read
    batch_.put(views::Family::merkle_nodes, views::merkle_node_key(district, pos.topic, level, i),
               level == 0 ? views::encode_merkle_leaf(bytes_of(h), open.through, id)
                          : std::string(bytes_of(h)));
  });
}

void LogAppender::finish() {
  for (const auto& [key, open] : open_) {
    std::string size;
    views::append_u64(size, open.frontier.size());
    batch_.put(views::Family::merkle_nodes, views::merkle_size_key(key.first, key.second), size);
  }
  open_.clear();
}

namespace {

// The head of the district's log of `log` at `size` leaves; nullopt when a node is missing.
std::optional<LogHead> log_head(views::Reader reader, const std::string& district, System log,
                                std::uint64_t size) {
  auto r = root(node_reader(reader, district, log), size);
  if (!r) return std::nullopt;
  return LogHead{log, size, *r};
}

// The number of leaves of the log whose `through` is at most `as_of`: the first leaf recorded
// after `as_of` and everything after it are cut (through never decreases: bisection).
std::optional<std::uint64_t> size_at(views::Reader reader, const std::string& district, System log,
                                     Timestamp as_of) {
  std::uint64_t lo = 0, hi = log_size(reader, district, log);
  while (lo < hi) {
    std::uint64_t mid = lo + (hi - lo) / 2;
    auto leaf = leaf_at(reader, district, log, mid);
    if (!leaf) return std::nullopt;
    if (leaf->through <= as_of) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The head at `sizes`, each within its log; nullopt when a node is missing.
std::optional<TreeHead> head_within(views::Reader reader, const std::string& district,
                                    const std::array<std::uint64_t, kLogs.size()>& sizes) {
  TreeHead head;
  head.district = district;
  for (std::size_t i = 0; i < kLogs.size(); ++i) {
    auto h = log_head(reader, district, kLogs[i], sizes[i]);
    if (!h) return std::nullopt;
    head.logs[i] = *h;
    if (sizes[i] > 0) {
      auto last = leaf_at(reader, district, kLogs[i], sizes[i] - 1);
      if (!last) return std::nullopt;
      head.through = std::max(head.through, last->through);
    }
  }
  return head;
}

}  // namespace

std::optional<TreeHead> tree_head_of_sizes(views::Reader reader, const std::string& district,
                                           const std::array<std::uint64_t, kLogs.size()>& sizes) {
  for (std::size_t i = 0; i < kLogs.size(); ++i)
    if (sizes[i] > log_size(reader, district, kLogs[i])) return std::nullopt;
  return head_within(reader, district, sizes);
}

std::optional<TreeHead> tree_head(views::Reader reader, const std::string& district) {
  std::array<std::uint64_t, kLogs.size()> sizes{};
  for (std::size_t i = 0; i < kLogs.size(); ++i) sizes[i] = log_size(reader, district, kLogs[i]);
  return head_within(reader, district, sizes);
}

std::optional<TreeHead> tree_head_at(views::Reader reader, const std::string& district,
                                     Timestamp as_of) {
  std::array<std::uint64_t, kLogs.size()> sizes{};
  for (std::size_t i = 0; i < kLogs.size(); ++i) {
    auto n = size_at(reader, district, kLogs[i], as_of);
    if (!n) return std::nullopt;
    sizes[i] = *n;
  }
  return head_within(reader, district, sizes);
}

}  // namespace annals::transparency
