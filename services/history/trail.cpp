#include "services/history/trail.h"

#include <rocksdb/iterator.h>


namespace annals {

void for_each_event(views::Reader reader, const std::string& district, Date from, Date to, Timestamp as_of,
                    const std::function<void(const TrailEntry&)>& f) {
  std::string begin = views::district_order_key(district, from, Timestamp{INT64_MIN}, {});
  std::string end = views::district_after_date(district, to);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  ro.prefix_same_as_start = true;
  auto it = reader.iterator(views::Family::district_log, ro);
  for (it->Seek(begin); it->Valid(); it->Next()) {
    views::DistrictOrder order;
    if (!views::parse_district_order_key(std::string_view(it->key().data(), it->key().size()), order) ||
        order.recorded > as_of)
      continue;
    const std::string id(it->value().data(), it->value().size());
    auto stored = reader.event_at_key(id);
    if (!stored) continue;
    bool gone = reader.retracted_at(id, district, as_of).has_value();
    f({stored->event, order.recorded, gone});
  }
}

}  // namespace annals
