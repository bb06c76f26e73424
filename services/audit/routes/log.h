// GET /v1/districts/{id}/log/...: the district's verifiable log (docs/verifiable-log.md): its
// signed tree head, now, as it was at a recorded time, or at given sizes; the inclusion proof
// of an event; the consistency proof of an older head with a newer one.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "services/transparency/signed_tree_head.h"
#include "services/views/view_store.h"

namespace annals::routes {

// An answer, or the status and message of the error instead.
struct LogAnswer {
  nlohmann::json body;
  int status = 200;
  std::string error;  // when status is not 200
};

using LogSizes = std::array<std::uint64_t, transparency::kLogs.size()>;

// The district's tree head signed with `key` (signed_tree_head.h: to_json): at `sizes` when
// given, else as it was at `as_of` (Timestamp::max(): everything the views hold).
LogAnswer log_head(views::Reader reader, const std::string& district, Timestamp as_of,
                   const std::optional<LogSizes>& sizes, const transparency::SigningKey& key);

// The inclusion proof of the event `event_id` (text form) in its log of the district, in the
// tree of `tree_size` leaves (default: the whole log): the leaf's bytes (base64) and hash,
// its index, the root and the audit path (hex). 404 when the district has no such event;
// 400 when the tree is too small to hold it or larger than the log.
LogAnswer inclusion(views::Reader reader, const std::string& district, const std::string& event_id,
                    std::optional<std::uint64_t> tree_size);

// The consistency proofs, log by log, of the district's head at `first` sizes with its head
// at `second` (default: the whole logs), with both heads' roots. 400 when a first size is
// larger than its second, or a size larger than its log.
LogAnswer consistency(views::Reader reader, const std::string& district, const LogSizes& first,
                      const std::optional<LogSizes>& second);

}  // namespace annals::routes
