// The guarantees of a district on a date (guarantees.h).
#include "services/audit/guarantees.h"

#include <algorithm>

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

std::int64_t value_of(const Figures& f, Section section, Measure m, std::uint8_t grade) {
  auto it = f.find(Series{section, m, grade});
  return it == f.end() ? 0 : it->second;
}

// What the growths compare: the open schools' pupils and operating funds on a date.
struct Totals {
  double pupils = 0;
  double operating_funds = 0;  // yuan, for the fiscal year of the date
};
Totals totals_of(const DistrictState& state) {
  Totals t;
  for (const auto& [id, f] : state.figures) {
    t.pupils += double(pupils(f));
    t.operating_funds +=
        natural(Measure::operating_funds, all_sections(f, Measure::operating_funds));
  }
  return t;
}

// `now / before - 1`, or nullopt when `before` is not positive.
std::optional<double> growth(double now, double before) {
  if (!(before > 0)) return std::nullopt;
  return now / before - 1;
}

// The largest class of one grade: as counted, or (a lower bound) the grade's pupils over its
// classes; nullopt when the grade has no class counted.
std::optional<double> largest_class(const Figures& f, Section section, std::uint8_t grade) {
  if (std::int64_t largest = value_of(f, section, Measure::largest_class, grade); largest > 0)
    return double(largest);
  const std::int64_t classes = value_of(f, section, Measure::classes, grade);
  if (classes <= 0) return std::nullopt;
  return double(value_of(f, section, Measure::students, grade)) / double(classes);
}

class Judge {
 public:
  Judge(const DistrictState& state, const DistrictState* year_before)
      : state_(state), year_before_(year_before), schools_(state.open_schools()) {}

  GuaranteeResult judge(const GuaranteeDefinition& def) {
    GuaranteeResult r{&def};
    switch (def.kind) {
      case GuaranteeKind::school_size: school_size(r); break;
      case GuaranteeKind::class_size: class_size(r); break;
      case GuaranteeKind::migrant_public_share:
      case GuaranteeKind::backbone_share:
      case GuaranteeKind::nearby_admission_share: district_share(r); break;
      case GuaranteeKind::special_education_operating_funds:
      case GuaranteeKind::training_funds_share: per_school_ratio(r); break;
      case GuaranteeKind::disabled_enrolment_share: disabled_enrolment(r); break;
      case GuaranteeKind::senior_high_quota_share: senior_high_quota(r); break;
      case GuaranteeKind::appropriation_growth:
      case GuaranteeKind::per_pupil_appropriation_growth:
      case GuaranteeKind::per_pupil_operating_funds_growth: growths(r); break;
      case GuaranteeKind::rotation_share:
      case GuaranteeKind::backbone_rotation_share: rotations(r); break;
    }
    return r;
  }

 private:
  const Figures& figures_of(const SchoolRecord& s) const {
    static const Figures kNone;
    auto f = state_.figures.find(s.school_id);
    return f == state_.figures.end() ? kNone : f->second;
  }
  // A district-level value judged against its threshold.
  static void judge_value(GuaranteeResult& r, std::optional<double> value) {
    r.value = value;
    if (value) r.met = meets(comparison_of(r.definition->kind), *value, r.definition->threshold);
  }
  static void fail_if(GuaranteeResult& r, const SchoolRecord& s, double value, double threshold) {
    if (!meets(comparison_of(r.definition->kind), value, threshold))
      r.failing.push_back({s.school_id, s.name, value, threshold});
  }
  static void met_if_none_failed(GuaranteeResult& r) {
    if (r.schools_checked > 0) r.met = r.failing.empty();
  }

  void school_size(GuaranteeResult& r) {
    const GuaranteeDefinition& def = *r.definition;
    for (const SchoolRecord* s : schools_) {
      const double n = double(pupils(figures_of(*s)));
      const double limit = s->stages.size() > 1 && def.threshold_both_stages > 0
                               ? def.threshold_both_stages
                               : def.threshold;
      ++r.schools_checked;
      r.value = std::max(r.value.value_or(0), n);
      fail_if(r, *s, n, limit);
    }
    met_if_none_failed(r);
  }

  // Each school's largest class of the stage, over the grades its latest count gives.
  void class_size(GuaranteeResult& r) {
    const Section section = section_of(*r.definition->stage);
    for (const SchoolRecord* s : schools_) {
      const Figures& f = figures_of(*s);
      std::optional<double> largest;
      for (auto it = f.lower_bound(Series{section, Measure::classes, 0});
           it != f.end() && it->first.section == section && it->first.measure == Measure::classes;
           ++it)
        if (auto n = largest_class(f, section, it->first.grade))
          largest = std::max(largest.value_or(0), *n);
      if (!largest) continue;
      ++r.schools_checked;
      r.value = std::max(r.value.value_or(0), *largest);
      fail_if(r, *s, *largest, r.definition->threshold);
    }
    met_if_none_failed(r);
  }

  // A share of the district's pupils or teachers; the schools under the threshold named too
  // where the share is counted school by school (nearby admission).
  void district_share(GuaranteeResult& r) {
    const GuaranteeDefinition& def = *r.definition;
    double part = 0, of = 0;
    for (const SchoolRecord* s : schools_) {
      const Figures& f = figures_of(*s);
      double p = 0, o = 0;
      switch (def.kind) {
        case GuaranteeKind::migrant_public_share:
          o = double(all_sections(f, Measure::migrant_students));
          p = s->ownership == Ownership::public_ ? o : 0;
          break;
        case GuaranteeKind::backbone_share:
          p = double(all_sections(f, Measure::backbone_teachers));
          o = double(all_sections(f, Measure::teachers));
          break;
        default: {  // nearby_admission_share: the entry grade of public urban and town day
                    // schools (a special-education school admits by need, not by address)
          if (s->ownership != Ownership::public_ || s->boarding ||
              s->kind == SchoolKind::special_education ||
              (s->location != LocationClass::urban && s->location != LocationClass::town))
            break;
          const Section section = section_of(*def.stage);
          for (const auto& [series, n] : f) {
            if (series.section != section || series.measure != Measure::entry_admissions) continue;
            o += double(n);
            if (std::find(def.modes.begin(), def.modes.end(), AdmissionMode(series.grade)) !=
                def.modes.end())
              p += double(n);
          }
          if (o > 0) fail_if(r, *s, p / o, def.threshold);
        }
      }
      if (o > 0) ++r.schools_checked;
      part += p;
      of += o;
    }
    judge_value(r, of > 0 ? std::optional(part / of) : std::nullopt);
  }

  // Money judged school by school: a ratio per school, the district's value the ratio of the
  // sums.
  void per_school_ratio(GuaranteeResult& r) {
    const GuaranteeDefinition& def = *r.definition;
    double part = 0, of = 0;
    for (const SchoolRecord* s : schools_) {
      const Figures& f = figures_of(*s);
      double p = 0, o = 0;
      if (def.kind == GuaranteeKind::special_education_operating_funds) {
        if (s->kind != SchoolKind::special_education) continue;
        p = natural(Measure::operating_funds, all_sections(f, Measure::operating_funds));
        o = double(pupils(f));
      } else {  // training_funds_share
        p = double(all_sections(f, Measure::training_funds));
        o = double(all_sections(f, Measure::operating_funds));
      }
      if (o <= 0) continue;
      ++r.schools_checked;
      part += p;
      of += o;
      fail_if(r, *s, p / o, def.threshold);
    }
    if (of > 0) r.value = part / of;
    met_if_none_failed(r);
  }

  // Disabled pupils enrolled on the date over the census of the school year's children, or of
  // the year before's until this year's is recorded (a census is taken in the autumn).
  void disabled_enrolment(GuaranteeResult& r) {
    const auto& census = state_.registry.facts.disabled_census;
    auto c = census.end();
    for (std::int64_t year : {school_year_of(state_.at), school_year_of(state_.at) - 1})
      if (c = census.find(year); c != census.end() && c->second.children > 0) break;
    if (c == census.end() || c->second.children <= 0) return;
    r.year = c->first;
    double enrolled = 0;
    for (const SchoolRecord* s : schools_) {
      const double n = double(all_sections(figures_of(*s), Measure::disabled_students));
      if (n > 0) ++r.schools_checked;
      enrolled += n;
    }
    judge_value(r, enrolled / double(c->second.children));
  }

  // The quota of the date's year's admission, or of the year before when this year's is not
  // recorded yet (an admission plan is published in the spring).
  void senior_high_quota(GuaranteeResult& r) {
    const auto& quotas = state_.registry.facts.quotas;
    for (std::int64_t year : {std::int64_t(state_.at.year()), std::int64_t(state_.at.year() - 1)})
      if (auto q = quotas.find(year); q != quotas.end() && q->second.quality_places > 0) {
        r.year = year;
        judge_value(
            r, double(q->second.allocated_to_junior_schools) / double(q->second.quality_places));
        return;
      }
  }

  // 三个增长: the date's fiscal year against the year before.
  void growths(GuaranteeResult& r) {
    const std::int64_t year = state_.at.year();
    const auto& budgets = state_.registry.facts.budgets;
    auto now = budgets.find(year), before = budgets.find(year - 1);
    const bool budgeted = now != budgets.end() && before != budgets.end();
    std::optional<double> value;
    switch (r.definition->kind) {
      case GuaranteeKind::appropriation_growth:
        if (!budgeted) return;
        if (auto a = growth(double(now->second.education_appropriation_fen),
                            double(before->second.education_appropriation_fen)))
          if (auto rev = growth(double(now->second.recurring_revenue_fen),
                                double(before->second.recurring_revenue_fen)))
            value = *a - *rev;
        break;
      case GuaranteeKind::per_pupil_appropriation_growth: {
        if (!budgeted || !year_before_) return;
        const Totals t = totals_of(state_), b = totals_of(*year_before_);
        if (t.pupils > 0 && b.pupils > 0)
          value = growth(double(now->second.education_appropriation_fen) / t.pupils,
                         double(before->second.education_appropriation_fen) / b.pupils);
        break;
      }
      default: {  // per_pupil_operating_funds_growth
        if (!year_before_) return;
        const Totals t = totals_of(state_), b = totals_of(*year_before_);
        if (t.pupils > 0 && b.pupils > 0)
          value = growth(t.operating_funds / t.pupils, b.operating_funds / b.pupils);
      }
    }
    if (!value) return;
    r.year = year;
    r.schools_checked = schools_.size();
    judge_value(r, value);
  }

  // 交流轮岗 in the last whole school year before the date's: the teachers who began a rotation
  // or support teaching in it, as the date's record counts them at the schools holding their
  // posts, over those eligible at its start, from the district one year before (a post held at
  // one school since `eligible_years` school years before).
  void rotations(GuaranteeResult& r) {
    const GuaranteeDefinition& def = *r.definition;
    const std::int64_t year = school_year_of(state_.at) - 1;
    // Over the open schools of `st`, the series of `m` whose school year `keep` accepts, and
    // the schools with any.
    auto count = [&](const DistrictState& st, Measure m, auto keep) {
      std::pair<double, std::size_t> out{0, 0};
      for (const SchoolRecord* s : st.open_schools()) {
        auto f = st.figures.find(s->school_id);
        if (f == st.figures.end()) continue;
        double n = 0;
        for (auto it = f->second.lower_bound(Series{Section::whole, m, 0});
             it != f->second.end() && it->first.section == Section::whole && it->first.measure == m;
             ++it)
          if (keep(year_of_byte(it->first.grade))) n += double(it->second);
        out.first += n;
        out.second += n > 0;
      }
      return out;
    };
    auto in_year = [&](std::int64_t y) { return y == year; };
    auto eligible = [&](std::int64_t since) { return since <= year - def.eligible_years; };
    const bool by_eligible =
        def.kind == GuaranteeKind::rotation_share || def.base == RotationBase::eligible;
    if (by_eligible && !year_before_) return;
    const Measure part = def.kind == GuaranteeKind::rotation_share
                             ? Measure::rotations_started
                             : Measure::backbone_rotations_started;
    const double p = count(state_, part, in_year).first;
    const auto [of, schools_of] =
        !by_eligible ? count(state_, Measure::rotations_started, in_year)
        : def.kind == GuaranteeKind::rotation_share
            ? count(*year_before_, Measure::posted_teachers, eligible)
            : count(*year_before_, Measure::posted_backbone_teachers, eligible);
    r.year = year;
    r.schools_checked = schools_of;
    if (of > 0) judge_value(r, p / of);
  }

  const DistrictState& state_;
  const DistrictState* year_before_;
  std::vector<const SchoolRecord*> schools_;
};

}  // namespace

Date year_before(Date d) {
  Date back = add_years(d, -1);  // 2020-02-29 - 1 year runs on to 2019-03-01
  return back.year() == d.year() - 1 && add_years(back, 1) == d ? back : Date{back.days - 1};
}

std::vector<GuaranteeResult> compute_guarantees(const DistrictState& state,
                                                const Standard& standard,
                                                const DistrictState* year_before) {
  Judge judge(state, year_before);
  std::vector<GuaranteeResult> out;
  for (const auto& def : standard.guarantees) out.push_back(judge.judge(def));
  return out;
}

}  // namespace annals
