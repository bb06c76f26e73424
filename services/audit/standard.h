// A supervision standard as data: its legal reference, the date it took effect, its
// indicators with their minimums per stage, the school and district rules, and which
// schools it excludes. The 2012 and 2017 national standards ship built in
// (services/audit/standards/*.json); a province or district loads its own files beside them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/enums.h"
#include "events/time.h"
#include "services/history/figures.h"

namespace annals {

struct IndicatorDefinition {
  std::string id;
  std::string name;
  Measure measure{};                // the resource counted
  double per_students = 1;          // 1: per student; 100: per 100 students
  std::map<Stage, double> minimum;  // per school; none: no school minimum
};

// A measurable guarantee beyond the indicators, checked per district and date
// (services/audit/guarantees.h says what each kind measures; docs/guarantees.md cites where
// each threshold comes from).
enum class GuaranteeKind : std::uint8_t {
  school_size,                        // every school's students at most `threshold`
  migrant_public_share,               // migrant pupils in public schools, share of all
  special_education_operating_funds,  // operating funds per pupil of special-education schools
  training_funds_share,               // each school's training funds, share of its operating funds
  backbone_share,                     // backbone teachers, share of full-time teachers
  class_size,                         // every class of a stage at most `threshold` pupils
  nearby_admission_share,             // an entry grade's pupils admitted nearby, public urban/town
                                      // day schools
  disabled_enrolment_share,           // disabled pupils enrolled, share of the census's children
  senior_high_quota_share,            // quality senior-high places allocated to junior schools
  appropriation_growth,               // education appropriation's growth minus revenue's
  per_pupil_appropriation_growth,     // growth of the appropriation per pupil
  per_pupil_operating_funds_growth,   // growth of the schools' operating funds per pupil
  rotation_share,                     // teachers who began a rotation in the last school year,
                                      // share of those eligible (eligible_years at one school)
  backbone_rotation_share,            // backbone teachers among them, share of `base`
};
template <>
struct EnumNames<GuaranteeKind> {
  static constexpr std::string_view names[] = {"school_size",
                                               "migrant_public_share",
                                               "special_education_operating_funds",
                                               "training_funds_share",
                                               "backbone_share",
                                               "class_size",
                                               "nearby_admission_share",
                                               "disabled_enrolment_share",
                                               "senior_high_quota_share",
                                               "appropriation_growth",
                                               "per_pupil_appropriation_growth",
                                               "per_pupil_operating_funds_growth",
                                               "rotation_share",
                                               "backbone_rotation_share"};
};

// How a guarantee's value is judged against its threshold: at most (a maximum), at least (a
// minimum), or above it (a growth: 三个增长 asks for growth, not for standing still).
enum class Comparison : std::uint8_t { at_most, at_least, above };
template <>
struct EnumNames<Comparison> {
  static constexpr std::string_view names[] = {"at_most", "at_least", "above"};
};
inline Comparison comparison_of(GuaranteeKind k) {
  switch (k) {
    case GuaranteeKind::school_size:
    case GuaranteeKind::class_size: return Comparison::at_most;
    case GuaranteeKind::appropriation_growth:
    case GuaranteeKind::per_pupil_appropriation_growth:
    case GuaranteeKind::per_pupil_operating_funds_growth: return Comparison::above;
    default: return Comparison::at_least;
  }
}
// Whether `value` meets `threshold` under `c`.
inline bool meets(Comparison c, double value, double threshold) {
  return c == Comparison::at_most ? value <= threshold
         : c == Comparison::above ? value > threshold
                                  : value >= threshold;
}

// What a guarantee's value counts: a share or growth (a fraction of 1), pupils, or yuan.
enum class GuaranteeUnit : std::uint8_t { share, pupils, yuan };
template <>
struct EnumNames<GuaranteeUnit> {
  static constexpr std::string_view names[] = {"share", "pupils", "yuan"};
};
inline GuaranteeUnit unit_of(GuaranteeKind k) {
  switch (k) {
    case GuaranteeKind::school_size:
    case GuaranteeKind::class_size: return GuaranteeUnit::pupils;
    case GuaranteeKind::special_education_operating_funds: return GuaranteeUnit::yuan;
    default: return GuaranteeUnit::share;
  }
}
// Whether the guarantee is judged on one stage (its definition names it).
inline bool of_one_stage(GuaranteeKind k) {
  return k == GuaranteeKind::class_size || k == GuaranteeKind::nearby_admission_share;
}
// What a backbone_rotation_share divides by: the teachers who rotated (the 2014 opinion's
// wording) or the backbone teachers eligible to (docs/guarantees.md).
enum class RotationBase : std::uint8_t { rotated, eligible };
template <>
struct EnumNames<RotationBase> {
  static constexpr std::string_view names[] = {"rotated", "eligible"};
};

struct GuaranteeDefinition;
// Whether it reads the district one year before the date (a growth per pupil against the year
// before; the teachers eligible to rotate at the start of the last school year).
bool needs_year_before(const GuaranteeDefinition& d);

struct GuaranteeDefinition {
  std::string id;
  std::string name;
  std::string reference;  // the text the threshold comes from
  GuaranteeKind kind{};
  double threshold = 0;  // judged by comparison_of(kind): a maximum, a minimum or a floor
  // school_size: the maximum for a school of both stages (九年一贯制); 0: `threshold`.
  double threshold_both_stages = 0;
  std::optional<Stage> stage;  // of_one_stage kinds: the stage judged
  // nearby_admission_share: the admission modes that count as nearby (就近入学).
  std::vector<AdmissionMode> modes;
  // rotation_share, backbone_rotation_share: the school years a post must have been held at
  // one school to be eligible (符合交流条件), and what the backbone share divides by.
  int eligible_years = 6;
  RotationBase base = RotationBase::rotated;
};

inline bool needs_year_before(const GuaranteeDefinition& d) {
  return d.kind == GuaranteeKind::per_pupil_appropriation_growth ||
         d.kind == GuaranteeKind::per_pupil_operating_funds_growth ||
         d.kind == GuaranteeKind::rotation_share ||
         (d.kind == GuaranteeKind::backbone_rotation_share && d.base == RotationBase::eligible);
}

// What makes a school strong or weak for a rotation's direction (strength.h): the share of its
// indicator minimums it meets, or its backbone teachers' share of its full-time teachers.
enum class StrengthMeasure : std::uint8_t { indicators_met, backbone_share };
template <>
struct EnumNames<StrengthMeasure> {
  static constexpr std::string_view names[] = {"indicators_met", "backbone_share"};
};

struct Standard {
  std::string id;
  std::string title;
  std::string reference;
  Date effective_from;
  std::vector<std::string> districts;  // empty: every district
  bool by_default = true;              // false: a supplementary check, applied only when asked for
  std::vector<IndicatorDefinition> indicators;
  std::vector<GuaranteeDefinition> guarantees;  // checked beside the indicators
  // A school complies when at least `min_indicators_met` indicators reach their minimum and
  // the others reach `others_at_least_fraction` of theirs. Absent: no school verdict.
  std::optional<int> school_min_indicators_met;
  double school_others_at_least_fraction = 0;
  // The district complies when every indicator's CV (each_cv), or their mean (composite_cv),
  // is at most max_cv for each stage.
  bool composite_cv = false;
  std::map<Stage, double> max_cv;
  std::vector<SchoolKind> excluded_kinds;
  std::int64_t teaching_points_under_students = 0;
  // How a rotation's direction is judged "strong to weak" (rule file: school_strength).
  StrengthMeasure school_strength = StrengthMeasure::backbone_share;

  nlohmann::json source;  // the rule file as loaded

  bool applies_to(const std::string& district) const;
};

// Parses a rule file; on failure returns nullopt and says why in `error`.
std::optional<Standard> parse_standard(const nlohmann::json& j, std::string& error);

// Parses the text of a rule file (what load_directory reads): JSON nested at most 16 levels
// (deeper text is refused before it is parsed: copying or writing it would recurse that
// deep), then as parse_standard. On failure returns nullopt and says why in `error`.
std::optional<Standard> parse_standard_text(std::string_view text, std::string& error);

class Standards {
 public:
  // The built-in national standards.
  static Standards built_in();
  // Adds every *.json rule file in `dir`; throws std::runtime_error naming the bad file.
  void load_directory(const std::string& dir);
  void add(Standard s);

  const std::vector<Standard>& all() const { return standards_; }
  const Standard* find(const std::string& id) const;
  // The standard in force in `district` on `at`: of those that apply to it and took effect
  // on or before `at`, the latest; a district's own wins over a national one of the same date.
  // Says why in `reason`; nullptr when none was in force yet.
  const Standard* in_force(const std::string& district, Date at, std::string& reason) const;

 private:
  std::vector<Standard> standards_;
};

}  // namespace annals
