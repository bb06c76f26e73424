// The guarantees of a district on a date (guarantees.h).
#include "services/audit/guarantees.h"

namespace annals {

namespace {

// `m` summed over the sections of a school (primary, junior and the whole school).
std::int64_t all_sections(const Figures& f, Measure m) {
  return total(f, Section::primary, m) + total(f, Section::junior, m) + total(f, Section::whole, m);
}

std::int64_t pupils(const Figures& f) {
  return total(f, Section::primary, Measure::students) +
         total(f, Section::junior, Measure::students);
}

// A share judged against a minimum: nullopt (nothing to judge) when `of` is 0.
void share(GuaranteeResult& r, double part, double of) {
  if (of <= 0) return;
  r.value = part / of;
  r.met = *r.value >= r.definition->threshold;
}

}  // namespace

std::vector<GuaranteeResult> compute_guarantees(const DistrictState& state,
                                                const Standard& standard) {
  static const Figures kNone;
  std::vector<GuaranteeResult> out;
  const auto schools = state.open_schools();
  auto figures_of = [&](const SchoolRecord& s) -> const Figures& {
    auto f = state.figures.find(s.school_id);
    return f == state.figures.end() ? kNone : f->second;
  };
  for (const auto& def : standard.guarantees) {
    GuaranteeResult r{&def};
    double part = 0, of = 0;
    for (const SchoolRecord* s : schools) {
      const Figures& f = figures_of(*s);
      switch (def.kind) {
        case GuaranteeKind::school_size: {
          const double n = double(pupils(f));
          const double limit = s->stages.size() > 1 && def.threshold_both_stages > 0
                                   ? def.threshold_both_stages
                                   : def.threshold;
          ++r.schools_checked;
          r.value = std::max(r.value.value_or(0), n);
          if (n > limit) r.failing.push_back({s->school_id, s->name, n, limit});
          break;
        }
        case GuaranteeKind::migrant_public_share: {
          const double n = double(all_sections(f, Measure::migrant_students));
          if (n > 0) ++r.schools_checked;
          of += n;
          if (s->ownership == Ownership::public_) part += n;
          break;
        }
        case GuaranteeKind::special_education_operating_funds: {
          const std::int64_t n = pupils(f);
          if (s->kind != SchoolKind::special_education || n == 0) break;
          const double yuan =
              natural(Measure::operating_funds, all_sections(f, Measure::operating_funds));
          ++r.schools_checked;
          part += yuan;
          of += double(n);
          if (yuan / double(n) < def.threshold)
            r.failing.push_back({s->school_id, s->name, yuan / double(n), def.threshold});
          break;
        }
        case GuaranteeKind::training_funds_share: {
          const double operating = double(all_sections(f, Measure::operating_funds));
          if (operating <= 0) break;
          const double training = double(all_sections(f, Measure::training_funds));
          ++r.schools_checked;
          part += training;
          of += operating;
          if (training / operating < def.threshold)
            r.failing.push_back({s->school_id, s->name, training / operating, def.threshold});
          break;
        }
        case GuaranteeKind::backbone_share:
          part += double(all_sections(f, Measure::backbone_teachers));
          of += double(all_sections(f, Measure::teachers));
          if (all_sections(f, Measure::teachers) > 0) ++r.schools_checked;
          break;
      }
    }
    switch (def.kind) {
      case GuaranteeKind::school_size:
        if (r.schools_checked > 0) r.met = r.failing.empty();
        break;
      case GuaranteeKind::special_education_operating_funds:
      case GuaranteeKind::training_funds_share:
        if (of > 0) r.value = part / of;
        if (r.schools_checked > 0) r.met = r.failing.empty();
        break;
      case GuaranteeKind::migrant_public_share:
      case GuaranteeKind::backbone_share: share(r, part, of); break;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace annals
