// The series a school's figures are kept in (a section, a measure, a grade) and what an
// entity contributes to them. Section and Measure are stored in the figures family as bytes
// (services/views/format.h): their values are on disk, so new values are only appended.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "events/enums.h"
#include "events/time.h"

namespace annals {

// Which part of a school a figure belongs to. Facilities recorded for the whole of a
// nine-year school are `whole`; the indicators apportion them by students.
enum class Section : std::uint8_t { primary, junior, whole };  // append only: on disk
inline Section section_of(Stage s) {
  return s == Stage::primary ? Section::primary : Section::junior;
}

enum class Measure : std::uint8_t {  // append only: on disk
  students,                          // by grade
  migrant_students,                  // 随迁子女
  disabled_students,                 // any disability placement
  boarding_students,
  teachers,               // full-time (专任) teachers employed at the school
  qualified_teachers,     // above the required qualification: primary associate+, junior bachelor+
  backbone_teachers,      // backbone or higher honour at district level or above
  pe_music_art_teachers,  // subject PE, music or fine art
  senior_title_teachers,  // intermediate title or higher
  floor_area,             // centi-m²
  sports_area,            // centi-m²
  equipment_value,        // fen
  multimedia_classrooms,
  computers,
  books,
  // Money allocated to the school for the fiscal year of the date, in fen, by category.
  operating_funds,  // 生均公用经费
  earmarked_funds,  // 专项
  construction_funds,
  training_funds,
  subsidy_funds,
  // Classes (班额), by grade, from the school's latest count of each stage.
  classes,
  largest_class,  // pupils in the grade's largest class, when the count gives it
  // Pupils of the section's entry grade (primary 1, junior 7) by how they were admitted: the
  // series' grade byte holds the AdmissionMode (events/enums.h), not a grade.
  entry_admissions,
  // The rotation base (交流轮岗, docs/guarantees.md), counted at the school that holds each
  // full-time teacher's post (编制) in the section `whole`; the series' grade byte holds a school
  // year (year_byte). Read by the guarantees, not shown among a school's figures (by_year).
  posted_teachers,             // by the school year the post came to this school
  posted_backbone_teachers,    // the same, backbone teachers (district level or above)
  rotations_started,           // by the school year a rotation or support teaching began
  backbone_rotations_started,  // the same, the teacher a backbone teacher when it began
};
inline constexpr Measure kLastMeasure = Measure::backbone_rotations_started;
enum class Unit : std::uint8_t { count, m2, yuan };

template <>
struct EnumNames<Measure> {
  static constexpr std::string_view names[] = {"students",
                                               "migrant_students",
                                               "disabled_students",
                                               "boarding_students",
                                               "teachers",
                                               "qualified_teachers",
                                               "backbone_teachers",
                                               "pe_music_art_teachers",
                                               "senior_title_teachers",
                                               "floor_area",
                                               "sports_area",
                                               "equipment_value",
                                               "multimedia_classrooms",
                                               "computers",
                                               "books",
                                               "operating_funds",
                                               "earmarked_funds",
                                               "construction_funds",
                                               "training_funds",
                                               "subsidy_funds",
                                               "classes",
                                               "largest_class",
                                               "entry_admissions",
                                               "posted_teachers",
                                               "posted_backbone_teachers",
                                               "rotations_started",
                                               "backbone_rotations_started"};
};
template <>
struct EnumNames<Unit> {
  static constexpr std::string_view names[] = {"count", "m2", "yuan"};
};
template <>
struct EnumNames<Section> {
  static constexpr std::string_view names[] = {"primary", "junior", "whole"};
};
static_assert(std::size(EnumNames<Measure>::names) == std::size_t(kLastMeasure) + 1);
static_assert(std::size(EnumNames<Section>::names) == std::size_t(Section::whole) + 1);
static_assert(EnumNames<Measure>::names[std::size_t(Measure::floor_area)] == "floor_area");
static_assert(EnumNames<Measure>::names[std::size_t(Measure::operating_funds)] ==
              "operating_funds");

// Measures whose grade byte is a school year: the rotation base, read by the guarantees only.
inline bool by_year(Measure m) { return m >= Measure::posted_teachers; }
// A school year as a series' grade byte: years since 1900, 1900-2155 (events/bounds.h keeps
// every date of the contract within 1900-2099).
inline std::uint8_t year_byte(std::int64_t school_year) {
  return std::uint8_t(std::clamp<std::int64_t>(school_year - 1900, 0, 255));
}
inline std::int64_t year_of_byte(std::uint8_t b) { return 1900 + b; }

// Money allocated to a school (the finance system's part of a school's figures).
inline bool is_money(Measure m) {
  return m >= Measure::operating_funds && m <= Measure::subsidy_funds;
}

// `unit_of(m)`: the unit people read measure m in (areas are kept in centi-m² and shown in
// m², money kept in fen and shown in yuan, the rest are counts).
Unit unit_of(Measure m);
// `n` (as the views count it) in the unit people read: 1234 centi-m² -> 12.34 m².
double natural(Measure m, std::int64_t n);

struct Series {
  Section section{};
  Measure measure{};
  std::uint8_t grade = 0;  // students and classes; entry_admissions: the admission mode
  auto operator<=>(const Series&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(section, measure, grade);
  }
};

// `value` counts in `series` of `school_id` from `from` until `to` (exclusive; none: still).
struct Contribution {
  std::string school_id;
  Series series;
  Date from;
  std::optional<Date> to;
  std::int64_t value = 0;
  auto operator<=>(const Contribution&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(school_id, series, from, to, value);
  }
};

// A school's figures: a value per series, in series order. A sorted vector rather than a map:
// a school has tens of series, decoded, summed and written out on every question, and changed
// far less often (a district's state decodes hundreds of them per answer).
class Figures {
 public:
  using value_type = std::pair<Series, std::int64_t>;
  using iterator = std::vector<value_type>::iterator;
  using const_iterator = std::vector<value_type>::const_iterator;

  // The value of `s`, inserted as 0 (in order) when absent, as std::map's operator[].
  std::int64_t& operator[](Series s) {
    auto it = lower_bound(s);
    if (it == items_.end() || it->first != s) it = items_.insert(it, {s, 0});
    return it->second;
  }
  // The first series not before `s`.
  iterator lower_bound(Series s) {
    return std::lower_bound(items_.begin(), items_.end(), s, before);
  }
  const_iterator lower_bound(Series s) const {
    return std::lower_bound(items_.begin(), items_.end(), s, before);
  }
  const_iterator find(Series s) const {
    auto it = lower_bound(s);
    return it != items_.end() && it->first == s ? it : items_.end();
  }
  std::size_t count(Series s) const { return find(s) != items_.end(); }
  // Removes `s` if present; how many were removed (0 or 1).
  std::size_t erase(Series s) {
    auto it = find(s);
    if (it == items_.end()) return 0;
    items_.erase(it);
    return 1;
  }
  // Removes every series whose value is 0.
  void drop_zeros() {
    std::erase_if(items_, [](const value_type& kv) { return kv.second == 0; });
  }
  // Appends `s` = `n`; `s` comes after every series held (decoding a stored value in order).
  void append(Series s, std::int64_t n) { items_.emplace_back(s, n); }

  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  bool operator==(const Figures&) const = default;

 private:
  static bool before(const value_type& kv, Series s) { return kv.first < s; }
  std::vector<value_type> items_;
};

// `so_far` and one more grade's (or section's) `n` of measure `m` together: the larger for
// largest_class (a section's largest class is its largest grade's), the sum for the rest.
inline std::int64_t accumulate(Measure m, std::int64_t so_far, std::int64_t n) {
  return m == Measure::largest_class ? std::max(so_far, n) : so_far + n;
}

// A series over one section and measure, all grades accumulated.
std::int64_t total(const Figures& f, Section section, Measure measure);
// A measure over every section, accumulated.
std::int64_t total_of(const Figures& f, Measure measure);

}  // namespace annals
