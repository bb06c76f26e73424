#include "services/history/trail.h"

#include <rocksdb/iterator.h>

namespace annals {
namespace {

// Calls `f` with the key and value of each district_log entry of `district` from `begin` up
// to its last event effective on or before `to`, until `f` returns false.
void scan_log(views::Reader reader, const std::string& district, const std::string& begin, Date to,
              const std::function<bool(std::string_view key, const std::string& event_key)>& f) {
  std::string end = views::district_after_date(district, to);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  ro.prefix_same_as_start = true;
  auto it = reader.iterator(views::Family::district_log, ro);
  for (it->Seek(begin); it->Valid(); it->Next()) {
    const std::string event_key(it->value().data(), it->value().size());
    if (!f(std::string_view(it->key().data(), it->key().size()), event_key)) return;
  }
}

}  // namespace

void for_each_event(views::Reader reader, const std::string& district, Date from, Date to,
                    Timestamp as_of, const std::function<void(const TrailEntry&)>& f) {
  std::string begin = views::district_order_key(district, from, Timestamp{INT64_MIN}, {});
  scan_log(reader, district, begin, to, [&](std::string_view key, const std::string& id) {
    views::DistrictOrder order;
    if (!views::parse_district_order_key(key, order) || order.recorded > as_of) return true;
    auto stored = reader.event_at_key(id);
    if (!stored) return true;
    bool gone = reader.retracted_at(id, district, as_of).has_value();
    f({stored->event, order.recorded, gone});
    return true;
  });
}

std::map<std::string, std::size_t> count_events(views::Reader reader, const std::string& district,
                                                Date from, Date to) {
  std::map<std::string, std::size_t> out;
  const std::string prefix = views::district_prefix(district);
  const std::string end = views::district_after_date(district, to);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  auto it = reader.iterator(views::Family::event_counts, ro);
  for (it->Seek(views::event_count_key(district, from, "")); it->Valid(); it->Next()) {
    Date date;
    std::string_view type;
    if (views::parse_event_count_key(std::string_view(it->key().data(), it->key().size()),
                                     prefix.size(), date, type))
      out[std::string(type)] += std::size_t(
          views::decode_count(std::string_view(it->value().data(), it->value().size())));
  }
  return out;
}

TrailPage trail_page(views::Reader reader, const std::string& district,
                     const TrailPageQuery& query) {
  std::string begin =
      query.after ? *query.after + '\0'
                  : views::district_order_key(district, query.from, Timestamp{INT64_MIN}, {});
  TrailPage page;
  scan_log(reader, district, begin, query.to, [&](std::string_view key, const std::string& id) {
    views::DistrictOrder order;  // the key says when it was recorded: no need to decode
    if (!views::parse_district_order_key(key, order) || order.recorded > query.as_of) return true;
    auto stored = reader.event_at_key(id);
    if (!stored) return true;
    const Event& e = stored->event;
    if (!query.types.empty() && !query.types.count(std::string(type_name(e.data)))) return true;
    if (page.events.size() == query.limit) {
      page.more = true;
      return false;
    }
    auto retracted = reader.retracted_at(id, district, query.as_of);
    page.events.push_back({std::move(stored->event), std::string(key), retracted});
    return true;
  });
  return page;
}

}  // namespace annals
