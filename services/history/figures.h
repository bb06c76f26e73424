// What each school has on any date, read from the views: its students (by stage and grade,
// and by flag), its full-time teachers (by stage, and by the attributes the indicators
// count) and its facilities (by section), kept as step functions of the date.
//
// Every student, teacher and school contributes values to series of a school over date
// intervals (contributions_of, services/history/contributions.cpp): a student counts 1 in
// grade 7 of school S from its enrolment until its promotion; a school's surveyed floor area
// counts until the next survey. The projector keeps each entity's contributions and, per
// school, all its series together as one step function of the date, kept minimal
// (services/projector/restate.h). The figures of a school on any date are then one seek,
// however long the history.
//
// The step functions follow current knowledge. "As recorded at T" is current knowledge minus
// what was learned after T (figures_at): the projector keeps, per school, series and date,
// each change of the figures with the recorded time it was learned at, filed by how late it
// was learned, so that only the changes learned after T that can concern dates up to D are
// read (services/history/README.md, "Both clocks without a fold"). figures_as_recorded folds
// every entity instead: the reference the property tests hold the fast way to.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "events/entities.h"
#include "services/history/people.h"
#include "services/views/series.h"
#include "services/views/view_store.h"

namespace annals {

// What `entity` contributes, from its timeline (entries in apply order, those not visible to
// the reader already removed). A school's contributions read the timelines of the schools it
// absorbed, as recorded at `as_of`.
std::vector<Contribution> contributions_of(views::Reader reader, const std::string& district,
                                           const EntityRef& entity,
                                           const std::vector<views::ViewEntry>& timeline,
                                           Timestamp as_of);

// Turns an entity's successive states into contributions: each (school, series) value holds
// from the date it appeared until the date it changed or went.
class Segments {
 public:
  using Cells = std::map<std::pair<std::string, Series>, std::int64_t>;
  // From `on` (no earlier than the last call's), the entity contributes exactly `cells`.
  void at(Date on, const Cells& cells);
  // Every contribution so far, those still open without an end, sorted.
  std::vector<Contribution> finished() const;

 private:
  friend struct SegmentsLayout;  // its cereal layout (contributions.cpp)
  std::map<std::pair<std::string, Series>, std::pair<std::int64_t, Date>> open_;  // value, since
  std::vector<Contribution> closed_;
};

// A student's or teacher's timeline folded entry by entry in apply order, as contributions_of
// folds it. The projector keeps one per person in the contributions family (its cereal layout,
// encode_person_fold below, is that family's value for a student or teacher:
// services/views/format.h), so that an event sorting after every entry of the person's
// timeline is folded into it instead of the whole timeline being read and folded again
// (services/projector/restate.h).
class PersonFold {
 public:
  // `kind`: a student or a teacher.
  explicit PersonFold(EntityKind kind = EntityKind::student) : kind_(kind) {}
  EntityKind kind() const { return kind_; }
  // Folds the next visible entry of the timeline.
  void apply(const Event& event);
  // What the person contributes after the entries folded so far (contributions_of's answer
  // for them), sorted.
  std::vector<Contribution> contributions() const;

  // Where the fold stands in the timeline, kept with it by the projector: the timeline order
  // of the last entry, retracted or not (services/views/format.h, timeline_order); the latest
  // recorded_at of any entry; and whether no entry is retracted.
  std::string last;
  Timestamp latest{INT64_MIN};
  bool clean = true;

 private:
  friend struct PersonFoldLayout;  // its cereal layout (contributions.cpp)
  EntityKind kind_;
  StudentRecord student_;
  TeacherRecord teacher_;
  Segments segments_;
};

// The fold's bytes as the contributions family keeps them, and back; nullopt when `bytes` are
// not a fold.
std::string encode_person_fold(const PersonFold& fold);
std::optional<PersonFold> decode_person_fold(std::string_view bytes);

// The figures of `school` (its own id only; a caller adds absorbed schools) on `at`, on
// current knowledge: one seek in the school's step function.
Figures figures_on(views::Reader reader, const std::string& district, const std::string& school,
                   Date at);

// The figures of each of `schools` (their own ids only; a caller adds absorbed schools) on
// `at` as recorded at `as_of`; schools with no figure are left out. On current knowledge one
// seek per school. As recorded at T: on a date up to T's day, the figures on `at` minus what
// was learned after T about dates up to `at`; on a later date, the figures on T's day as
// recorded at T plus what was learned by T ahead of the dates up to `at`. Either way its
// cost is the changes learned on the wrong side of T near the dates asked, not the history.
std::map<std::string, Figures> figures_at(views::Reader reader, const std::string& district,
                                          const std::vector<std::string>& schools, Date at,
                                          Timestamp as_of);

// Every school's figures on `at` as recorded at `as_of`, folded from every entity's timeline.
std::map<std::string, Figures> figures_as_recorded(views::Reader reader,
                                                   const std::string& district, Date at,
                                                   Timestamp as_of);

}  // namespace annals
