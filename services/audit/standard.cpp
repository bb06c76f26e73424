#include "services/audit/standard.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "events/json_documents.h"

namespace annals {

extern const char* const kBuiltInStandards[];  // generated from services/audit/standards/*.json

bool Standard::applies_to(const std::string& district) const {
  return districts.empty() ||
         std::find(districts.begin(), districts.end(), district) != districts.end();
}

namespace {

std::map<Stage, double> per_stage(const nlohmann::json& j, const std::string& where) {
  std::map<Stage, double> out;
  if (!j.is_object())
    throw std::runtime_error(where + " must be an object {\"primary\": x, \"junior\": y}");
  for (const auto& [k, v] : j.items()) {
    auto stage = enum_from_string<Stage>(k);
    if (!stage) throw std::runtime_error(where + ": unknown stage '" + k + "'");
    if (!v.is_number()) throw std::runtime_error(where + "/" + k + " must be a number");
    out[*stage] = v.get<double>();
  }
  return out;
}

// A whole number from `lo` to `hi` (2 and 2.0 alike); throws naming `where` otherwise. Read
// as a double first: converting an out-of-range double to an integer is undefined behaviour.
std::int64_t whole_number(const nlohmann::json& j, std::int64_t lo, std::int64_t hi,
                          const std::string& where) {
  double d = j.is_number() ? j.get<double>() : NAN;
  if (!(d >= double(lo) && d <= double(hi)) || std::trunc(d) != d)
    throw std::runtime_error(where + " must be a whole number from " + std::to_string(lo) + " to " +
                             std::to_string(hi));
  return static_cast<std::int64_t>(d);
}

GuaranteeDefinition parse_guarantee(const nlohmann::json& g) {
  GuaranteeDefinition d;
  d.id = g.at("id").get<std::string>();
  const std::string where = "guarantee '" + d.id + "'";
  d.name = g.value("name", d.id);
  d.reference = g.value("reference", "");
  const std::string kind = g.at("kind").get<std::string>();
  auto k = enum_from_string<GuaranteeKind>(kind);
  if (!k) throw std::runtime_error(where + ": unknown kind '" + kind + "'");
  d.kind = *k;
  const char* bound = comparison_of(d.kind) == Comparison::at_most ? "maximum" : "minimum";
  // A growth's floor may be negative (a district's own rule may tolerate a fall).
  const bool any_sign = comparison_of(d.kind) == Comparison::above;
  if (!g.contains(bound) || !g[bound].is_number() || !(any_sign || g[bound].get<double>() >= 0))
    throw std::runtime_error(where + " needs a " + bound +
                             (any_sign ? " (a number)" : " (a number, not negative)"));
  d.threshold = g[bound].get<double>();
  if (g.contains("maximum_both_stages")) {
    if (d.kind != GuaranteeKind::school_size || !g["maximum_both_stages"].is_number() ||
        !(g["maximum_both_stages"].get<double>() >= 0))
      throw std::runtime_error(where +
                               ": maximum_both_stages is a number, of a school_size guarantee");
    d.threshold_both_stages = g["maximum_both_stages"].get<double>();
  }
  if (g.contains("stage")) {
    auto stage = g["stage"].is_string() ? enum_from_string<Stage>(g["stage"].get<std::string>())
                                        : std::nullopt;
    if (!of_one_stage(d.kind) || !stage)
      throw std::runtime_error(where +
                               ": stage is primary or junior, of a class_size or "
                               "nearby_admission_share guarantee");
    d.stage = stage;
  } else if (of_one_stage(d.kind)) {
    throw std::runtime_error(where + " needs a stage (primary or junior)");
  }
  if (g.contains("modes") != (d.kind == GuaranteeKind::nearby_admission_share))
    throw std::runtime_error(where + (g.contains("modes")
                                          ? ": modes belong to a nearby_admission_share guarantee"
                                          : " needs modes (the admission modes counted nearby)"));
  const bool rotation =
      d.kind == GuaranteeKind::rotation_share || d.kind == GuaranteeKind::backbone_rotation_share;
  if (g.contains("eligible_years")) {
    if (!rotation)
      throw std::runtime_error(where + ": eligible_years belong to a rotation guarantee");
    d.eligible_years = int(whole_number(g["eligible_years"], 1, 30, where + ": eligible_years"));
  }
  if (g.contains("base")) {
    auto base = g["base"].is_string() ? enum_from_string<RotationBase>(g["base"].get<std::string>())
                                      : std::nullopt;
    if (d.kind != GuaranteeKind::backbone_rotation_share || !base)
      throw std::runtime_error(where +
                               ": base is rotated or eligible, of a backbone_rotation_share "
                               "guarantee");
    d.base = *base;
  }
  if (g.contains("modes")) {
    if (!g["modes"].is_array() || g["modes"].empty())
      throw std::runtime_error(where + ": modes is a list of admission modes, not empty");
    for (const auto& m : g["modes"]) {
      auto mode =
          m.is_string() ? enum_from_string<AdmissionMode>(m.get<std::string>()) : std::nullopt;
      if (!mode)
        throw std::runtime_error(where + ": unknown admission mode " + m.dump() +
                                 " (nearby, lottery, direct_promotion, other)");
      d.modes.push_back(*mode);
    }
  }
  return d;
}

}  // namespace

std::optional<Standard> parse_standard(const nlohmann::json& j, std::string& error) {
  try {
    Standard s;
    s.source = j;
    s.id = j.at("id").get<std::string>();
    s.title = j.value("title", s.id);
    s.reference = j.value("reference", "");
    auto from = Date::parse(j.at("effective_from").get<std::string>());
    if (!from) throw std::runtime_error("effective_from must be a date YYYY-MM-DD");
    s.effective_from = *from;
    s.districts = j.value("districts", std::vector<std::string>{});
    s.by_default = j.value("by_default", true);
    for (const auto& i : j.at("indicators")) {
      IndicatorDefinition d;
      d.id = i.at("id").get<std::string>();
      d.name = i.value("name", d.id);
      auto m = enum_from_string<Measure>(i.at("measure").get<std::string>());
      if (!m || *m == Measure::students)
        throw std::runtime_error("indicator '" + d.id + "': unknown measure '" +
                                 i.at("measure").get<std::string>() + "'");
      d.measure = *m;
      d.per_students = i.value("per_students", 1.0);
      if (d.per_students <= 0)
        throw std::runtime_error("indicator '" + d.id + "': per_students must be positive");
      if (i.contains("minimum"))
        d.minimum = per_stage(i["minimum"], "indicator '" + d.id + "' minimum");
      s.indicators.push_back(std::move(d));
    }
    if (s.indicators.empty()) throw std::runtime_error("a standard needs at least one indicator");
    if (j.contains("guarantees") && !j["guarantees"].is_array())
      throw std::runtime_error("guarantees must be an array");
    for (const auto& g : j.value("guarantees", nlohmann::json::array())) {
      s.guarantees.push_back(parse_guarantee(g));
      for (std::size_t i = 0; i + 1 < s.guarantees.size(); ++i)
        if (s.guarantees[i].id == s.guarantees.back().id)
          throw std::runtime_error("guarantee '" + s.guarantees.back().id + "' is defined twice");
    }
    if (j.contains("school_strength")) {
      auto m = j["school_strength"].is_string()
                   ? enum_from_string<StrengthMeasure>(j["school_strength"].get<std::string>())
                   : std::nullopt;
      if (!m) throw std::runtime_error("school_strength is indicators_met or backbone_share");
      s.school_strength = *m;
    }
    if (j.contains("school_rule")) {
      s.school_min_indicators_met =
          int(whole_number(j["school_rule"].at("min_indicators_met"), 0,
                           std::int64_t(s.indicators.size()), "school_rule min_indicators_met"));
      s.school_others_at_least_fraction = j["school_rule"].value("others_at_least_fraction", 1.0);
    }
    const auto& rule = j.at("district_rule");
    std::string kind = rule.at("kind").get<std::string>();
    if (kind != "each_cv" && kind != "composite_cv")
      throw std::runtime_error("district_rule kind must be each_cv or composite_cv, got '" + kind +
                               "'");
    s.composite_cv = kind == "composite_cv";
    s.max_cv = per_stage(rule.at("max_cv"), "district_rule max_cv");
    if (j.contains("exclusions")) {
      for (const auto& k : j["exclusions"].value("kinds", std::vector<std::string>{})) {
        auto kind = enum_from_string<SchoolKind>(k);
        if (!kind) throw std::runtime_error("exclusions: unknown school kind '" + k + "'");
        s.excluded_kinds.push_back(*kind);
      }
      const auto& exclusions = j["exclusions"];
      if (exclusions.contains("teaching_points_under_students"))
        s.teaching_points_under_students =
            whole_number(exclusions["teaching_points_under_students"], 0, std::int64_t(1) << 53,
                         "exclusions teaching_points_under_students");
    }
    return s;
  } catch (const std::exception& e) {
    error = e.what();
    return std::nullopt;
  }
}

std::optional<Standard> parse_standard_text(std::string_view text, std::string& error) {
  constexpr std::size_t kMaxDepth = 16;  // a rule file nests 4 levels
  if (json_depth(text, kMaxDepth) > kMaxDepth) {
    error = "nested deeper than " + std::to_string(kMaxDepth) + " levels of arrays and objects";
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) {
    error = "not valid JSON";
    return std::nullopt;
  }
  return parse_standard(j, error);
}

Standards Standards::built_in() {
  Standards out;
  for (const char* const* text = kBuiltInStandards; *text; ++text) {
    std::string error;
    auto s = parse_standard(nlohmann::json::parse(*text), error);
    if (!s) throw std::logic_error("built-in standard: " + error);
    out.add(std::move(*s));
  }
  return out;
}

void Standards::load_directory(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& f : std::filesystem::directory_iterator(dir))
    if (f.path().extension() == ".json") files.push_back(f.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::string error;
    auto s = parse_standard_text(text, error);
    if (!s) throw std::runtime_error(path.string() + ": " + error);
    add(std::move(*s));
  }
}

void Standards::add(Standard s) {
  std::erase_if(standards_, [&](const Standard& o) {
    return o.id == s.id;
  });  // a loaded file replaces a built-in
  standards_.push_back(std::move(s));
}

const Standard* Standards::find(const std::string& id) const {
  for (const auto& s : standards_)
    if (s.id == id) return &s;
  return nullptr;
}

const Standard* Standards::in_force(const std::string& district, Date at,
                                    std::string& reason) const {
  const Standard* best = nullptr;
  for (const auto& s : standards_) {
    if (!s.by_default || !s.applies_to(district) || at < s.effective_from) continue;
    if (!best || best->effective_from < s.effective_from ||
        (best->effective_from == s.effective_from && best->districts.empty() &&
         !s.districts.empty()))
      best = &s;
  }
  if (!best) {
    reason = "no standard was in force on " + at.to_string();
    return nullptr;
  }
  reason = "in force on " + at.to_string() + ": " + best->reference + " took effect on " +
           best->effective_from.to_string() +
           (best->districts.empty() ? "" : " for this district") + ", the latest standard to do so";
  return best;
}

}  // namespace annals
