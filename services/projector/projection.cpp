#include "services/projector/projection.h"

#include <stdexcept>

#include "events/binary_codec.h"
#include "events/bounds.h"
#include "events/entities.h"
#include "services/history/figures.h"
#include "events/identifier.h"
#include "events/json_codec.h"

namespace annals {

using views::Family;

Projection::Projection(views::ViewStore& store, TopicNames topics, std::set<std::string> index_only)
    : store_(store), topics_(std::move(topics)), index_only_(std::move(index_only)) {}

bool Projection::get(rocksdb::WriteBatchWithIndex& batch, Family f, std::string_view key,
                     std::string& value) {
  rocksdb::Status s = batch.GetFromBatchAndDB(store_.db(), {}, store_.family(f),
                                              rocksdb::Slice(key.data(), key.size()), &value);
  if (s.ok()) return true;
  if (s.IsNotFound()) return false;
  throw std::runtime_error("reading the views: " + s.ToString());  // never mistake an error for absence
}

namespace {

std::string id_key(std::string_view uuid) {
  auto bytes = uuid_bytes(uuid);
  return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

std::string violations_text(const std::vector<Violation>& violations) {
  std::string out;
  for (const auto& v : violations) {
    if (!out.empty()) out += "; ";
    out += (v.pointer.empty() ? std::string("(document)") : v.pointer) + ": " + v.message;
  }
  return out;
}

std::string position_text(const TopicNames& topics, const views::LogPosition& pos) {
  return topics.of(pos.topic) + "/" + std::to_string(pos.partition) + "@" + std::to_string(pos.offset);
}

}  // namespace

bool same_event(Event a, Event b) {
  a.envelope.recorded_at.reset();
  b.envelope.recorded_at.reset();
  a.envelope.schema_version = b.envelope.schema_version = 0;
  return a == b;
}

namespace {

std::optional<Timestamp> earliest(std::optional<Timestamp> a, std::optional<Timestamp> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

// Applies one record; returns "" or the reason it is a dead letter.
std::string Projection::apply(const ConsumedRecord& record, rocksdb::WriteBatchWithIndex& batch,
                              ProjectionResult& result) {
  std::optional<System> topic_system;
  for (System s : {System::registry, System::personnel, System::enrollment, System::finance})
    if (record.topic == topics_.of(s)) topic_system = s;
  if (!topic_system) return "record on a topic that is not an Annals domain topic";

  Decoded decoded = decode_event(record.value, Origin::log);
  if (!decoded.event) return "invalid event: " + violations_text(decoded.violations);
  Event& event = *decoded.event;
  System owner = system_of(event.data);
  if (owner != *topic_system && owner != System::platform)
    return std::string("event type ") + type_name(event.data) + " does not belong on " + record.topic;
  if (record.key != event.envelope.district)
    return "record key '" + excerpt(record.key) + "' is not the event's district '" + event.envelope.district + "'";
  const auto* retraction = std::get_if<RecordRetracted>(&event.data);
  if (retraction && retraction->event_id == event.envelope.id) return "an event cannot retract itself";

  std::string id = id_key(event.envelope.id);
  views::LogPosition pos{*topic_system, record.partition, record.offset};
  std::string existing;
  if (get(batch, Family::events, id, existing)) {
    // The same event again (a producer's retry, stamped anew) is a duplicate; another event
    // under a used id is a conflict, never silently dropped (docs/contract.md, "One id, one event").
    auto first = decode_binary(std::string_view(existing).substr(views::kPositionBytes));
    if (first && same_event(*first, event)) {
      ++result.duplicates;
      return "";
    }
    return "conflict: id " + event.envelope.id + " was first used by a different event at " +
           position_text(topics_, views::read_position(existing)) + "; this record is at " +
           position_text(topics_, pos);
  }
  std::string target_stored;
  if (retraction && get(batch, Family::events, id_key(retraction->event_id), target_stored)) {
    auto target = decode_binary(std::string_view(target_stored).substr(views::kPositionBytes));
    if (target && std::holds_alternative<RecordRetracted>(target->data))
      return "retracting a retraction is not supported: publish the event again under a new id";
    if (target && target->envelope.district != event.envelope.district)
      return "the retracted event belongs to district '" + target->envelope.district + "', not '" +
             event.envelope.district + "'";
  }
  std::string binary = encode_binary(event);
  std::string stored;
  views::append_position(stored, pos);
  stored += binary;
  if (index_only_.count(record.topic)) {  // a publishing service knows only the id is taken
    batch.Put(store_.family(Family::events), id, stored);
    ++result.indexed;
    return "";
  }
  std::string order = views::district_order_key(event.envelope.district, event.envelope.effective_date,
                                                *event.envelope.recorded_at, pos);
  batch.Put(store_.family(Family::events), id, stored);
  batch.Put(store_.family(Family::district_log), order, id);

  // When was this event retracted, if a retraction arrived first?
  // Retractions are kept as <first recorded_at><district>; one from another district is void.
  std::optional<Timestamp> retracted_at;
  std::string when;
  if (get(batch, Family::retractions, id, when) && when.size() >= 8 &&
      std::string_view(when).substr(8) == event.envelope.district)
    retracted_at = Timestamp{std::int64_t(views::read_u64(when))};
  std::string entry = views::encode_view_entry(retracted_at, binary);
  for (const auto& [family, key] : views::view_keys(event, pos)) batch.Put(store_.family(family), key, entry);
  // Students, teachers and schools whose timelines this changes: their figures.
  std::vector<EntityRef> restate = views::timeline_entities(event);

  if (retraction) {
    std::string target = id_key(retraction->event_id);
    std::optional<Timestamp> first = *event.envelope.recorded_at;
    if (get(batch, Family::retractions, target, when) && when.size() >= 8)
      first = earliest(first, Timestamp{std::int64_t(views::read_u64(when))});
    std::string at;
    views::append_u64(at, std::uint64_t(first->micros));
    at += event.envelope.district;
    batch.Put(store_.family(Family::retractions), target, at);
    // Mark the target wherever the views hold it, if it has arrived.
    if (!target_stored.empty()) {
      std::string_view target_binary = std::string_view(target_stored).substr(views::kPositionBytes);
      auto target_event = decode_binary(target_binary);
      if (target_event) {
        std::string marked = views::encode_view_entry(first, target_binary);
        for (const auto& [family, key] : views::view_keys(*target_event, views::read_position(target_stored)))
          batch.Put(store_.family(family), key, marked);
        restate = views::timeline_entities(*target_event);
      }
    }
  }
  for (const auto& ref : restate) annals::restate(store_, batch, event.envelope.district, ref, figure_changes_);
  ++result.applied;
  ++result.applied_by_type[type_name(event.data)];
  return "";
}

ProjectionResult Projection::stage(const std::vector<ConsumedRecord>& records,
                                   rocksdb::WriteBatchWithIndex& batch, bool advance_offsets) {
  ProjectionResult result;
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next;
  for (const auto& record : records) {
    std::string reason = apply(record, batch, result);
    if (!reason.empty()) result.dead_letters.push_back({&record, std::move(reason)});
    if (!advance_offsets) continue;
    auto& n = next[{record.topic, record.partition}];
    n = std::max(n, record.offset + 1);
  }
  figure_changes_.write(store_, batch);
  for (const auto& [tp, offset] : next) {
    std::string key = views::offset_key(tp.first, tp.second), value;
    // Offsets never move backwards, even if a partition is read again from further back.
    if (get(batch, Family::offsets, key, value) && value.size() == 8 &&
        std::int64_t(views::read_u64(value)) >= offset)
      continue;
    value.clear();
    views::append_u64(value, std::uint64_t(offset));
    batch.Put(store_.family(Family::offsets), key, value);
  }
  return result;
}

}  // namespace annals
