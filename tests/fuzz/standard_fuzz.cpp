// The standards loader (services/audit/standard.h) on arbitrary text, as a rule file in a
// standards directory. Beyond not crashing or throwing (a bad file must be an error naming
// what is wrong):
//   - a refused file says why (a non-empty error);
//   - a loaded standard has at least one indicator, each with a positive per_students, a
//     school rule of 0 to that many indicators, no negative teaching-point bound; loading its
//     `source` again gives the same rules;
//   - it can join the built-in standards, and the one in force on any date is found
//     without error.
#include <cstddef>
#include <cstdint>

#include "services/audit/standard.h"
#include "tests/fuzz/fuzz_support.h"

namespace annals {
namespace {

bool same_rules(const Standard& a, const Standard& b) {
  if (a.id != b.id || a.title != b.title || a.reference != b.reference ||
      a.effective_from != b.effective_from || a.districts != b.districts ||
      a.by_default != b.by_default || a.indicators.size() != b.indicators.size() ||
      a.school_min_indicators_met != b.school_min_indicators_met ||
      a.composite_cv != b.composite_cv || a.max_cv != b.max_cv ||
      a.excluded_kinds != b.excluded_kinds ||
      a.teaching_points_under_students != b.teaching_points_under_students)
    return false;
  for (std::size_t i = 0; i < a.indicators.size(); ++i) {
    const auto &x = a.indicators[i], &y = b.indicators[i];
    if (x.id != y.id || x.name != y.name || x.measure != y.measure ||
        x.per_students != y.per_students || x.minimum != y.minimum)
      return false;
  }
  return true;
}

}  // namespace
}  // namespace annals

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace annals;
  static const Standards built_in = Standards::built_in();
  std::string error;
  auto standard = parse_standard_text(fuzz::text_of(data, size), error);
  if (!standard) {
    FUZZ_CHECK(!error.empty(), "a refused rule file without a reason");
    return 0;
  }
  const Standard& s = *standard;
  FUZZ_CHECK(!s.indicators.empty(), s.id);
  for (const auto& i : s.indicators) FUZZ_CHECK(i.per_students > 0, s.id + "/" + i.id);
  if (s.school_min_indicators_met)
    FUZZ_CHECK(*s.school_min_indicators_met >= 0 &&
                   std::size_t(*s.school_min_indicators_met) <= s.indicators.size(),
               s.id);
  FUZZ_CHECK(s.teaching_points_under_students >= 0, s.id);

  std::string again_error;
  auto again = parse_standard(s.source, again_error);
  FUZZ_CHECK(again && same_rules(s, *again), "its source loads differently: " + again_error);

  Standards all = built_in;
  all.add(s);
  FUZZ_CHECK(all.find(s.id) != nullptr, s.id);
  std::string reason;
  for (Date at : {s.effective_from, Date{s.effective_from.days - 1}, Date{0}, Date{20'000}}) {
    std::string own = s.districts.empty() ? "" : s.districts[0];
    for (const std::string& district : {std::string("dongcheng"), own}) {
      const Standard* in_force = all.in_force(district, at, reason);
      FUZZ_CHECK(!reason.empty(), "in_force without a reason");
      if (in_force)
        FUZZ_CHECK(in_force->applies_to(district) && !(at < in_force->effective_from), reason);
    }
  }
  return 0;
}
