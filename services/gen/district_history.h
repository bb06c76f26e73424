// Private to services/gen: the history of one synthetic district (class DistrictHistory) and
// the records it keeps of its schools, pupils and teachers. generate_city (synthetic_city.cpp)
// runs one per district. The members are defined by concern:
//   district_history.cpp     founding, the year loop, emission (emit, flush, recorded)
//   district_people.cpp      pupils and teachers: enrolment, staffing, movements, the school year
//   district_facilities.cpp  funding, registry changes (mergers, groups, closures), surveys
// All randomness comes from one generator, drawn in a fixed order: moving a draw changes the city.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "events/event.h"
#include "services/gen/synthetic_city.h"

namespace annals::gen {

struct DistrictName {
  const char* id;
  const char* name;
  double urban;  // share of urban schools
};

struct School {
  std::string id;
  std::string name;
  bool primary = true, junior = false;
  SchoolKind kind = SchoolKind::regular;
  LocationClass location = LocationClass::urban;
  double size = 1;                                 // intake relative to the average
  double wealth = 1;                               // facilities per student relative to the average
  std::array<double, 6> spread{1, 1, 1, 1, 1, 1};  // and per facility: no two schools are alike
  int zone = 0;                                    // its 学区
  bool open = true;
  std::optional<std::size_t> merged_into;
  std::vector<Stage> stages() const {
    std::vector<Stage> s;
    if (primary) s.push_back(Stage::primary);
    if (junior) s.push_back(Stage::junior);
    return s;
  }
};

struct Student {
  std::string id;
  std::size_t school;
  int grade;
  bool active = true;
  Date settled{};  // a transfer recorded late is in the record from this day on
  bool disabled = false;
};

struct Teacher {
  std::string id;
  std::size_t school;
  Stage stage;
  Qualification qualification;
  Title title;
  bool active = true;
  bool backbone = false;
  std::optional<std::pair<Date, std::size_t>> returns;  // rotating: back to this school then
};

class DistrictHistory {
 public:
  // District `index` of the city (0 is 东城区; from 16 on, the names repeat with a suffix),
  // seeded from the options' seed and the index. `o` and `sink` must outlive the object.
  DistrictHistory(const CityOptions& o, int index, const std::function<void(Event&&)>& sink);

  // Generates the whole history and hands every event to the sink in recorded order.
  void run();

 private:
  // --- time and emission (district_history.cpp) ---------------------------------------------
  // `hour` o'clock of day `d`, Beijing time.
  static Timestamp at_time(Date d, int hour) {
    return Timestamp{(std::int64_t(d.days) * 86400 + std::int64_t(hour - 8) * 3600) * 1'000'000};
  }
  Date day(int y, unsigned m, unsigned dd) { return Date::from_ymd(y, m, dd); }
  // A day within `months` (of 30 days) from the first of `from_month` of year `y`.
  Date random_day(int y, int from_month, int months);
  // Recorded on the day or within three days, in office hours; `late_days` later when late.
  Timestamp recorded(Date effective, int late_days = 0);
  // Queues an event effective on `effective`; its source is its system's unless `source`.
  void emit(Date effective, Payload data, int late_days = 0, const char* source = nullptr);
  // Hands over, in recorded order, every event recorded before `until`.
  void flush(Timestamp until);
  // The id of the event emitted last.
  std::string last_id() const;
  // Orders the pending events so that the earliest recorded is on top.
  struct LaterFirst {
    bool operator()(const Event& a, const Event& b) const {
      return *a.envelope.recorded_at != *b.envelope.recorded_at
                 ? *b.envelope.recorded_at < *a.envelope.recorded_at
                 : b.envelope.id < a.envelope.id;
    }
  };

  // A draw in [lo, hi), and true with probability `p`, both to a millionth.
  double uniform(double lo, double hi) { return lo + (hi - lo) * double(rng_() % 1'000'000) / 1e6; }
  bool chance(double p) { return double(rng_() % 1'000'000) < p * 1e6; }

  // --- the district's course (district_history.cpp) -----------------------------------------
  // The district as it stood when the platform started: schools, 学区, pupils, teachers and
  // the census the record starts from.
  void founding();
  // School year `y`, the `index`th of the record: budget, funding, movements (October to
  // June), summer (1 July), registry changes (15 July to 1 September), autumn, personnel and
  // surveys, in that order: each knows where the pupils and teachers are on the dates it writes.
  void year(int y, int index);

  // --- pupils and teachers (district_people.cpp) --------------------------------------------
  // Whether school `s` is open and teaches `grade`.
  bool serves(const School& s, int grade) const {
    return s.open && (grade <= 6 ? s.primary : s.junior);
  }
  // A grade's worth of new pupils at `school`, if it teaches the grade.
  void enrol_intake(std::size_t school, int grade, Date on, AdmissionMode mode);
  // One pupil into `grade` of `school`; a new one unless `id` is given.
  void enrol(std::size_t school, int grade, Date on, AdmissionMode mode, std::string id = {});
  // Hires until every school has about one full-time teacher per 13 primary or 11 junior pupils.
  void staff(Date on);
  // One new teacher of `stage` at `school`.
  void hire(std::size_t school, Stage stage, Date on);
  // A regular school teaching `grade`, in `zone` if one there does, other than `not_this`
  // (which it returns, or school 0, when there is no other).
  std::size_t pick_school(int grade, std::optional<int> zone = std::nullopt,
                          std::optional<std::size_t> not_this = std::nullopt);
  // Transfers, withdrawals and flag changes through the school year (Oct to June).
  void movements(int y);
  // July: grade 9 leaves; grade 6 of primary-only schools graduates and goes on to a junior
  // school (going_on_).
  void summer(int y);
  // September: promotions, the pupils going on to junior school, the new intakes.
  void autumn(int y, int index);
  // Teachers' year: returns from rotation, leaving, rotation and support teaching,
  // qualifications (some retracted), titles, honours; then staffing up.
  void personnel(int y);

  // --- money, the registry and facilities (district_facilities.cpp) -------------------------
  // Per-student operating funds for every open school, and some earmarked grants.
  void funding(int y, int index);
  // The year's registry changes, by `index`: mergers, a new junior section, an education
  // group, the teaching point's closure.
  void registry_changes(int y, int index);
  // Year `y`'s facility survey of every open school (some corrected months later), and
  // purchases in the following spring.
  void surveys(int y, int index);
  // What the guarantees judge beside the figures: each open school's classes by grade in
  // September (a few schools over the 2017 limits), the district's census of disabled
  // children, and the next summer's senior-high quota.
  void guarantee_facts(int y);

  const CityOptions& o_;
  DistrictName d_;
  const std::function<void(Event&&)>& sink_;
  std::mt19937_64 rng_;
  std::string district_;
  Date launch_;
  std::map<std::int32_t, Timestamp> last_registry_;  // by the day it was recorded
  std::uint64_t serial_ = 0, next_student_ = 1, next_teacher_ = 1;
  std::vector<School> schools_;
  std::vector<Student> students_;
  std::vector<Student> going_on_;
  std::vector<Teacher> teachers_;
  std::priority_queue<Event, std::vector<Event>, LaterFirst> pending_;
};

}  // namespace annals::gen
