// Totals and units of the figures' series (services/views/series.h).
#include "services/views/series.h"

namespace annals {

std::int64_t total(const Figures& f, Section section, Measure measure) {
  std::int64_t n = 0;
  for (auto it = f.lower_bound({section, measure, 0});
       it != f.end() && it->first.section == section && it->first.measure == measure; ++it)
    n = accumulate(measure, n, it->second);
  return n;
}

std::int64_t total_of(const Figures& f, Measure measure) {
  std::int64_t n = total(f, Section::primary, measure);
  n = accumulate(measure, n, total(f, Section::junior, measure));
  return accumulate(measure, n, total(f, Section::whole, measure));
}

Unit unit_of(Measure m) {
  if (m == Measure::floor_area || m == Measure::sports_area) return Unit::m2;
  if (m == Measure::equipment_value || is_money(m)) return Unit::yuan;
  return Unit::count;
}

double natural(Measure m, std::int64_t n) {
  return unit_of(m) == Unit::count ? double(n) : double(n) / 100;
}

}  // namespace annals
