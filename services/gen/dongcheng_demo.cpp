// 东城区's demo at a supervisor's scale (dongcheng_demo.h): the schools' profiles, then one
// class, DongchengDemo, that walks the years from the census of 1 September 2012 and writes
// what each school year brings around the narrative's own events.
#include "services/gen/dongcheng_demo.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "events/bounds.h"
#include "events/event.h"
#include "events/identifier.h"
#include "events/json_codec.h"
#include "events/time.h"

namespace annals {
namespace {

constexpr const char* kDistrict = "dongcheng";
constexpr int kBaseYear = 2010;    // the district's record starts: the base of money and equipment
constexpr int kCensusYear = 2012;  // the first school year of pupils: everyone in school then
constexpr int kLastSchoolYear = 2016;  // intakes, promotions and graduations until this autumn
constexpr int kLastYear = 2019;        // surveys, funds and budgets until this year
static_assert(kLastSchoolYear >= 2016, "the narrative's pupils of 2015 are promoted in 2016");

// The narrative's structural changes (deploy/local/demo/dongcheng-narrative.ndjson).
const Date kMerger = Date::from_ymd(2014, 9, 1);    // 西总布小学 into 史家胡同小学
const Date kNineYear = Date::from_ymd(2015, 9, 1);  // 府学胡同小学 gains a junior section
const Date kClosure = Date::from_ymd(2016, 7, 31);  // 东四七条小学 closes, its pupils to 史家
const Date kSplit = Date::from_ymd(2017, 9, 1);     // 和平里第九小学's north campus

// A school as the generator sizes it. Pupils per grade are the 2012 census's (the younger
// cohorts a little larger, and intakes growing 2.5% a year, as Beijing's did); facilities are
// what the buildings hold for those pupils, so that a growing school gets more crowded.
struct Profile {
  const char* id;
  int primary, junior;           // pupils per grade in 2012; 0: no such section then
  double floor_m2, sports_m2;    // per pupil the school was built for
  int equipment_yuan;            // per pupil in 2010 (then 4% more a year)
  double multimedia, computers;  // per 100 pupils in 2010
  int books;                     // per pupil in 2010
  double migrant;                // share of its pupils who are 随迁子女
  double pupils_per_teacher;
  double backbone;    // share of its teachers with a district-or-higher honour in 2012
  double training;    // training funds as a share of its operating funds
  const char* feeds;  // the junior school its primary pupils go on to (对口直升), if any
};

// The schools: the hutong primaries small and cramped, 和平里's newer and roomier, 景山 a
// school of both stages, the special school small with a teacher to four pupils.
constexpr Profile kSchools[] = {
    {"dc-shijia", 130, 0, 7.4, 5.6, 5000, 3.4, 19, 46, 0.12, 15.2, 0.27, 0.070, "dc-55"},
    {"dc-xizongbu", 100, 0, 6.8, 5.2, 3400, 3.0, 15, 38, 0.18, 15.8, 0.17, 0.060, "dc-55"},
    {"dc-fuxue", 190, 0, 7.9, 6.9, 4400, 3.2, 18, 42, 0.14, 15.4, 0.24, 0.065, "dc-166"},
    {"dc-dongsi7", 70, 0, 6.4, 4.8, 2900, 2.9, 14, 35, 0.27, 14.6, 0.13, 0.055, "dc-166"},
    {"dc-hepingli9", 260, 0, 8.8, 8.6, 4100, 3.1, 17, 40, 0.16, 16.2, 0.21, 0.060,
     "dc-hepingli-mid"},
    {"dc-hepingli4", 120, 0, 9.6, 8.9, 3200, 2.8, 15, 37, 0.22, 15.9, 0.16, 0.042,
     "dc-hepingli-mid"},
    {"dc-huiwen1", 110, 0, 8.3, 7.4, 3600, 3.0, 16, 39, 0.24, 15.1, 0.18, 0.058, "dc-guangqumen"},
    {"dc-jingshan", 200, 270, 9.2, 7.9, 5900, 3.6, 22, 48, 0.10, 13.8, 0.29, 0.075, nullptr},
    {"dc-55", 0, 215, 10.6, 10.2, 4900, 3.3, 21, 44, 0.15, 12.9, 0.22, 0.065, nullptr},
    {"dc-166", 0, 245, 9.9, 9.4, 4600, 3.2, 20, 43, 0.17, 13.2, 0.21, 0.060, nullptr},
    {"dc-guangqumen", 0, 320, 10.8, 10.6, 4400, 3.1, 19, 41, 0.20, 13.4, 0.23, 0.065, nullptr},
    {"dc-hepingli-mid", 0, 255, 11.2, 10.8, 4200, 3.0, 18, 40, 0.19, 13.1, 0.20, 0.060, nullptr},
    {"dc-tejiao", 14, 12, 22.0, 16.0, 7600, 9.0, 30, 45, 0.08, 4.2, 0.12, 0.060, nullptr},
};
// What the split leaves the north campus: its share of 和平里第九小学's buildings and intake.
constexpr double kNorthShare = 0.4;
// Operating funds per pupil, yuan, in fiscal 2010 (then 8% more a year); the special school's.
constexpr double kOperatingPrimary = 1500, kOperatingJunior = 2000, kOperatingSpecial = 7000;

struct Pupil {
  std::string id;
  std::string school;
  int grade = 1;
  bool active = true;
  bool migrant = false;
  bool disabled = false;
};

struct Teacher {
  std::string id;
  std::string school;  // where the teacher's post is
  Stage stage{};
  int hired_year = 0;
  Qualification qualification{};
  Title title{};
  Date since{};  // hired on
  bool active = true;
  bool backbone = false;
  bool narrative = false;  // the narrative's own: the generator writes nothing about them
  std::optional<std::pair<Date, std::string>> away;  // rotating until then, at that school
};

class DongchengDemo {
 public:
  explicit DongchengDemo(const std::vector<std::string>& narrative) {
    for (const auto& line : narrative) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      Decoded d = decode_event(line, Origin::submission);
      if (!d.event)
        throw std::invalid_argument(
            "a narrative line is not a valid event: " +
            (d.violations.empty() ? std::string("?")
                                  : d.violations[0].pointer + " " + d.violations[0].message));
      lines_.push_back(line);
      read_narrative(*d.event);
    }
  }

  std::vector<std::string> run() {
    census();
    for (int y = kCensusYear + 1; y <= kLastYear; ++y) year(y);
    std::stable_sort(out_.begin(), out_.end(), [](const Event& a, const Event& b) {
      return a.envelope.effective_date < b.envelope.effective_date;
    });
    std::vector<std::string> lines = std::move(lines_);
    for (const auto& e : out_) lines.push_back(encode_event(e));
    return lines;
  }

 private:
  // --- the narrative ------------------------------------------------------------------------
  void read_narrative(const Event& e) {
    taken_ids_.insert(e.envelope.id);
    Date on = e.envelope.effective_date;
    std::visit(
        [&](const auto& d) {
          using T = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<T, SchoolOpened>) {
            opened_[d.school_id] = on;
          } else if constexpr (std::is_same_v<T, SchoolFacilitiesSurveyed>) {
            surveyed_.insert({d.school_id, d.stage, on});
          } else if constexpr (std::is_same_v<T, FundingAllocated>) {
            if (d.school_id) {
              allocated_.insert({*d.school_id, d.fiscal_year, d.category});
              narrative_allocations_.push_back({e.envelope.id, d});
            }
          } else if constexpr (std::is_same_v<T, RecordRetracted>) {
            retracted_.insert(d.event_id);
          } else if constexpr (std::is_same_v<T, BudgetAppropriated>) {
            budgets_.insert(d.fiscal_year);
          } else if constexpr (std::is_same_v<T, TeacherHired>) {
            Teacher t{d.teacher_id, d.school_id, d.stage, on.year(), d.qualification, d.title, on};
            t.narrative = true;
            narrative_teachers_.push_back(t);
          } else if constexpr (std::is_same_v<T, TeacherTransferred>) {
            teacher_moves_.push_back({on, d});
          } else if constexpr (std::is_same_v<T, StudentEnrolled>) {
            narrative_pupils_.push_back(
                {on, Pupil{d.student_id, d.school_id, int(d.grade), true, d.migrant}});
            narrative_pupil_ids_.insert(d.student_id);
          } else if constexpr (std::is_same_v<T, StudentPromoted>) {
            promoted_.insert({d.student_id, on});
          }
        },
        e.data);
  }

  // --- emission -----------------------------------------------------------------------------
  // Queues an event; `key` names what it is about, uniquely: its id is derived from it.
  void emit(Date on, const std::string& key, Payload data) {
    Event e;
    e.envelope.id = uuid_from_name("annals-demo-dongcheng", key);
    if (!taken_ids_.insert(e.envelope.id).second)
      throw std::logic_error("two demo events are both about " + key);
    e.envelope.district = kDistrict;
    e.envelope.effective_date = on;
    e.envelope.schema_version = std::visit(
        [](const auto& x) -> std::int64_t { return std::decay_t<decltype(x)>::kVersion; }, data);
    static constexpr const char* kSources[] = {"beijing-registry", "beijing-personnel",
                                               "beijing-enrollment", "beijing-finance"};
    e.envelope.source = kSources[int(system_of(data))];
    e.data = std::move(data);
    out_.push_back(std::move(e));
  }

  // A draw in [lo, hi) and true with probability p, both to a millionth (no std::
  // distribution: their results differ between standard libraries).
  double uniform(double lo, double hi) { return lo + (hi - lo) * double(rng_() % 1'000'000) / 1e6; }
  bool chance(double p) { return double(rng_() % 1'000'000) < p * 1e6; }
  static Date day(int y, unsigned m, unsigned d) { return Date::from_ymd(y, m, d); }

  // --- schools ------------------------------------------------------------------------------
  // A school's profile; the north campus has its source's (and the share kNorthShare of its
  // buildings and intake).
  static const Profile& profile(const std::string& id) {
    const std::string& of = id == "dc-hepingli9-north" ? std::string("dc-hepingli9") : id;
    for (const auto& p : kSchools)
      if (of == p.id) return p;
    throw std::logic_error("no profile for " + id);
  }
  // Where a pupil or teacher of `id` is on `on`, after the mergers and closures.
  static std::string standing(const std::string& id, Date on) {
    if (id == "dc-xizongbu" && on >= kMerger) return "dc-shijia";
    return id;
  }
  bool open(const std::string& id, Date on) const {
    if (id == "dc-xizongbu") return on < kMerger;
    if (id == "dc-dongsi7") return on < kClosure;
    if (id == "dc-hepingli9-north") return on >= kSplit;
    return true;
  }
  bool serves(const std::string& id, Stage stage, Date on) const {
    if (!open(id, on)) return false;
    if (id == "dc-hepingli9-north") return stage == Stage::primary;
    const Profile& p = profile(id);
    if (stage == Stage::primary) return p.primary > 0;
    return p.junior > 0 || (id == "dc-fuxue" && on >= kNineYear);
  }
  std::vector<std::string> school_ids() const {
    std::vector<std::string> ids;
    for (const auto& p : kSchools) ids.push_back(p.id);
    ids.push_back("dc-hepingli9-north");
    return ids;
  }
  bool special(const std::string& id) const { return id == "dc-tejiao"; }

  // Pupils now at each school and stage.
  std::map<std::pair<std::string, Stage>, int> pupils_by_school() const {
    std::map<std::pair<std::string, Stage>, int> n;
    for (const auto& p : pupils_)
      if (p.active) ++n[{p.school, p.grade <= 6 ? Stage::primary : Stage::junior}];
    return n;
  }
  int pupils_at(const std::string& id) const {
    int n = 0;
    for (const auto& p : pupils_) n += p.active && p.school == id;
    return n;
  }

  // --- pupils -------------------------------------------------------------------------------
  std::string next_pupil_id() {
    std::string id;
    do {
      char buf[32];
      std::snprintf(buf, sizeof buf, "s-dc-%05d", next_pupil_++);
      id = buf;
    } while (narrative_pupil_ids_.count(id));
    return id;
  }
  // Enrols pupil `p` (a new one when its id is empty) into `grade` of `school` on `on`.
  void enrol(Pupil p, const std::string& school, int grade, Date on, AdmissionMode mode) {
    bool fresh = p.id.empty();
    if (fresh) {
      p.id = next_pupil_id();
      p.migrant = chance(profile(school).migrant);
    }
    p.school = school;
    p.grade = grade;
    p.active = true;
    Disability disability = special(school) ? Disability::special_school
                            : chance(0.006) ? Disability::mainstream
                                            : Disability::none;
    p.disabled = disability != Disability::none;
    std::int64_t hardship = chance(0.04) ? 1 + std::int64_t(rng_() % 2) : 0;
    emit(on, "enrol/" + p.id + "/" + on.to_string(),
         StudentEnrolled{p.id, school, grade <= 6 ? Stage::primary : Stage::junior, grade, mode,
                         p.migrant, disability, false, hardship});
    pupils_.push_back(std::move(p));
  }
  // `per_grade` pupils give a grade of about that size, give or take 6%.
  int cohort(double per_grade) { return int(std::lround(per_grade * uniform(0.94, 1.06))); }
  // The intake factor of the autumn of `y`: Beijing's school-age population grew.
  static double trend(int y) { return 1 + 0.025 * (y - kCensusYear); }

  void census() {
    Date on = day(kCensusYear, 9, 1);
    for (const auto& s : kSchools) {
      for (int grade = 1; grade <= 9; ++grade) {
        int per_grade = grade <= 6 ? s.primary : s.junior;
        if (!per_grade) continue;
        // Older cohorts were a little smaller (the intakes grew).
        double size = per_grade * (1 - 0.02 * ((grade - 1) % 6));
        AdmissionMode mode = grade == 7 ? junior_mode(false) : AdmissionMode::nearby;
        for (int k = cohort(size); k > 0; --k) enrol({}, s.id, grade, on, mode);
      }
    }
    hire_census();
    facilities(on);
    budget(kCensusYear);
    funds(kCensusYear);
  }
  AdmissionMode junior_mode(bool fed) {
    if (fed && chance(0.6)) return AdmissionMode::direct_promotion;        // 对口直升
    return chance(0.75) ? AdmissionMode::lottery : AdmissionMode::nearby;  // 派位, 就近
  }

  // --- one year -----------------------------------------------------------------------------
  void year(int y) {
    budget(y);
    funds(y);
    if (y <= kLastSchoolYear) movements(y);
    // The changes of the narrative's registry, each with a survey of the buildings it moved.
    if (day(y, 7, 31) == kClosure) {
      closure();
      facilities(kClosure, {"dc-shijia"});
    }
    if (y <= kLastSchoolYear) leavers(y);
    if (day(y, 9, 1) == kNineYear) facilities(kNineYear, {"dc-fuxue"});
    if (y <= kLastSchoolYear) {
      autumn(y);
      teachers_year(y);
    }
    if (day(y, 9, 1) == kSplit) {
      split();
      facilities(kSplit, {"dc-hepingli9", "dc-hepingli9-north"});
    }
    if (y > kLastSchoolYear) later_rotations(y);
    facilities(day(y, 12, 31));
    yearly_facts(y);
  }

  // --- the district's yearly facts (docs/guarantees.md) -----------------------------------
  // On 20 September: each school's classes per grade of each stage it serves (classes of about
  // 38 pupils in the primaries and 42 in the junior schools, the special school's of 10; the
  // largest class given), and the census of disabled children (those enrolled and about 3% out
  // of school); next April, the quality senior-high places of the next admission (about half
  // the leavers, 55-65% allocated to the junior schools: Beijing's 校额到校). Drawn from a
  // stream of their own, so that the rest of the demo is what it was without them.
  void yearly_facts(int y) {
    const Date counted = day(y, 9, 20);
    std::map<std::string, std::array<int, 10>> by_grade;
    int disabled = 0, leaving = 0;
    for (const auto& p : pupils_) {
      if (!p.active) continue;
      ++by_grade[standing(p.school, counted)][std::size_t(p.grade)];
      disabled += p.disabled;
      leaving += p.grade == 9;
    }
    for (const auto& id : school_ids()) {
      if (!open(id, counted) || standing(id, counted) != id) continue;
      for (Stage stage : {Stage::primary, Stage::junior}) {
        if (!serves(id, stage, counted)) continue;
        SchoolClassesCounted count{id, stage, {}};
        const int first = stage == Stage::primary ? 1 : 7, last = stage == Stage::primary ? 6 : 9;
        const int size = special(id) ? 10 : stage == Stage::primary ? 38 : 42;
        for (int g = first; g <= last; ++g) {
          const int n = by_grade[id][std::size_t(g)];
          if (n == 0) continue;
          const std::int64_t classes = (n + size - 1) / size;
          const std::int64_t largest = std::min<std::int64_t>(
              kMaxClassSize, (n + classes - 1) / classes + std::int64_t(facts_rng_() % 3));
          count.grades.push_back({g, classes, largest});
        }
        if (!count.grades.empty())
          emit(counted,
               "classes/" + id + "/" + std::string(to_string(stage)) + "/" + std::to_string(y),
               count);
      }
    }
    emit(counted, "disabled-census/" + std::to_string(y),
         DistrictDisabledChildrenCounted{y, disabled + (disabled * 3 + 99) / 100});
    const std::int64_t places = std::max(1, leaving / 2);
    const std::int64_t allocated = places * (55 + std::int64_t(facts_rng_() % 11)) / 100;
    emit(day(y + 1, 4, 20), "quota/" + std::to_string(y + 1),
         DistrictSeniorHighQuotaAllocated{y + 1, places, allocated});
  }

  // Transfers between schools and withdrawals through the school year (October to June).
  void movements(int y) {
    std::vector<std::string> ids = school_ids();
    std::size_t n = pupils_.size();
    for (std::size_t k = 0; k < n; ++k) {
      Pupil& p = pupils_[k];
      if (!p.active || special(p.school)) continue;
      Date on{day(y - 1, 10, 1).days + int(rng_() % 270)};
      if (chance(0.012)) {
        Stage stage = p.grade <= 6 ? Stage::primary : Stage::junior;
        std::vector<std::string> to;
        for (const auto& id : ids)
          if (id != p.school && !special(id) && serves(id, stage, on) && standing(id, on) == id)
            to.push_back(id);
        std::string dest = to[rng_() % to.size()];
        emit(on, "transfer/" + p.id + "/" + on.to_string(),
             StudentTransferred{p.id, p.school, dest, std::nullopt});
        p.school = dest;
      } else if (chance(0.004)) {
        emit(on, "withdraw/" + p.id, StudentWithdrew{p.id, WithdrawReason::moved_out_of_city});
        p.active = false;
      }
    }
  }

  // The end of the school year: grade 9 leaves, and grade 6 of the primary-only schools, most
  // of whom go on to a junior school of the district. A pupil is enrolled until the school
  // year ends on 31 August, so the graduation takes effect on 1 September, before the
  // promotions and intakes of that day (the roster on 31 August is the whole school's).
  void leavers(int y) {
    Date sept = day(y, 9, 1), on = sept;
    going_on_.clear();
    for (auto& p : pupils_) {
      if (!p.active) continue;
      bool leaves = p.grade == 9 || (p.grade == 6 && !serves(p.school, Stage::junior, sept));
      if (!leaves) continue;
      emit(on, "graduate/" + p.id + "/" + on.to_string(), StudentGraduated{p.id});
      p.active = false;
      if (p.grade == 6 && chance(0.86)) going_on_.push_back(p);
    }
  }

  // 31 July 2016: 东四七条小学 closes; its pupils and teachers go to 史家胡同小学.
  void closure() {
    for (auto& p : pupils_)
      if (p.active && p.school == "dc-dongsi7") {
        emit(kClosure, "transfer/" + p.id + "/" + kClosure.to_string(),
             StudentTransferred{p.id, "dc-dongsi7", "dc-shijia", std::nullopt});
        p.school = "dc-shijia";
      }
    for (auto& t : teachers_)
      if (t.active && !t.narrative && t.school == "dc-dongsi7") {
        emit(kClosure, "move/" + t.id + "/" + kClosure.to_string(),
             TeacherTransferred{t.id, "dc-dongsi7", "dc-shijia", std::nullopt,
                                TransferKind::permanent, std::nullopt, true});
        t.school = "dc-shijia";
      }
  }

  // 1 September 2017: the north campus takes 和平里第九小学's grades 1 to 3 and their share of
  // its teachers.
  void split() {
    int moved = 0, pupils = 0;
    for (auto& p : pupils_) {
      if (!p.active || p.school != "dc-hepingli9") continue;
      ++pupils;
      if (p.grade > 3) continue;
      emit(kSplit, "transfer/" + p.id + "/" + kSplit.to_string(),
           StudentTransferred{p.id, "dc-hepingli9", "dc-hepingli9-north", std::nullopt});
      p.school = "dc-hepingli9-north";
      ++moved;
    }
    std::vector<Teacher*> staff;
    for (auto& t : teachers_)
      if (t.active && !t.narrative && !t.away && t.school == "dc-hepingli9") staff.push_back(&t);
    std::size_t n = pupils ? staff.size() * std::size_t(moved) / std::size_t(pupils) : 0;
    for (std::size_t i = 0; i < n; ++i) {
      Teacher& t = *staff[staff.size() - 1 - i];  // the most recently hired
      emit(kSplit, "move/" + t.id + "/" + kSplit.to_string(),
           TeacherTransferred{t.id, "dc-hepingli9", "dc-hepingli9-north", std::nullopt,
                              TransferKind::permanent, std::nullopt, true});
      t.school = "dc-hepingli9-north";
    }
  }

  // 1 September: promotions, grade 6 going on to junior schools, the new intakes.
  void autumn(int y) {
    Date sept = day(y, 9, 1);
    for (auto& p : pupils_) p.school = standing(p.school, sept);
    for (auto& p : pupils_) {
      if (!p.active || p.grade >= 9) continue;
      ++p.grade;
      if (promoted_.count({p.id, sept})) continue;  // the narrative has it
      emit(sept, "promote/" + p.id + "/" + sept.to_string(), StudentPromoted{p.id, p.grade});
    }
    for (const auto& [on, p] : narrative_pupils_)
      if (on == sept) pupils_.push_back(p);  // the narrative enrolled them; promoted from next year
    // Grade 1: each primary's intake (史家 with 西总布's and, once closed, 东四七条's).
    for (const auto& s : kSchools) {
      if (!s.primary || !open(s.id, sept) || standing(s.id, sept) != s.id) continue;
      double per_grade = s.primary;
      std::string id = s.id;
      if (id == "dc-shijia") {
        if (sept >= kMerger) per_grade += profile("dc-xizongbu").primary;
        if (sept >= kClosure) per_grade += profile("dc-dongsi7").primary;
      }
      if (special(id)) {
        for (int k = cohort(per_grade); k > 0; --k) enrol({}, id, 1, sept, AdmissionMode::other);
        continue;
      }
      int n = cohort(per_grade * trend(y));
      // No school past 1,950 pupils (the 2017 method's limit is 2,000; 2,500 with both stages).
      int room = (serves(id, Stage::junior, sept) ? 2450 : 1950) - pupils_at(id);
      n = std::max(0, std::min(n, room));
      int north = id == "dc-hepingli9" && sept >= kSplit ? int(n * kNorthShare) : 0;
      for (int k = 0; k < n - north; ++k) enrol({}, id, 1, sept, AdmissionMode::nearby);
      for (int k = 0; k < north; ++k)
        enrol({}, "dc-hepingli9-north", 1, sept, AdmissionMode::nearby);
    }
    // Grade 7: the junior schools' places, first to the pupils of the primaries that feed them.
    std::map<std::string, int> places;
    for (const auto& s : kSchools)
      if (s.junior && !special(s.id)) places[s.id] = cohort(s.junior * trend(y));
    places["dc-jingshan"] -= int(profile("dc-jingshan").primary * trend(y - 6));  // its own
    if (sept >= kNineYear) places["dc-fuxue"] = cohort(30);  // beside its own grade 6
    for (auto& [id, n] : places) n = std::max(0, n);
    std::vector<Pupil> unplaced;
    for (auto& p : going_on_) {
      const char* feeds = profile(p.school).feeds;
      if (feeds && places[feeds] > 0) {
        --places[feeds];
        enrol(p, feeds, 7, sept, junior_mode(true));
      } else {
        unplaced.push_back(p);
      }
    }
    for (auto& p : unplaced) {
      auto most = std::max_element(places.begin(), places.end(), [](const auto& a, const auto& b) {
        return a.second < b.second;
      });
      if (most->second <= 0) break;  // the rest go to schools outside the district
      --most->second;
      enrol(p, most->first, 7, sept, junior_mode(false));
    }
    // The places left: pupils from the district's other primaries (the demo holds a few of
    // them), most by lottery (派位), some by other routes (特长生 and the like).
    for (auto& [id, n] : places)
      for (; n > 0; --n)
        enrol({}, id, 7, sept,
              facts_rng_() % 10 < 8 ? AdmissionMode::lottery : AdmissionMode::other);
  }

  // --- teachers -----------------------------------------------------------------------------
  std::string next_teacher_id() {
    char buf[32];
    std::snprintf(buf, sizeof buf, "t-dc-%04d", next_teacher_++);
    return buf;
  }
  Subject subject(Stage stage) {
    // Weights per 100 teachers: about one in six teaches PE, music or fine art.
    static constexpr std::pair<Subject, int> kPrimary[] = {
        {Subject::chinese, 25}, {Subject::mathematics, 21},
        {Subject::english, 11}, {Subject::science, 7},
        {Subject::pe, 9},       {Subject::music, 6},
        {Subject::fine_art, 6}, {Subject::information_technology, 3},
        {Subject::other, 12}};
    static constexpr std::pair<Subject, int> kJunior[] = {{Subject::chinese, 14},
                                                          {Subject::mathematics, 14},
                                                          {Subject::english, 13},
                                                          {Subject::physics, 8},
                                                          {Subject::chemistry, 5},
                                                          {Subject::biology, 5},
                                                          {Subject::history, 6},
                                                          {Subject::geography, 5},
                                                          {Subject::politics, 6},
                                                          {Subject::pe, 9},
                                                          {Subject::music, 4},
                                                          {Subject::fine_art, 4},
                                                          {Subject::information_technology, 4},
                                                          {Subject::other, 3}};
    const auto* table = stage == Stage::primary ? kPrimary : kJunior;
    std::size_t size = stage == Stage::primary ? std::size(kPrimary) : std::size(kJunior);
    int total = 0;
    for (std::size_t i = 0; i < size; ++i) total += table[i].second;
    int r = int(rng_() % std::uint64_t(total));
    for (std::size_t i = 0; i < size; ++i)
      if ((r -= table[i].second) < 0) return table[i].first;
    return Subject::other;
  }
  // A teacher hired at `school` in `year` (1 September), with `before` years of service
  // elsewhere; the qualification and title a teacher of that much service has by `now`.
  void hire(const std::string& school, Stage stage, int year, int now, int before = 0) {
    Teacher t;
    t.id = next_teacher_id();
    t.school = school;
    t.stage = stage;
    t.hired_year = year;
    t.since = std::max(day(year, 9, 1), opened_[school]);
    int service = now - year + before;
    double r = uniform(0, 1);
    if (stage == Stage::junior)
      t.qualification = r < 0.03   ? Qualification::associate
                        : r < 0.78 ? Qualification::bachelor
                                   : Qualification::master;
    else if (year < 1995)
      t.qualification = r < 0.04   ? Qualification::secondary
                        : r < 0.30 ? Qualification::associate
                                   : Qualification::bachelor;
    else
      t.qualification = r < 0.10   ? Qualification::associate
                        : r < 0.82 ? Qualification::bachelor
                                   : Qualification::master;
    double q = uniform(0, 1);
    t.title = service < 3    ? (q < 0.5 ? Title::none : Title::junior)
              : service < 10 ? (q < 0.6 ? Title::junior : Title::intermediate)
              : service < 20 ? (q < 0.15  ? Title::junior
                                : q < 0.8 ? Title::intermediate
                                          : Title::senior)
                             : (q < 0.05   ? Title::junior
                                : q < 0.55 ? Title::intermediate
                                           : Title::senior);
    bool full_time = !chance(0.02);
    emit(t.since, "hire/" + t.id,
         TeacherHired{t.id, school, stage, subject(stage), t.qualification, t.title, full_time,
                      true});
    // An experienced teacher may come with the district's backbone honour.
    if (before >= 6 && chance(profile(school).backbone))
      award(t, day(year, 9, 10), HonourLevel::district);
    teachers_.push_back(t);
  }
  // The teachers at each school and stage on `on` (rotating ones where they teach).
  std::map<std::pair<std::string, Stage>, int> teachers_by_school(Date on) const {
    std::map<std::pair<std::string, Stage>, int> n;
    for (const auto& t : teachers_)
      if (t.active && t.since <= on)
        ++n[{standing(t.away && t.away->first > on ? t.away->second : t.school, on), t.stage}];
    return n;
  }
  // Hires until every school has about its pupils per teacher.
  void staff(Date on, int now) {
    auto pupils = pupils_by_school();
    auto teachers = teachers_by_school(on);
    for (const auto& [key, n] : pupils) {
      if (!open(key.first, on)) continue;
      int need = int(std::ceil(n / profile(key.first).pupils_per_teacher)) - teachers[key];
      // 府学's new junior section is staffed with experienced teachers from the city's schools.
      bool section = key.first == "dc-fuxue" && key.second == Stage::junior;
      for (int k = 0; k < need; ++k)
        hire(key.first, key.second, on.year(), now, section ? 5 + int(rng_() % 20) : 0);
    }
  }
  void hire_census() {
    // The narrative's teachers are part of the staff from their hiring on.
    for (const auto& t : narrative_teachers_) teachers_.push_back(t);
    auto pupils = pupils_by_school();
    for (const auto& [key, n] : pupils) {
      int need = int(std::ceil(n / profile(key.first).pupils_per_teacher));
      for (int k = 0; k < need; ++k)
        hire(key.first, key.second, kCensusYear - int(rng_() % 30), kCensusYear);
    }
    // Backbone teachers (骨干) of the district's list of 2008, a fifth of them the city's.
    for (auto& t : teachers_) {
      if (t.narrative || t.hired_year > 2003 || !chance(profile(t.school).backbone * 1.25))
        continue;
      award(t, day(2008, 9, 10), chance(0.2) ? HonourLevel::city : HonourLevel::district);
    }
  }
  void award(Teacher& t, Date on, HonourLevel level) {
    t.backbone = true;
    emit(on, "honour/" + t.id + "/" + on.to_string(),
         TeacherHonourAwarded{{t.id, Honour::backbone, level}});
  }
  void narrative_moves(Date until) {
    // Where the narrative's teachers are: their transfers as the narrative writes them.
    for (const auto& [on, m] : teacher_moves_) {
      if (on > until) continue;
      for (auto& t : teachers_)
        if (t.id == m.teacher_id) {
          if (m.kind == TransferKind::permanent) t.school = m.to_school_id;
          else if (m.end_date && *m.end_date > until) t.away = {{*m.end_date, m.to_school_id}};
          else t.away.reset();
        }
    }
  }
  // The teachers' year: retirements and resignations (31 July), rotations within the 学区
  // and the district's honours (September), titles and degrees, then hiring up to the ratio.
  void teachers_year(int y) {
    Date july = day(y, 7, 31), sept = day(y, 9, 1);
    on_september_first(sept);
    narrative_moves(sept);
    for (auto& t : teachers_) {
      if (!t.active || t.narrative || t.away || t.since > sept) continue;
      bool old = y - t.hired_year >= 33;
      if ((old && chance(0.5)) || chance(0.012)) {
        emit(july, "leave/" + t.id,
             TeacherLeft{t.id, old ? LeaveReason::retired : LeaveReason::resigned});
        t.active = false;
        continue;
      }
      if (y >= 2014 && chance(0.025)) rotate(t, y, rng_);
      if (t.qualification < Qualification::master && chance(0.02)) {
        t.qualification = Qualification(int(t.qualification) + 1);
        emit(day(y, 7, 15), "degree/" + t.id + "/" + std::to_string(y),
             TeacherQualificationChanged{t.id, t.qualification});
      }
      if (t.title < Title::senior && y - t.hired_year >= 3 && chance(0.05)) {
        t.title = Title(int(t.title) + 1);
        emit(day(y, 12, 1), "title/" + t.id + "/" + std::to_string(y),
             TeacherTitleChanged{t.id, t.title});
      }
      // The district's list of backbone teachers, renewed every three years.
      if ((y - 2008) % 3 == 0 && !t.backbone && y - t.hired_year >= 6 &&
          chance(profile(t.school).backbone * 0.25))
        award(t, day(y, 9, 10), chance(0.15) ? HonourLevel::city : HonourLevel::district);
    }
    staff(sept, y);
  }

  // Where the teachers' posts are on `sept`: the rotated ones back home, as the record says,
  // and every post at the school that stands for its own after the mergers.
  void on_september_first(Date sept) {
    for (auto& t : teachers_) {
      if (t.away && t.away->first <= sept) t.away.reset();
      t.school = standing(t.school, sept);
    }
  }
  // 交流轮岗: a year at another school of the district serving the stage all year, the post
  // staying home; the destination drawn from `rng`. Not from the special school, nor from the
  // schools the narrative closes or splits.
  void rotate(Teacher& t, int y, std::mt19937_64& rng) {
    const Date sept = day(y, 9, 1), back = day(y + 1, 7, 31);
    if (t.school == "dc-tejiao") return;
    std::vector<std::string> to;
    for (const auto& id : school_ids())
      if (id != t.school && id != "dc-tejiao" && serves(id, t.stage, sept) &&
          serves(id, t.stage, back) && standing(id, sept) == id)
        to.push_back(id);
    if (to.empty() || t.school == "dc-dongsi7" || t.school == "dc-hepingli9") return;
    rotate_to(t, y, to[rng() % to.size()]);
  }
  void rotate_to(Teacher& t, int y, const std::string& dest) {
    const Date sept = day(y, 9, 1), back = day(y + 1, 7, 31);
    emit(sept, "rotate/" + t.id + "/" + sept.to_string(),
         TeacherTransferred{t.id, t.school, dest, std::nullopt, TransferKind::rotation, back,
                            false});
    t.away = {{back, dest}};
  }
  // After the pupils' last school year the teachers still rotate, as the 2017 method asks (a
  // tenth of those six school years at one school, docs/guarantees.md): about 6% of those
  // eligible, 12% of the eligible backbone teachers and 1% of the others each September, each
  // in exchange for a teacher of the same stage at the other school (交流), so that no school
  // is left short. From a stream of their own, so that the rest of the demo is what it was
  // without them.
  void later_rotations(int y) {
    const Date sept = day(y, 9, 1);
    on_september_first(sept);
    for (auto& t : teachers_) {
      if (!t.active || t.narrative || t.away || t.since > sept) continue;
      const bool eligible = school_year_of(sept) - school_year_of(t.since) >= 6;
      const std::uint64_t percent = !eligible ? 1 : t.backbone ? 12 : 6;
      if (rotations_rng_() % 100 >= percent) continue;
      rotate(t, y, rotations_rng_);
      if (!t.away) continue;
      for (auto& u : teachers_)
        if (u.school == t.away->second && u.stage == t.stage && u.active && !u.narrative &&
            !u.away && u.since <= sept) {
          rotate_to(u, y, t.school);
          break;
        }
    }
  }

  // --- facilities ---------------------------------------------------------------------------
  // The pupils school `id`'s `stage` section was built for on `on`.
  double design(const std::string& id, Stage stage, Date on) const {
    if (id == "dc-hepingli9-north") return kNorthShare * 6 * profile("dc-hepingli9").primary;
    const Profile& p = profile(id);
    if (stage == Stage::junior) return id == "dc-fuxue" ? 2 * 220.0 : 3.0 * p.junior;
    double d = 6.0 * p.primary;
    if (id == "dc-shijia" && on >= kMerger) d += 6.0 * profile("dc-xizongbu").primary;
    if (id == "dc-shijia" && on >= kClosure) d += 6.0 * profile("dc-dongsi7").primary;
    if (id == "dc-hepingli9" && on >= kSplit) d *= 1 - kNorthShare;
    return d;
  }
  // The survey of every open school and section on `on` (or only of the schools `only`),
  // unless the narrative has it.
  void facilities(Date on, const std::set<std::string>& only = {}) {
    int years = on.year() - kBaseYear;
    for (const auto& id : school_ids()) {
      if (!open(id, on) || standing(id, on) != id || (!only.empty() && !only.count(id))) continue;
      const Profile& p = profile(id);
      for (Stage stage : {Stage::primary, Stage::junior}) {
        if (!serves(id, stage, on)) continue;
        std::optional<Stage> section;
        if (!special(id)) section = stage;
        else if (stage == Stage::junior) continue;  // one survey of the whole special school
        if (surveyed_.count({id, section, on})) continue;
        double pupils = special(id) ? 6.0 * p.primary + 3.0 * p.junior : design(id, stage, on);
        // The north campus's newer buildings; 府学's junior section in a new building.
        double newer =
            id == "dc-hepingli9-north" || (id == "dc-fuxue" && stage == Stage::junior) ? 1.15 : 1.0;
        SchoolFacilitiesSurveyed f;
        f.school_id = id;
        f.stage = section;
        f.floor_area_m2.centi = std::llround(pupils * p.floor_m2 * newer * 100);
        f.sports_area_m2.centi = std::llround(pupils * p.sports_m2 * 100);
        f.equipment_value_fen =
            std::llround(pupils * p.equipment_yuan * newer * std::pow(1.04, years) * 100);
        f.multimedia_classrooms =
            std::llround(pupils * p.multimedia / 100 * std::pow(1.04, std::min(years, 6)));
        f.computers = std::llround(pupils * p.computers / 100 * std::pow(1.03, years));
        f.books = std::llround(pupils * p.books * std::pow(1.02, years));
        emit(on, "survey/" + id + "/" + std::string(to_string(stage)) + "/" + on.to_string(),
             std::move(f));
      }
    }
  }

  // --- money --------------------------------------------------------------------------------
  // Fiscal year `y`'s operating funds (per pupil enrolled) and training funds for every
  // school open on 1 March, unless the narrative allocated them.
  void funds(int y) {
    Date on = day(y, 3, 1);
    if (y == kCensusYear) on = day(y, 9, 15);  // the record starts with the census
    double growth = std::pow(1.08, y - kBaseYear);
    auto n = pupils_by_school();
    for (const auto& id : school_ids()) {
      if (!open(id, on) || standing(id, on) != id) continue;
      double primary = n[{id, Stage::primary}], junior = n[{id, Stage::junior}];
      if (primary + junior == 0) continue;
      std::int64_t operating =
          special(id) ? std::llround((primary + junior) * kOperatingSpecial * growth) * 100
                      : std::llround((primary * kOperatingPrimary + junior * kOperatingJunior) *
                                     growth / 100) *
                            10000;  // whole hundreds of yuan
      std::string year = std::to_string(y);
      if (allocated_.count({id, y, FundingCategory::per_student_operating})) {
        operating = narrative_amount(id, y);
      } else {
        emit(
            on, "operating/" + id + "/" + year,
            FundingAllocated{id, FundingCategory::per_student_operating, operating, y, "区级财政"});
      }
      const Profile& p = profile(id);
      if (!allocated_.count({id, y, FundingCategory::training}))
        emit(on, "training/" + id + "/" + year,
             FundingAllocated{id, FundingCategory::training,
                              std::llround(double(operating) * p.training / 10000) * 10000, y,
                              "区级财政"});
    }
  }
  // The narrative's operating funds of a school and year that were not retracted.
  std::int64_t narrative_amount(const std::string& id, int y) const {
    std::int64_t sum = 0;
    for (const auto& a : narrative_allocations_)
      if (a.second.school_id == id && a.second.fiscal_year == y &&
          a.second.category == FundingCategory::per_student_operating && !retracted_.count(a.first))
        sum += a.second.amount_fen;
    return sum;
  }
  // The district's education appropriation and recurring revenue (illustrative figures of
  // 东城区's scale: revenue about 13 billion yuan in 2010, growing 6% a year; the
  // appropriation about 3.4 billion, growing 8-9%), unless the narrative has the year.
  void budget(int y) {
    if (budgets_.count(y)) return;
    int n = y - kBaseYear;
    std::int64_t education = std::llround(3.4e9 * std::pow(1.085, n)) / 1'000'000 * 100'000'000;
    std::int64_t revenue = std::llround(13.0e9 * std::pow(1.06, n)) / 1'000'000 * 100'000'000;
    emit(day(y, 1, 15), "budget/" + std::to_string(y), BudgetAppropriated{y, education, revenue});
  }

  std::vector<std::string> lines_;
  std::vector<Event> out_;
  std::set<std::string> taken_ids_;
  std::mt19937_64 rng_{20100901};
  std::mt19937_64 facts_rng_{20170920};      // yearly_facts' own
  std::mt19937_64 rotations_rng_{20170901};  // later_rotations' own
  // What the narrative has.
  std::set<std::tuple<std::string, std::optional<Stage>, Date>> surveyed_;
  std::map<std::string, Date> opened_;
  std::set<std::tuple<std::string, std::int64_t, FundingCategory>> allocated_;
  std::vector<std::pair<std::string, FundingAllocated>> narrative_allocations_;
  std::set<std::string> retracted_;
  std::set<std::int64_t> budgets_;
  std::vector<Teacher> narrative_teachers_;
  std::vector<std::pair<Date, TeacherTransferred>> teacher_moves_;
  std::vector<std::pair<Date, Pupil>> narrative_pupils_;
  std::set<std::string> narrative_pupil_ids_;
  std::set<std::pair<std::string, Date>> promoted_;
  // The district's people.
  std::vector<Pupil> pupils_;
  std::vector<Pupil> going_on_;
  std::vector<Teacher> teachers_;
  int next_pupil_ = 100, next_teacher_ = 100;
};

}  // namespace

std::vector<std::string> dongcheng_demo(const std::vector<std::string>& narrative) {
  return DongchengDemo(narrative).run();
}

}  // namespace annals
