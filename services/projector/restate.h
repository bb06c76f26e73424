// The write side of the figures: restating an entity's contributions when its timeline
// changes, and keeping each school's figures as a minimal step function of the date
// (the figures and contributions families, services/views/format.h). The read side, and the
// rules by which an entity contributes, are in services/history/figures.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "events/entities.h"
#include "services/views/series.h"
#include "services/views/view_store.h"

namespace annals {

// Changes to the figures' step functions, gathered over a batch of records and written once
// per series: a school's series is touched by every pupil who comes or goes, and writing it
// per pupil would leave a version of the same keys in RocksDB's memtable per pupil.
class FigureChanges {
 public:
  // `value` counts in `c`'s series from c.from (and stops at c.to); sign -1 undoes it.
  void add(const std::string& district, const Contribution& c, std::int64_t sign);
  // Stages the gathered changes into `batch`, each step key written at most once, keeping
  // every series minimal (no step equals the one before); then forgets them.
  void write(views::Batch& batch);
  bool empty() const { return deltas_.empty(); }

 private:
  // figures prefix of a school -> date -> change from then on
  std::map<std::string, std::map<Date, Figures>> deltas_;
};

// What made an entity's history change: the recorded time of the event (or retraction) that
// changed its timeline, and the system that writes that part of its history (its topic).
struct Learned {
  Timestamp at;
  System part;
  // Learned from a retraction: an entry's retracted_at may have moved earlier (a retraction
  // recorded before the one that first arrived), leaving a version at a time no entry has.
  bool retraction = false;
};

// An event just staged into the timelines of the entities restated, and not retracted.
struct Appended {
  const Event& event;
  const views::LogPosition& pos;
};

// Recomputes `entity`'s contributions from its timeline (read through `batch`), stages the
// new contributions into `batch` and gathers the difference in the figures into `changes`.
// Students, teachers and schools contribute; other kinds are ignored. A school that was
// absorbed also restates the school that absorbed it.
//
// On the recorded clock, the entity's part `learned.part` has a version at each recorded
// time of that part's history (the versions family): what its contributions became then.
// Every version from `learned.at` on is made again from the timeline, and what changed goes
// into the learned family (services/history/README.md, "Both clocks without a fold"). In
// the usual order (nothing of the part recorded after `learned.at`) that is the one version
// at `learned.at`, the difference just computed for current knowledge; a record that arrives
// after later ones of the same part refolds the versions since its recorded time. Either way
// the versions are a function of the timeline, whatever order its records arrived in.
//
// A student's or teacher's contributions are kept as the fold of their timeline (services/
// history/figures.h, PersonFold). When `appended` (may be null) sorts after every entry of
// their timeline and was recorded after all of them, and none is retracted, it is folded into
// the kept fold instead of the timeline being read and folded again: most of a rebuild.
void restate(views::Batch& batch, const std::string& district, const EntityRef& entity,
             Learned learned, FigureChanges& changes, const Appended* appended = nullptr);

}  // namespace annals
