// What each school has on any date: its students (by stage and grade, and by flag), its
// full-time teachers (by stage, and by the attributes the indicators count) and its
// facilities (by section), kept as step functions of the date.
//
// Every student, teacher and school contributes values to series of a school over date
// intervals: a student counts 1 in grade 7 of school S from its enrolment until its
// promotion; a school's surveyed floor area counts until the next survey. The projector keeps
// each entity's contributions and, per school, all its series together as one step function
// of the date, kept minimal (no step equals the one before). When an entity's history
// changes (a late record, a retraction) only the difference between its old and new
// contributions is applied. The figures of a school on any date are then one seek, however
// long the history.
//
// The step functions follow current knowledge. "As recorded at T" folds every entity of the
// district visible at T through the same contribution rules (figures_as_recorded): exact,
// but its cost grows with the district's history.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "events/entities.h"
#include "services/views/view_store.h"

namespace annals {

// Which part of a school a figure belongs to. Facilities recorded for the whole of a
// nine-year school are `whole`; the indicators apportion them by students.
enum class Section : std::uint8_t { primary, junior, whole };
inline Section section_of(Stage s) { return s == Stage::primary ? Section::primary : Section::junior; }

enum class Measure : std::uint8_t {
  students,               // by grade
  migrant_students,       // 随迁子女
  disabled_students,      // any disability placement
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
  operating_funds,        // 生均公用经费
  earmarked_funds,        // 专项
  construction_funds,
  training_funds,
  subsidy_funds,
};
enum class Unit : std::uint8_t { count, m2, yuan };

template <>
struct EnumNames<Measure> {
  static constexpr std::string_view names[] = {
      "students",   "migrant_students", "disabled_students", "boarding_students",     "teachers",
      "qualified_teachers", "backbone_teachers", "pe_music_art_teachers", "senior_title_teachers",
      "floor_area", "sports_area",      "equipment_value",   "multimedia_classrooms", "computers", "books",
      "operating_funds", "earmarked_funds", "construction_funds", "training_funds", "subsidy_funds"};
};
template <>
struct EnumNames<Unit> {
  static constexpr std::string_view names[] = {"count", "m2", "yuan"};
};
template <>
struct EnumNames<Section> {
  static constexpr std::string_view names[] = {"primary", "junior", "whole"};
};

// `unit_of(m)`: the unit people read measure m in (areas are kept in centi-m² and shown in
// m², money kept in fen and shown in yuan, the rest are counts).
Unit unit_of(Measure m);
// `n` (as the views count it) in the unit people read: 1234 centi-m² -> 12.34 m².
double natural(Measure m, std::int64_t n);

struct Series {
  Section section{};
  Measure measure{};
  std::uint8_t grade = 0;  // students only
  auto operator<=>(const Series&) const = default;
  template <class Archive>
  void serialize(Archive& ar) { ar(section, measure, grade); }
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
  void serialize(Archive& ar) { ar(school_id, series, from, to, value); }
};

using Figures = std::map<Series, std::int64_t>;

// Sums a series over one section and measure (all grades).
std::int64_t total(const Figures& f, Section section, Measure measure);
// Sums a measure over every section.
std::int64_t total_of(const Figures& f, Measure measure);

// What `entity` contributes, from its timeline (entries in apply order, those not visible to
// the reader already removed). A school's contributions read the timelines of the schools it
// absorbed, as recorded at `as_of`.
std::vector<Contribution> contributions_of(views::Reader reader, const std::string& district, const EntityRef& entity,
                                           const std::vector<views::ViewEntry>& timeline, Timestamp as_of);

// Changes to the figures' step functions, gathered over a batch of records and written once
// per series: a school's series is touched by every pupil who comes or goes, and writing it
// per pupil would leave a version of the same keys in RocksDB's memtable per pupil.
class FigureChanges {
 public:
  // `value` counts in `c`'s series from c.from (and stops at c.to); sign -1 undoes it.
  void add(const std::string& district, const Contribution& c, std::int64_t sign);
  // Stages the gathered changes into `batch`, each step key written at most once, keeping
  // every series minimal; then forgets them.
  void write(views::ViewStore& store, rocksdb::WriteBatchWithIndex& batch);
  bool empty() const { return deltas_.empty(); }

 private:
  std::map<std::string, std::map<Date, Figures>> deltas_;  // school key -> date -> change from then on
};

// Recomputes `entity`'s contributions from its timeline (read through `batch`), stages the
// new contributions into `batch` and gathers the difference in the figures into `changes`.
// Students, teachers and schools contribute; other kinds are ignored. A school that was
// absorbed also restates the school that absorbed it.
void restate(views::ViewStore& store, rocksdb::WriteBatchWithIndex& batch, const std::string& district,
             const EntityRef& entity, FigureChanges& changes);

// The figures of `school` (its own id only; a caller adds absorbed schools) on `at`.
Figures figures_on(views::Reader reader, const std::string& district, const std::string& school, Date at);

// Every school's figures on `at` as recorded at `as_of`, folded from every entity's timeline.
std::map<std::string, Figures> figures_as_recorded(views::Reader reader, const std::string& district, Date at,
                                                   Timestamp as_of);

}  // namespace annals
