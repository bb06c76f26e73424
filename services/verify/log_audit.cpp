// The record checked against itself and against kept heads (services/verify/log_audit.h).
#include "services/verify/log_audit.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>

#include "events/binary_codec.h"
#include "events/json_codec.h"

namespace annals::verify {

using transparency::Hash;
using transparency::kLogs;

Replay::Replay(const std::string& scratch, TopicNames topics) {
  namespace fs = std::filesystem;
  if (fs::exists(scratch) && !fs::is_empty(scratch))
    throw std::runtime_error("the scratch directory " + scratch +
                             " is not empty: the replay needs a fresh store");
  fs::create_directories(scratch);
  store_ = views::ViewStore::open_primary(scratch);
  projection_ =
      std::make_unique<Projection>(*store_, std::move(topics), std::set<std::string>{}, Keeps::log);
}

Replay::~Replay() = default;

void Replay::apply(const std::vector<ConsumedRecord>& records) {
  views::Batch batch(*store_);
  ProjectionResult result = projection_->stage(records, batch);
  store_->write(batch);
  records_ += records.size();
  leaves_ += result.applied;
  duplicates_ += result.duplicates;
  dead_letters_ += result.dead_letters.size();
  if (first_dead_letter_.empty() && !result.dead_letters.empty()) {
    const DeadLetter& d = result.dead_letters.front();
    first_dead_letter_ = d.record->topic + "/" + std::to_string(d.record->partition) + "@" +
                         std::to_string(d.record->offset) + ": " + d.reason;
  }
}

std::vector<std::string> log_districts(views::ViewStore& store) {
  return views::Reader(store).districts(views::Family::merkle_nodes);
}

namespace {

std::string place(const views::LogPosition& pos) {
  return std::string(to_string(pos.topic)) + " partition " + std::to_string(pos.partition) +
         ", offset " + std::to_string(pos.offset);
}

std::string time_text(Timestamp t) {
  return t == Timestamp{INT64_MIN} ? std::string("none") : t.to_string();
}

// The leaves of one log, in index order, from `from` on.
class Leaves {
 public:
  Leaves(views::ViewStore& store, const std::string& district, System log, std::uint64_t from = 0)
      : upper_(views::merkle_node_key(district, log, 1, 0)), upper_slice_(upper_) {
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice_;
    ro.total_order_seek = true;
    it_ = views::Reader(store).iterator(views::Family::merkle_nodes, ro);
    it_->Seek(views::merkle_node_key(district, log, 0, from));
  }
  bool valid() const { return it_->Valid(); }
  std::uint64_t index() const {
    auto k = it_->key();
    return views::read_u64(std::string_view(k.data() + k.size() - 8, 8));
  }
  // Nullopt when the stored value is not a leaf's.
  std::optional<views::MerkleLeaf> leaf() const {
    return views::parse_merkle_leaf(std::string_view(it_->value().data(), it_->value().size()));
  }
  void next() { it_->Next(); }

 private:
  std::string upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// The event stored under `id` in `store`, with its stored bytes.
struct Stored {
  std::string value;  // the events family's value: position, binary event
  views::LogPosition pos;
  std::optional<Event> event;
};
std::optional<Stored> stored_event(views::ViewStore& store, std::string_view id) {
  Stored s;
  if (!views::Reader(store).get(views::Family::events, id, s.value)) return std::nullopt;
  auto parsed = views::parse_event_value(s.value);
  if (!parsed) return s;
  s.pos = parsed->pos;
  s.event = decode_binary(parsed->binary);
  return s;
}

// "event <uuid> (registry partition 0, offset 12, recorded ...)", or what is known of it.
std::string event_text(const std::optional<Stored>& s) {
  if (!s) return "an event the store does not hold";
  if (!s->event) return "an event whose stored bytes do not decode (at " + place(s->pos) + ")";
  return "event " + s->event->envelope.id + " (" + type_name(s->event->data) + ", at " +
         place(s->pos) + ", recorded " + s->event->envelope.recorded_at->to_string() + ")";
}

// The JSON paths where two events differ, the first few.
std::string differing_fields(const Event& truth, const Event& copy) {
  nlohmann::json t = event_to_json(truth), c = event_to_json(copy);
  auto patch = nlohmann::json::diff(t, c);
  std::string out;
  std::size_t shown = 0;
  for (const auto& op : patch) {
    if (shown++ == 3) {
      out += ", ...";
      break;
    }
    std::string path = op.value("path", "");
    auto at = nlohmann::json::json_pointer(path);
    out += (out.empty() ? "" : ", ") + path +
           " (the log: " + (t.contains(at) ? t[at].dump() : std::string("absent")) +
           ", the views: " + (c.contains(at) ? c[at].dump() : std::string("absent")) + ")";
  }
  return out.empty() ? "the same fields, other bytes" : out;
}

// Why the views' copies of the event of leaf `truth` differ from it, or "".
std::string copies_differ(views::ViewStore& views, const Stored& truth, std::string_view id) {
  auto copy = stored_event(views, id);
  if (!copy) return "the views hold no event under its id";
  if (copy->value != truth.value) {
    if (copy->event && truth.event)
      return "the views' copy in the events family was changed: " +
             differing_fields(*truth.event, *copy->event);
    return "the views' copy in the events family was changed (its bytes do not decode)";
  }
  if (!truth.event) return "";
  views::Reader reader(views);
  for (const auto& [family, key] : views::view_keys(*truth.event, truth.pos)) {
    std::string value;
    std::string family_name(views::kFamilyNames[int(family)]);
    if (!reader.get(family, key, value)) return "the views' " + family_name + " entry is missing";
    auto entry = views::decode_view_entry(value);
    if (!entry) return "the views' " + family_name + " entry does not decode";
    if (!(entry->event == *truth.event))
      return "the views' " + family_name +
             " entry was changed: " + differing_fields(*truth.event, entry->event);
  }
  return "";
}

std::string leaf_where(System log, std::uint64_t index) {
  return std::string(to_string(log)) + " log, leaf " + std::to_string(index);
}

}  // namespace

std::vector<Finding> compare_with_views(views::ViewStore& replayed, views::ViewStore& views,
                                        const std::vector<std::string>& districts,
                                        std::uint64_t& behind) {
  std::vector<Finding> found;
  behind = 0;
  for (const auto& district : districts) {
    for (System log : kLogs) {
      Leaves truth(replayed, district, log), kept(views, district, log);
      auto find = [&](std::uint64_t index, std::string message) {
        found.push_back({district, leaf_where(log, index), std::move(message)});
      };
      std::uint64_t i = 0;
      for (; truth.valid() && kept.valid(); truth.next(), kept.next(), ++i) {
        auto t = truth.leaf();
        auto k = kept.leaf();
        auto t_event = t ? stored_event(replayed, t->id) : std::nullopt;
        if (!k || kept.index() != i) {
          find(i, "the views lack this leaf or hold a damaged one; the log has " +
                      event_text(t_event));
          break;
        }
        if (!t || t->hash != k->hash || t->id != k->id) {
          auto k_event = stored_event(views, k->id);
          find(i, "the views' leaf is " + event_text(k_event) + "; the log's is " +
                      event_text(t_event) +
                      (t && t->id == k->id ? ": the same id, other content" : ""));
          break;
        }
        if (!t_event) {
          find(i, "the replay lost the event of its own leaf (a scratch store fault)");
          break;
        }
        if (std::string why = copies_differ(views, *t_event, t->id); !why.empty()) {
          find(i, event_text(t_event) + ": " + why);
          break;
        }
      }
      if (kept.valid() && !truth.valid())
        find(i, "the views hold leaves from here on that the log does not make, the first " +
                    event_text(kept.leaf() ? stored_event(views, kept.leaf()->id) : std::nullopt));
      for (; truth.valid() && !kept.valid(); truth.next()) ++behind;
    }
  }
  return found;
}

namespace {

// The through of the leaf before `size` (the latest recorded_at of the log's first `size`
// leaves); nullopt for an empty prefix or a missing leaf.
std::optional<Timestamp> through_before(views::ViewStore& store, const std::string& district,
                                        System log, std::uint64_t size) {
  if (size == 0) return std::nullopt;
  auto leaf = transparency::leaf_at(views::Reader(store), district, log, size - 1);
  if (!leaf) return std::nullopt;
  return leaf->through;
}

}  // namespace

std::vector<Finding> compare_with_heads(views::ViewStore& store, const std::string& name,
                                        const std::vector<KeptHead>& heads) {
  std::vector<Finding> found;
  std::map<std::string, std::vector<const KeptHead*>> by_district;
  for (const auto& h : heads) by_district[h.head.district].push_back(&h);
  views::Reader reader(store);
  for (auto& [district, kept] : by_district) {
    for (std::size_t l = 0; l < kLogs.size(); ++l) {
      System log = kLogs[l];
      std::uint64_t n = transparency::log_size(reader, district, log);
      auto nodes = transparency::node_reader(reader, district, log);
      std::sort(kept.begin(), kept.end(), [l](const KeptHead* a, const KeptHead* b) {
        return a->head.logs[l].size < b->head.logs[l].size;
      });
      // Matching heads, by size: the latest recorded_at each covered in this log.
      std::map<std::uint64_t, Timestamp> covered;
      std::optional<std::uint64_t> good;  // the largest size that matches so far
      for (const KeptHead* h : kept) {
        const auto& lh = h->head.logs[l];
        std::string where = "kept head " + h->source;
        if (lh.size > n) {
          found.push_back({district, where,
                           std::string(to_string(log)) + " log: the head holds " +
                               std::to_string(lh.size) + " leaves, " + name + " only " +
                               std::to_string(n) + ": leaves from " + std::to_string(n) +
                               " on were removed" +
                               (name == "the views" ? " (or the views are behind)" : "")});
          continue;
        }
        auto r = transparency::root(nodes, lh.size);
        if (r && *r == lh.root) {
          good = lh.size;
          if (auto t = through_before(store, district, log, lh.size)) {
            Timestamp& c = covered[lh.size];
            c = std::max(c, *t);
          }
          continue;
        }
        std::uint64_t from = good.value_or(0);
        std::string message = std::string(to_string(log)) + " log: the head's " +
                              std::to_string(lh.size) + " leaves have another root in " + name +
                              ": it was rewritten within leaves " + std::to_string(from) + " to " +
                              std::to_string(lh.size - 1) +
                              (good ? " (a kept head of " + std::to_string(from) + " leaves holds)"
                                    : " (no smaller kept head holds)");
        if (lh.size - from <= 3)
          for (std::uint64_t i = from; i < lh.size; ++i)
            if (auto leaf = transparency::leaf_at(reader, district, log, i))
              message += "; leaf " + std::to_string(i) + " is now " +
                         event_text(stored_event(store, leaf->id));
        found.push_back({district, where, std::move(message)});
      }
      if (covered.empty()) continue;
      // Leaves past a matching head that are dated at or before what it covered.
      std::size_t named = 0;
      auto next_head = covered.begin();
      std::optional<Timestamp> threshold;
      const KeptHead* signer = nullptr;
      for (Leaves leaves(store, district, log, covered.begin()->first);
           leaves.valid() && named < 10; leaves.next()) {
        std::uint64_t i = leaves.index();
        while (next_head != covered.end() && next_head->first <= i) {
          threshold = std::max(threshold.value_or(next_head->second), next_head->second);
          for (const KeptHead* h : kept)
            if (h->head.logs[l].size == next_head->first) signer = h;
          ++next_head;
        }
        auto leaf = leaves.leaf();
        if (!leaf || !threshold) continue;
        auto event = stored_event(store, leaf->id);
        if (!event || !event->event) continue;
        Timestamp recorded = *event->event->envelope.recorded_at;
        if (recorded > *threshold) continue;
        ++named;
        found.push_back({district, leaf_where(log, i),
                         event_text(event) + " was written after kept head " +
                             (signer ? signer->source : "") + " (whose " +
                             std::string(to_string(log)) + " log covered records up to " +
                             time_text(*threshold) +
                             ") but is dated before that: a record back-dated into a past the head "
                             "already covered"});
      }
    }
  }
  return found;
}

}  // namespace annals::verify
