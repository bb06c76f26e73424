// `annals verify audit`: the record checked against itself and against what others kept. The
// domain topics are replayed into a scratch store by the projector's own acceptance
// (Projection with Keeps::log: the same duplicates, dead letters and leaves), and the
// districts' logs recomputed from Kafka are compared leaf by leaf with the projector's views
// (their leaves, and every copy of each event they keep) and with the signed tree heads a
// supervision office kept, naming the first place each parts. docs/verifiable-log.md,
// "Auditing the record", says what each comparison proves.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "services/kafka/topic_reader.h"
#include "services/kafka/topics.h"
#include "services/projector/projection.h"
#include "services/transparency/transparency_log.h"
#include "services/views/view_store.h"

namespace annals::verify {

// One place where the record parts from itself or from a kept head.
struct Finding {
  std::string district;
  std::string where;    // "registry log, leaf 17", "kept head heads.json#3"
  std::string message;  // what differs, naming the event and its position in Kafka
};

// A head a supervision office kept, its signature already verified.
struct KeptHead {
  std::string source;  // where it was kept: a file (and its line), the digests topic's offset
  transparency::TreeHead head;
};

// The domain topics replayed into a fresh store.
class Replay {
 public:
  // Creates the store at `scratch` (a directory that does not exist, or is empty). Throws
  // std::runtime_error when it cannot.
  Replay(const std::string& scratch, TopicNames topics);
  ~Replay();

  // Applies `records`: each partition's in offset order, after those of earlier calls.
  void apply(const std::vector<ConsumedRecord>& records);

  views::ViewStore& store() { return *store_; }
  std::size_t records() const { return records_; }
  std::size_t leaves() const { return leaves_; }
  std::size_t duplicates() const { return duplicates_; }
  // The records the projector dead-letters too, with the first one's place and reason.
  std::size_t dead_letters() const { return dead_letters_; }
  const std::string& first_dead_letter() const { return first_dead_letter_; }

 private:
  std::unique_ptr<views::ViewStore> store_;
  std::unique_ptr<Projection> projection_;
  std::size_t records_ = 0, leaves_ = 0, duplicates_ = 0, dead_letters_ = 0;
  std::string first_dead_letter_;
};

// The districts with a verifiable log in `store`.
std::vector<std::string> log_districts(views::ViewStore& store);

// What the views hold that the log does not make: for each of the districts' logs, the first
// leaf where the views' leaf differs from the replayed one, or a copy of its event that the
// views keep (the events family, the registry and timeline entries) differs from the event in
// Kafka, and leaves the views hold past the log's end. Leaves the views have not reached yet
// (a projector behind) are not findings; `behind` counts them.
std::vector<Finding> compare_with_views(views::ViewStore& replayed, views::ViewStore& views,
                                        const std::vector<std::string>& districts,
                                        std::uint64_t& behind);

// Each kept head against the logs `store` holds (`name` says whose: "the Kafka log", "the
// views"): each of its logs must be a prefix of the store's with the head's root; where one is
// not, the leaves between the largest kept size that matches and the smallest that does not
// are named. And no leaf past a matching head's size may be recorded at or before the
// latest recorded_at that head's log covered: a record written after the head was signed
// but dated before it (a rewrite of what the record said then).
std::vector<Finding> compare_with_heads(views::ViewStore& store, const std::string& name,
                                        const std::vector<KeptHead>& heads);

}  // namespace annals::verify
