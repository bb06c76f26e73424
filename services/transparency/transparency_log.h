// A district's verifiable logs in the views (the merkle_nodes family,
// services/views/format.h): what the projector appends for every event it accepts, and the
// tree heads and proofs read from them. docs/verifiable-log.md is the design: what a leaf
// is, why a district has one log per topic, what a head covers and what it proves.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/transparency/merkle_tree.h"
#include "services/views/format.h"
#include "services/views/view_store.h"

namespace annals::transparency {

// The systems whose topics are logs, in the order a head lists them.
inline constexpr std::array<System, 4> kLogs = {System::registry, System::personnel,
                                                System::enrollment, System::finance};

// The bytes of the leaf of an event accepted at `pos`: a version byte (1), the position
// (format.h: append_position; its topic names the log) and the event in the binary codec
// (events/binary_codec.h), recorded_at included. What `annals verify` recomputes from a
// record read from Kafka.
std::string leaf_bytes(const views::LogPosition& pos, std::string_view event_binary);

// The nodes of the district's log of `log`, read through `reader`.
NodeReader node_reader(views::Reader reader, const std::string& district, System log);

// The number of leaves in the district's log of `log`.
std::uint64_t log_size(views::Reader reader, const std::string& district, System log);

// One stored leaf: its hash, the latest recorded_at of the leaves up to it, its event's id key.
struct StoredLeaf {
  Hash hash;
  Timestamp through;
  std::string id;  // the events family's key (16 bytes)
};
// The leaf at `index` of the district's log of `log`; nullopt when there is none.
std::optional<StoredLeaf> leaf_at(views::Reader reader, const std::string& district, System log,
                                  std::uint64_t index);

// The log and index of the leaf of the event stored under `id` (its events family key), found
// by bisection on the positions of the leaves' events (O(log n) reads); nullopt when the event
// was never accepted as a leaf.
std::optional<std::pair<System, std::uint64_t>> leaf_of(views::Reader reader, std::string_view id);

// Appends the leaves of one batch: every log it touches is read once (its size, the frontier
// of its tree, its latest recorded_at), then kept in memory while the batch grows.
class LogAppender {
 public:
  explicit LogAppender(views::Batch& batch) : batch_(batch) {}

  // Appends the event stored under `id` (16 bytes), accepted at `pos`, as the next leaf of
  // its district's log of pos.topic, staging the leaf and the nodes it completes (those
  // merkle_nodes holds: format.h, kFirstStoredMerkleLevel). Throws std::runtime_error when the
  // stored tree is damaged (a node its frontier needs is missing): the batch must not be written.
  void append(const std::string& district, const views::LogPosition& pos, std::string_view id,
              std::string_view event_binary, Timestamp recorded);

  // Stages the size of every log appended to. Call once, after the last append.
  void finish();

 private:
  struct Open {
    Frontier frontier;
    Timestamp through{INT64_MIN};
  };
  views::Batch& batch_;
  std::map<std::pair<std::string, System>, Open> open_;
};

// The head of one log: its size and the root of its tree.
struct LogHead {
  System log = System::registry;
  std::uint64_t size = 0;
  Hash root{};
  bool operator==(const LogHead&) const = default;
};

// A district's tree head: the head of each of its logs (in kLogs order), and the latest
// recorded_at among the leaves they cover (`through`; Timestamp{INT64_MIN} when empty).
struct TreeHead {
  std::string district;
  Timestamp through{INT64_MIN};
  std::array<LogHead, kLogs.size()> logs{};
  bool operator==(const TreeHead&) const = default;
};

// The district's tree head over everything the views hold; nullopt when a node is missing.
std::optional<TreeHead> tree_head(views::Reader reader, const std::string& district);

// The district's tree head as it was at recorded time `as_of`: each log cut before its first
// leaf recorded after `as_of` (a leaf recorded earlier but appended later, a history import's
// back-dated record, is left out with everything after it: the head is a prefix of the log).
// Nullopt when a node is missing.
std::optional<TreeHead> tree_head_at(views::Reader reader, const std::string& district,
                                     Timestamp as_of);

// The district's tree head at the given sizes of its logs (in kLogs order); nullopt when a
// size is past its log's end or a node is missing.
std::optional<TreeHead> tree_head_of_sizes(views::Reader reader, const std::string& district,
                                           const std::array<std::uint64_t, kLogs.size()>& sizes);

}  // namespace annals::transparency
