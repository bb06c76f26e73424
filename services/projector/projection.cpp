// Projection: what a batch of consumed records changes in the views
// (services/projector/projection.h).
#include "services/projector/projection.h"

#include <cassert>
#include <stdexcept>

#include "events/binary_codec.h"
#include "events/bounds.h"
#include "events/entities.h"
#include "events/identifier.h"
#include "events/json_codec.h"
#include "services/history/registry_state.h"

namespace annals {

using views::Family;

Projection::Projection(views::ViewStore& store, TopicNames topics, std::set<std::string> index_only,
                       Keeps keeps)
    : store_(store), topics_(std::move(topics)), index_only_(std::move(index_only)), keeps_(keeps) {
}

namespace {

// The events family's key of an id the contract has already checked to be a UUID.
std::string id_key(std::string_view uuid) { return *views::event_key(uuid); }

std::string violations_text(const std::vector<Violation>& violations) {
  std::string out;
  for (const auto& v : violations) {
    if (!out.empty()) out += "; ";
    out += (v.pointer.empty() ? std::string("(document)") : v.pointer) + ": " + v.message;
  }
  return out;
}

std::string position_text(const TopicNames& topics, const views::LogPosition& pos) {
  return topics.of(pos.topic) + "/" + std::to_string(pos.partition) + "@" +
         std::to_string(pos.offset);
}

}  // namespace

bool same_event(Event a, Event b) {
  a.envelope.recorded_at.reset();
  b.envelope.recorded_at.reset();
  a.envelope.schema_version = b.envelope.schema_version = 0;
  return a == b;
}

namespace {

// What a record is before it may be applied: an event of its topic's system, keyed by its
// district, not retracting itself. Returns "" or the reason it is a dead letter.
std::optional<System> topic_system(const TopicNames& topics, const std::string& topic) {
  for (System s : {System::registry, System::personnel, System::enrollment, System::finance})
    if (topic == topics.of(s)) return s;
  return std::nullopt;
}

std::string misplaced(const ConsumedRecord& record, System topic, const Event& event) {
  System owner = system_of(event.data);
  if (owner != topic && owner != System::platform)
    return std::string("event type ") + type_name(event.data) + " does not belong on " +
           record.topic;
  if (record.key != event.envelope.district)
    return "record key '" + excerpt(record.key) + "' is not the event's district '" +
           event.envelope.district + "'";
  const auto* retraction = std::get_if<RecordRetracted>(&event.data);
  if (retraction && retraction->event_id == event.envelope.id)
    return "an event cannot retract itself";
  return "";
}

// Why a retraction of `target` (as stored, if it has arrived) cannot be applied, or "".
std::string refused_retraction(const std::optional<Event>& target, const Event& retraction) {
  if (!target) return "";
  if (std::holds_alternative<RecordRetracted>(target->data))
    return "retracting a retraction is not supported: publish the event again under a new id";
  if (target->envelope.district != retraction.envelope.district)
    return "the retracted event belongs to district '" + target->envelope.district + "', not '" +
           retraction.envelope.district + "'";
  return "";
}

// The event in its district's logs: in apply order (district_log), by how late it was
// learned (learned_log), and one more of its type on its date (event_counts), for counts that
// need not walk the trail.
void log_event(const Event& event, const std::string& id, const views::LogPosition& pos,
               views::Batch& batch) {
  views::Reader reader(batch);
  const Envelope& e = event.envelope;
  batch.put(Family::district_log,
            views::district_order_key(e.district, e.effective_date, *e.recorded_at, pos), id);
  batch.put(Family::learned_log,
            views::learned_log_key(e.district, *e.recorded_at, e.effective_date, pos),
            views::learned_log_value(id, type_name(event.data)));
  std::string key = views::event_count_key(e.district, e.effective_date, type_name(event.data));
  std::string n;
  std::int64_t before = reader.get(Family::event_counts, key, n) ? views::decode_count(n) : 0;
  batch.put(Family::event_counts, key, views::encode_count(before + 1));
}

}  // namespace

std::string Projection::apply(const ConsumedRecord& record, const Event* decoded_event,
                              views::Batch& batch, transparency::LogAppender& log,
                              ProjectionResult& result) {
  auto system = topic_system(topics_, record.topic);
  if (!system) return "record on a topic that is not an Annals domain topic";
  Decoded decoded;
  if (!decoded_event) {
    decoded = decode_event(record.value, Origin::log);
    if (!decoded.event) return "invalid event: " + violations_text(decoded.violations);
    decoded_event = &*decoded.event;
  }
  const Event& event = *decoded_event;
  if (std::string why = misplaced(record, *system, event); !why.empty()) return why;

  views::Reader reader(batch);
  std::string id = id_key(event.envelope.id);
  views::LogPosition pos{*system, record.partition, record.offset};
  std::string existing;
  if (reader.get(Family::events, id, existing)) {
    // The same event again (a producer's retry, stamped anew) is a duplicate; another event
    // under a used id is a conflict, never silently dropped (docs/contract.md, "One id, one
    // event").
    auto first = views::parse_event_value(existing);
    auto first_event = first ? decode_binary(first->binary) : std::nullopt;
    if (first_event && same_event(*first_event, event)) {
      ++result.duplicates;
      return "";
    }
    return "conflict: id " + event.envelope.id + " was first used by a different event at " +
           position_text(topics_, views::read_position(existing)) + "; this record is at " +
           position_text(topics_, pos);
  }
  const auto* retraction = std::get_if<RecordRetracted>(&event.data);
  std::string target_stored;
  if (retraction && reader.get(Family::events, id_key(retraction->event_id), target_stored)) {
    auto target = views::parse_event_value(target_stored);
    std::optional<Event> target_event = target ? decode_binary(target->binary) : std::nullopt;
    if (std::string why = refused_retraction(target_event, event); !why.empty()) return why;
  }
  std::string binary = encode_binary(event);
  batch.put(Family::events, id, views::encode_event_value(pos, binary));
  if (index_only_.count(record.topic)) {  // a publishing service knows only the id is taken
    ++result.indexed;
    return "";
  }
  const Envelope& e = event.envelope;
  Timestamp& latest = latest_recorded_[{record.topic, e.district}];
  if (*e.recorded_at < latest) ++result.recorded_at_regressions;
  else latest = *e.recorded_at;
  // The contract lets only identifiers (events/identifier.h) be ids: no NUL, which would end
  // the district or entity part of a key early (services/views/format.h).
  assert(is_identifier(e.district));
  for ([[maybe_unused]] const auto& ref : views::timeline_entities(event))
    assert(is_identifier(ref.id));
  if (keeps_ == Keeps::views_and_log || keeps_ == Keeps::log)
    log.append(e.district, pos, id, binary, *e.recorded_at);  // a leaf
  if (keeps_ == Keeps::log) {
    ++result.applied;
    return "";
  }
  if (keeps_ != Keeps::rules) log_event(event, id, pos, batch);
  // When was this event retracted, if a retraction arrived first? One from another district is
  // void.
  std::optional<Timestamp> retracted_at = reader.retracted_at(id, e.district, Timestamp::max());
  std::string entry = views::encode_view_entry(retracted_at, binary);
  for (const auto& [family, key] : views::view_keys(event, pos)) {
    batch.put(family, key, entry);
    if (family == Family::registry) registry_changed(e.district, e.effective_date);
  }
  // Students, teachers and schools whose timelines this changes: their figures.
  // They change as of this event's recorded_at, in the part of their history that the
  // system of the event (or of the retracted event) writes (restate.h).
  std::vector<EntityRef> restate = views::timeline_entities(event);
  System part = system_of(event.data);
  if (retraction) {
    restate.clear();
    if (auto target = retract(event, id_key(retraction->event_id), target_stored, batch)) {
      restate = views::timeline_entities(*target);
      part = system_of(target->data);
    }
  }
  // A person's kept fold takes an event that is neither a retraction nor retracted as it is.
  Appended appended{event, pos};
  if (keeps_ != Keeps::rules)
    for (const auto& ref : restate)
      annals::restate(batch, e.district, ref, {*e.recorded_at, part, retraction != nullptr},
                      figure_changes_, retraction || retracted_at ? nullptr : &appended);
  ++result.applied;
  ++result.applied_by_type[type_name(event.data)];
  return "";
}

std::optional<Event> Projection::retract(const Event& event, const std::string& target,
                                         const std::string& target_stored, views::Batch& batch) {
  views::Reader reader(batch);
  // The first retraction's recorded_at wins; the value keeps the latest retraction's district.
  Timestamp first = *event.envelope.recorded_at;
  std::string when;
  if (reader.get(Family::retractions, target, when))
    if (auto earlier = views::parse_retraction(when)) first = std::min(first, earlier->first);
  batch.put(Family::retractions, target, views::encode_retraction(first, event.envelope.district));
  // Mark the target wherever the views hold it, if it has arrived.
  auto stored = views::parse_event_value(target_stored);
  if (!stored) return std::nullopt;
  auto target_event = decode_binary(stored->binary);
  if (!target_event) return std::nullopt;
  std::string marked = views::encode_view_entry(first, stored->binary);
  for (const auto& [family, key] : views::view_keys(*target_event, stored->pos)) {
    batch.put(family, key, marked);
    if (family == Family::registry)
      registry_changed(target_event->envelope.district, target_event->envelope.effective_date);
  }
  return target_event;
}

void Projection::registry_changed(const std::string& district, Date from) {
  auto [it, added] = registry_changed_.try_emplace(district, from);
  if (!added) it->second = std::min(it->second, from);
}

ProjectionResult Projection::stage(const std::vector<ConsumedRecord>& records, views::Batch& batch,
                                   bool advance_offsets) {
  return stage(records, {}, batch, advance_offsets);
}

ProjectionResult Projection::stage(const std::vector<ConsumedRecord>& records,
                                   const std::vector<const Event*>& events, views::Batch& batch,
                                   bool advance_offsets) {
  assert(&batch.store() == &store_);  // a projection stages into batches of its own store
  assert(events.empty() || events.size() == records.size());
  ProjectionResult result;
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next;
  transparency::LogAppender log(batch);
  for (std::size_t k = 0; k < records.size(); ++k) {
    const ConsumedRecord& record = records[k];
    std::string reason = apply(record, events.empty() ? nullptr : events[k], batch, log, result);
    if (!reason.empty()) result.dead_letters.push_back({&record, std::move(reason)});
    if (!advance_offsets) continue;
    auto& n = next[{record.topic, record.partition}];
    n = std::max(n, record.offset + 1);
  }
  log.finish();
  figure_changes_.write(batch);
  for (const auto& [district, from] : registry_changed_)
    write_registry_checkpoints(batch, district, from);
  registry_changed_.clear();
  advance(next, batch);
  return result;
}

void Projection::advance(const std::map<std::pair<std::string, std::int32_t>, std::int64_t>& next,
                         views::Batch& batch) {
  views::Reader reader(batch);
  for (const auto& [tp, offset] : next) {
    std::string key = views::offset_key(tp.first, tp.second), value;
    // Offsets never move backwards, even if a partition is read again from further back.
    if (reader.get(Family::offsets, key, value))
      if (auto stored = views::decode_offset(value); stored && *stored >= offset) continue;
    batch.put(Family::offsets, key, views::encode_offset(offset));
  }
}

}  // namespace annals
