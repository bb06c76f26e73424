#include "services/history/timeline.h"

#include <limits>
#include <memory>

#include <rocksdb/iterator.h>

namespace annals {

namespace {

// Every entry of the entity effective on or before `up_to` for which `keep` holds.
template <class Keep>
std::vector<views::ViewEntry> entries(views::Reader reader, const std::string& district,
                                      EntityKind kind, const std::string& id, Date up_to, Keep keep,
                                      std::string* last_key = nullptr) {
  std::vector<views::ViewEntry> out;
  std::string begin = views::entity_prefix(district, kind, id);
  std::string end = views::entity_after_date(district, kind, id, up_to);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  ro.prefix_same_as_start = true;
  auto it = reader.iterator(views::Family::timelines, ro);
  for (it->Seek(begin); it->Valid() && it->key().compare(upper) < 0; it->Next()) {
    auto entry = views::decode_view_entry(std::string_view(it->value().data(), it->value().size()));
    if (entry && keep(*entry)) out.push_back(std::move(*entry));
    if (last_key)
      last_key->assign(it->key().data() + begin.size(), it->key().size() - begin.size());
  }
  return out;
}

}  // namespace

std::vector<views::ViewEntry> timeline(views::Reader reader, const std::string& district,
                                       EntityKind kind, const std::string& id, Date up_to,
                                       Timestamp as_of) {
  return entries(reader, district, kind, id, up_to,
                 [as_of](const views::ViewEntry& e) { return e.visible_at(as_of); });
}

std::vector<views::ViewEntry> whole_timeline(views::Reader reader, const std::string& district,
                                             EntityKind kind, const std::string& id,
                                             std::string* last_key) {
  if (last_key) last_key->clear();
  return entries(
      reader, district, kind, id, Date{std::numeric_limits<std::int32_t>::max() - 1},
      [](const views::ViewEntry&) { return true; }, last_key);
}

std::optional<std::string> entity_district(views::Reader reader, EntityKind kind,
                                           const std::string& id) {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;  // one iterator for every district, past the prefix extractor
  auto it = reader.iterator(views::Family::timelines, ro);
  for (const auto& district : reader.districts()) {
    std::string prefix = views::entity_prefix(district, kind, id);
    it->Seek(prefix);
    if (it->Valid() && it->key().starts_with(prefix)) return district;
  }
  return std::nullopt;
}

}  // namespace annals
