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
};
template <>
struct EnumNames<GuaranteeKind> {
  static constexpr std::string_view names[] = {"school_size", "migrant_public_share",
                                               "special_education_operating_funds",
                                               "training_funds_share", "backbone_share"};
};

// Whether a guarantee's value is a share (a fraction of 1), not a count or an amount.
inline bool is_share(GuaranteeKind k) {
  return k == GuaranteeKind::migrant_public_share || k == GuaranteeKind::training_funds_share ||
         k == GuaranteeKind::backbone_share;
}

struct GuaranteeDefinition {
  std::string id;
  std::string name;
  std::string reference;  // the text the threshold comes from
  GuaranteeKind kind{};
  double threshold = 0;  // school_size: a maximum of pupils; the others: a minimum
  // school_size: the maximum for a school of both stages (九年一贯制); 0: `threshold`.
  double threshold_both_stages = 0;
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
