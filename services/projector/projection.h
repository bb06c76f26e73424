// Projection: what a batch of consumed records changes in the views. Pure RocksDB work, no
// Kafka: the projector process feeds it, tests feed it directly.
//
// Every record's effect and the partition offsets that cover it are staged into one write
// batch, so the views and "how far they reflect the log" change atomically: after a crash
// the projector resumes exactly where the last written batch ended. Events are also
// de-duplicated by id, so a record published twice is applied once; a record that reuses
// an id for different content is a dead letter ("conflict: ..."), naming both positions.
// Every event applied is also the next leaf of its district's verifiable log of its topic
// (services/transparency/transparency_log.h), in the order the partition holds them.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "services/kafka/topic_reader.h"
#include "services/kafka/topics.h"
#include "services/projector/restate.h"
#include "services/transparency/transparency_log.h"
#include "services/views/view_store.h"

namespace annals {

struct DeadLetter {
  const ConsumedRecord* record;
  std::string reason;
};

struct ProjectionResult {
  std::size_t applied = 0;
  std::size_t duplicates = 0;  // the same event again under its id (content compared)
  std::size_t indexed = 0;     // records of index-only topics: their ids kept, nothing else
  std::map<std::string, std::size_t> applied_by_type;
  std::vector<DeadLetter> dead_letters;  // not applied; their offsets are still covered
  // Events recorded before an event this projection applied earlier for the same district
  // from the same topic: recorded_at went back in time. Applied by their recorded_at all the
  // same (a history import writes the past), and counted (docs/security.md).
  std::size_t recorded_at_regressions = 0;
};

// True when `a` and `b` are the same event apart from what the platform adds (recorded_at)
// and the schema version it was written in: a retry, not a second event under the id.
bool same_event(Event a, Event b);

// What a projection keeps of the events it accepts.
enum class Keeps {
  views_and_log,  // the projector: the views and the verifiable log (the record)
  views,          // every view, not the record (annals-projector --without-log)
  rules,          // a publishing service's own store: what its rules read (services/publisher/
                  // rules.h: the events, retractions, timelines and registry families), not the
                  // figures, the district's logs nor the record
  log,            // `annals verify audit`'s replay (services/verify/log_audit.h): the events
                  // family and the verifiable log, no views
};

class Projection {
 public:
  // Records of the topics in `index_only` only claim their event id (the events family):
  // a publishing service follows the other services' topics this way, so that an id is
  // unique across the whole record before it acknowledges an event.
  // `keeps`: what is kept of every accepted event of the other topics.
  Projection(views::ViewStore& store, TopicNames topics, std::set<std::string> index_only = {},
             Keeps keeps = Keeps::views_and_log);

  // Stages the effects of `records` (in log order per partition) and their offsets into
  // `batch`, reading through it so that records later in the batch see earlier ones. The
  // caller writes the batch once dead letters are safely elsewhere. Without
  // advance_offsets the offsets are left alone: a publishing service writes what it has just
  // published this way, before its own consumer reaches it (which then only de-duplicates).
  ProjectionResult stage(const std::vector<ConsumedRecord>& records, views::Batch& batch,
                         bool advance_offsets = true);
  // As above, for records whose events the caller holds decoded already: `events[k]` must be
  // exactly what decode_event(records[k].value, Origin::log) gives (a publishing service
  // staging the events it has just checked, whose records are events/json_codec.h's
  // logged_record). Empty `events`: each record is decoded.
  ProjectionResult stage(const std::vector<ConsumedRecord>& records,
                         const std::vector<const Event*>& events, views::Batch& batch,
                         bool advance_offsets = true);

  // Moves every partition's stored offset forward to `next` (never backwards), in `batch`.
  void advance(const std::map<std::pair<std::string, std::int32_t>, std::int64_t>& next,
               views::Batch& batch);

 private:
  // Applies one record (whose event is `event`, or decoded from it when null); returns "" or
  // the reason it is a dead letter.
  std::string apply(const ConsumedRecord& record, const Event* event, views::Batch& batch,
                    transparency::LogAppender& log, ProjectionResult& result);
  // Stages a retraction of the event stored under `target` (possibly not yet arrived:
  // `target_stored` empty) and marks the target retracted wherever the views hold it;
  // returns the target (whose timeline entities' figures change; nullopt: not arrived).
  std::optional<Event> retract(const Event& retraction, const std::string& target,
                               const std::string& target_stored, views::Batch& batch);

  views::ViewStore& store_;
  // The latest recorded_at applied per (topic, district), since this projection was made.
  std::map<std::pair<std::string, std::string>, Timestamp> latest_recorded_;
  FigureChanges figure_changes_;  // gathered over one stage() call, written at its end
  // Notes that a registry entry of `district` effective on `from` was staged, so that the
  // district's registry checkpoints from then on are restaged at the end of the stage() call
  // (services/history/registry_state.h: write_registry_checkpoints).
  void registry_changed(const std::string& district, Date from);
  std::map<std::string, Date> registry_changed_;  // district -> earliest date changed
  TopicNames topics_;
  std::set<std::string> index_only_;
  Keeps keeps_ = Keeps::views_and_log;
};

}  // namespace annals
