#include "services/gen/synthetic_city.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <queue>
#include <random>

#include "events/identifier.h"

namespace annals {

std::optional<CityScale> city_scale(const std::string& name) {
  if (name == "demo") return CityScale{"demo", 2, 10, 30, 10};
  if (name == "small") return CityScale{"small", 4, 30, 60, 10};
  if (name == "medium") return CityScale{"medium", 8, 60, 100, 10};
  if (name == "beijing") return CityScale{"beijing", 16, 88, 140, 10};
  return std::nullopt;
}

std::vector<std::string> city_scale_names() { return {"demo", "small", "medium", "beijing"}; }

namespace {

struct DistrictName {
  const char* id;
  const char* name;
  double urban;  // share of urban schools
};
constexpr DistrictName kDistricts[] = {
    {"dongcheng", "东城区", 1.0},   {"xicheng", "西城区", 1.0},   {"chaoyang", "朝阳区", 0.8},
    {"haidian", "海淀区", 0.8},     {"fengtai", "丰台区", 0.7},   {"shijingshan", "石景山区", 0.8},
    {"mentougou", "门头沟区", 0.3}, {"fangshan", "房山区", 0.3},  {"tongzhou", "通州区", 0.5},
    {"shunyi", "顺义区", 0.4},      {"changping", "昌平区", 0.5}, {"daxing", "大兴区", 0.5},
    {"huairou", "怀柔区", 0.3},     {"pinggu", "平谷区", 0.3},    {"miyun", "密云区", 0.2},
    {"yanqing", "延庆区", 0.2}};
constexpr const char* kNumerals[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

std::string ordinal(int n) {  // 1..99 in Chinese; from 100 in digits
  if (n >= 100) return std::to_string(n);
  if (n <= 10) return kNumerals[n - 1];
  if (n < 20) return std::string("十") + kNumerals[n - 11];
  return std::string(kNumerals[n / 10 - 1]) + "十" + (n % 10 ? kNumerals[n % 10 - 1] : "");
}

struct School {
  std::string id;
  std::string name;
  bool primary = true, junior = false;
  SchoolKind kind = SchoolKind::regular;
  LocationClass location = LocationClass::urban;
  double size = 1;    // intake relative to the average
  double wealth = 1;  // facilities per student relative to the average
  std::array<double, 6> spread{1, 1, 1, 1, 1, 1};  // and per facility: no two schools are alike
  int zone = 0;       // its 学区
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
  DistrictHistory(const CityOptions& o, int index, const std::function<void(Event&&)>& sink)
      : o_(o), d_(kDistricts[index % 16]), sink_(sink),
        rng_(o.seed * 1000003 + std::uint64_t(index)), district_(d_.id) {
    if (index >= 16) district_ += "-" + std::to_string(index / 16);
  }

  void run() {
    founding();
    for (int y = 0; y < o_.scale.years; ++y) year(o_.first_year + y, y);
    flush(Timestamp::max());
  }

 private:
  // --- time and emission -----------------------------------------------------------------
  static Timestamp at_time(Date d, int hour) {
    return Timestamp{(std::int64_t(d.days) * 86400 + std::int64_t(hour - 8) * 3600) * 1'000'000};
  }
  Date day(int y, unsigned m, unsigned dd) { return Date::from_ymd(y, m, dd); }
  Date random_day(int y, int from_month, int months) {
    Date start = day(y, unsigned(from_month), 1);
    return Date{start.days + int(rng_() % std::uint64_t(months * 30))};
  }
  // Recorded on the day or within three days, in office hours; `late_days` later when late.
  Timestamp recorded(Date effective, int late_days = 0) {
    Date base = effective < launch_ ? launch_ : effective;
    return Timestamp{at_time(Date{base.days + late_days + int(rng_() % 3)}, 9).micros +
                     std::int64_t(rng_() % (8 * 3600)) * 1'000'000 + std::int64_t(rng_() % 1'000'000)};
  }
  void emit(Date effective, Payload data, int late_days = 0, const char* source = nullptr) {
    Event e;
    e.envelope.id = uuid_from_name("annals-gen-" + std::to_string(o_.seed), district_ + "/" + std::to_string(serial_++));
    e.envelope.district = district_;
    e.envelope.effective_date = effective;
    e.envelope.recorded_at = recorded(effective, late_days);
    e.data = std::move(data);
    // Registry events of one day are recorded in the order they were decided (a cluster
    // before the schools that join it). Late corrections keep their own time.
    if (system_of(e.data) == System::registry && late_days == 0) {
      Timestamp& last = last_registry_[effective.days];
      if (*e.envelope.recorded_at <= last) e.envelope.recorded_at = Timestamp{last.micros + 1'000'000};
      last = *e.envelope.recorded_at;
    }
    e.envelope.schema_version = std::visit([](const auto& x) -> std::int64_t { return std::decay_t<decltype(x)>::kVersion; }, e.data);
    static constexpr const char* kSources[] = {"beijing-registry", "beijing-personnel", "beijing-xueji", "beijing-finance", "annals"};
    e.envelope.source = source ? source : kSources[int(system_of(e.data))];
    pending_.push(std::move(e));
  }
  // Hands over, in recorded order, every event recorded before `until`.
  void flush(Timestamp until) {
    while (!pending_.empty() && *pending_.top().envelope.recorded_at < until) {
      Event e = pending_.top();
      pending_.pop();
      sink_(std::move(e));
    }
  }
  struct LaterFirst {
    bool operator()(const Event& a, const Event& b) const {
      return *a.envelope.recorded_at != *b.envelope.recorded_at ? *b.envelope.recorded_at < *a.envelope.recorded_at
                                                                : b.envelope.id < a.envelope.id;
    }
  };

  double uniform(double lo, double hi) { return lo + (hi - lo) * double(rng_() % 1'000'000) / 1e6; }
  bool chance(double p) { return double(rng_() % 1'000'000) < p * 1e6; }

  // --- the district as it stood when the platform started ------------------------------------
  void founding() {
    launch_ = day(o_.first_year - 1, 12, 1);
    emit(day(2010, 7, 1), DistrictRegistered{d_.name, "北京市"});
    int n = o_.scale.schools_per_district;
    int zones = std::max(1, n / 8);
    for (int i = 0; i < n; ++i) {
      School s;
      s.id = district_ + "-s" + std::to_string(i + 1);
      double r = uniform(0, 1);
      if (r < 0.62) s.name = std::string(d_.name) + "第" + ordinal(i + 1) + "小学";
      else if (r < 0.85) s.junior = true, s.primary = false, s.name = std::string(d_.name) + "第" + ordinal(i + 1) + "中学";
      else s.junior = true, s.name = std::string(d_.name) + "第" + ordinal(i + 1) + "九年一贯制学校";
      s.location = chance(d_.urban) ? LocationClass::urban
                                    : LocationClass(1 + rng_() % 3);  // town, rural, mountain
      if (i == n - 1 && n >= 6) s.kind = SchoolKind::special_education, s.primary = true, s.junior = true,
                                s.name = std::string(d_.name) + "特殊教育学校";
      if (i == n - 2 && n >= 8 && s.location != LocationClass::urban)
        s.kind = SchoolKind::teaching_point, s.primary = true, s.junior = false,
        s.name = std::string(d_.name) + ordinal(i + 1) + "村教学点";
      s.size = s.kind == SchoolKind::teaching_point ? 0.08 : s.kind == SchoolKind::special_education ? 0.15 : uniform(0.5, 1.6);
      s.wealth = (s.location == LocationClass::urban ? 1.1 : 0.8) * uniform(0.7, 1.3);
      for (auto& f : s.spread) f = uniform(0.75, 1.25);
      s.zone = i % zones;
      SchoolOpened open;
      static_cast<SchoolProfile&>(open) = {s.id, s.name, s.stages(), s.kind, Ownership::public_, s.location, s.kind == SchoolKind::special_education};
      emit(day(1950 + int(rng_() % 55), 9, 1), open);
      schools_.push_back(s);
    }
    for (int z = 0; z < zones; ++z) {
      std::string cluster = district_ + "-xq" + std::to_string(z + 1);
      emit(day(2008, 9, 1), ClusterCreated{cluster, std::string(d_.name) + "第" + ordinal(z + 1) + "学区", ClusterKind::school_district, std::nullopt});
      for (std::size_t i = 0; i < schools_.size(); ++i)
        if (schools_[i].zone == z)
          emit(day(2008, 9, 1), SchoolJoinedCluster{schools_[i].id, cluster, i == std::size_t(z) ? MemberRole::lead : MemberRole::member});
    }
    // Pupils already in school, and their teachers.
    Date start = day(o_.first_year - 1, 9, 1);
    for (std::size_t i = 0; i < schools_.size(); ++i)
      for (int grade = 1; grade <= 9; ++grade) enrol_intake(i, grade, start, AdmissionMode::nearby);
    staff(start);
    surveys(o_.first_year - 1, -1);  // the census the record starts from
  }

  bool serves(const School& s, int grade) const { return s.open && (grade <= 6 ? s.primary : s.junior); }

  void enrol_intake(std::size_t school, int grade, Date on, AdmissionMode mode) {
    const School& s = schools_[school];
    if (!serves(s, grade)) return;
    int n = int(std::round(o_.scale.intake_per_grade * s.size * uniform(0.85, 1.15)));
    for (int k = 0; k < n; ++k) enrol(school, grade, on, mode);
  }

  void enrol(std::size_t school, int grade, Date on, AdmissionMode mode, std::string id = {}) {
    if (id.empty()) id = district_ + "-p" + std::to_string(next_student_++);
    bool migrant = chance(d_.urban > 0.9 ? 0.15 : 0.35);
    Disability disability = schools_[school].kind == SchoolKind::special_education ? Disability::special_school
                            : chance(0.01)                                          ? Disability::mainstream
                                                                                    : Disability::none;
    emit(on, StudentEnrolled{id, schools_[school].id, grade <= 6 ? Stage::primary : Stage::junior, grade, mode, migrant,
                             disability, schools_[school].kind == SchoolKind::special_education, chance(0.05) ? 1 : 0});
    students_.push_back({id, school, grade});
  }

  // Hires until every school has about one full-time teacher per 13 primary or 11 junior pupils.
  void staff(Date on) {
    std::vector<std::array<int, 2>> pupils(schools_.size()), teachers(schools_.size());
    for (const auto& p : students_)
      if (p.active) ++pupils[p.school][p.grade > 6];
    for (const auto& t : teachers_)
      if (t.active) ++teachers[t.returns ? t.returns->second : t.school][int(t.stage)];
    for (std::size_t i = 0; i < schools_.size(); ++i) {
      if (!schools_[i].open) continue;
      for (int st = 0; st < 2; ++st) {
        int need = int(std::ceil(pupils[i][st] / (st ? 11.0 : 13.0))) - teachers[i][st];
        for (int k = 0; k < need; ++k) hire(i, Stage(st), on);
      }
    }
  }

  void hire(std::size_t school, Stage stage, Date on) {
    Teacher t{district_ + "-t" + std::to_string(next_teacher_++), school, stage,
              Qualification(chance(0.15) ? 1 : chance(0.85) ? 2 : 3), Title(rng_() % 4)};
    static constexpr Subject kSubjects[] = {Subject::chinese, Subject::mathematics, Subject::english, Subject::chinese,
                                            Subject::mathematics, Subject::science, Subject::pe, Subject::music,
                                            Subject::fine_art, Subject::information_technology, Subject::history,
                                            Subject::physics};
    emit(on, TeacherHired{t.id, schools_[school].id, stage, kSubjects[rng_() % 12], t.qualification, t.title, !chance(0.05), true});
    teachers_.push_back(t);
  }

  std::size_t pick_school(int grade, std::optional<int> zone = std::nullopt, std::optional<std::size_t> not_this = std::nullopt) {
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < schools_.size(); ++i)
      if (serves(schools_[i], grade) && schools_[i].kind == SchoolKind::regular && i != not_this &&
          (!zone || schools_[i].zone == *zone))
        candidates.push_back(i);
    if (candidates.empty() && zone) return pick_school(grade, std::nullopt, not_this);
    if (candidates.empty()) return not_this.value_or(0);
    return candidates[rng_() % candidates.size()];
  }

  // --- one school year ---------------------------------------------------------------------------
  void year(int y, int index) {
    flush(at_time(day(y, 1, 1), 0));
    std::int64_t students = std::count_if(students_.begin(), students_.end(), [](const Student& s) { return s.active; });
    emit(day(y, 1, 15), BudgetAppropriated{y, std::int64_t(students) * 2'500'000 * (100 + 6 * index) / 100,
                                           std::int64_t(students) * 40'000'000 * (100 + 5 * index) / 100});
    funding(y, index);
    registry_changes(y, index);
    movements(y);
    summer(y);
    autumn(y, index);
    personnel(y);
    surveys(y, index);
  }

  void funding(int y, int index) {
    std::vector<std::array<int, 2>> pupils(schools_.size());
    for (const auto& p : students_)
      if (p.active) ++pupils[p.school][p.grade > 6];
    for (std::size_t i = 0; i < schools_.size(); ++i) {
      if (!schools_[i].open) continue;
      std::int64_t rate = (pupils[i][0] * 1200 + pupils[i][1] * 1600) * (100 + 5 * index) / 100;  // yuan
      if (rate > 0) emit(day(y, 3, 1), FundingAllocated{schools_[i].id, FundingCategory::per_student_operating, rate * 100, y, "区级"});
      if (chance(0.2))
        emit(random_day(y, 4, 6), FundingAllocated{schools_[i].id, FundingCategory::earmarked,
                                                   std::int64_t(uniform(2e5, 2e6)) * 100, y, "市级"});
    }
  }

  void registry_changes(int y, int index) {
    Date sept = day(y, 8, 31);
    // Mergers: the smallest regular primary school joins another of its 学区.
    if ((index == 2 || index == 6) && schools_.size() >= 6) {
      std::optional<std::size_t> small;
      for (std::size_t i = 0; i < schools_.size(); ++i)
        if (schools_[i].open && schools_[i].kind == SchoolKind::regular && schools_[i].primary && !schools_[i].junior &&
            (!small || schools_[i].size < schools_[*small].size))
          small = i;
      if (small) {
        std::size_t survivor = pick_school(1, schools_[*small].zone, *small);
        if (survivor != *small && schools_[survivor].primary) {
          emit(sept, SchoolMerged{{schools_[*small].id}, schools_[survivor].id, std::nullopt});
          schools_[*small].open = false;
          schools_[*small].merged_into = survivor;
          for (auto& p : students_)
            if (p.school == *small) p.school = survivor;
          for (auto& t : teachers_) {
            if (t.school == *small) t.school = survivor;
            if (t.returns && t.returns->second == *small) t.returns->second = survivor;
          }
          schools_[survivor].size += schools_[*small].size;
        }
      }
    }
    // A primary school gains a junior section (九年一贯制).
    if (index == 4)
      for (auto& s : schools_)
        if (s.open && s.kind == SchoolKind::regular && s.primary && !s.junior) {
          s.junior = true;
          emit(day(y, 9, 1), SchoolStagesChanged{s.id, s.stages()});
          break;
        }
    // An education group led by the largest school.
    if (index == 3 && schools_.size() >= 6) {
      std::string group = district_ + "-jtg1";
      std::size_t lead = 0;
      for (std::size_t i = 0; i < schools_.size(); ++i)
        if (schools_[i].open && schools_[i].size > schools_[lead].size) lead = i;
      emit(day(y, 9, 1), ClusterCreated{group, schools_[lead].name + "教育集团", ClusterKind::education_group, std::nullopt});
      emit(day(y, 9, 1), SchoolJoinedCluster{schools_[lead].id, group, MemberRole::lead});
      for (int k = 0, added = 0; k < int(schools_.size()) && added < 3; ++k) {
        std::size_t i = (lead + 1 + std::size_t(k)) % schools_.size();
        if (schools_[i].open && schools_[i].kind == SchoolKind::regular && i != lead) {
          emit(day(y, 9, 1), SchoolJoinedCluster{schools_[i].id, group, MemberRole::member});
          ++added;
        }
      }
    }
    // The teaching point closes; its pupils move to a school of its 学区.
    if (index == 5)
      for (std::size_t i = 0; i < schools_.size(); ++i)
        if (schools_[i].open && schools_[i].kind == SchoolKind::teaching_point) {
          for (auto& p : students_)
            if (p.active && p.school == i) {
              std::size_t to = pick_school(p.grade, schools_[i].zone, i);
              emit(day(y, 7, 15), StudentTransferred{p.id, schools_[i].id, schools_[to].id, std::nullopt});
              p.school = to;
            }
          for (auto& t : teachers_)
            if (t.active && t.school == i) {
              std::size_t to = pick_school(1, schools_[i].zone, i);
              emit(day(y, 7, 15), TeacherTransferred{t.id, schools_[i].id, schools_[to].id, std::nullopt, TransferKind::permanent, std::nullopt, true});
              t.school = to;
            }
          emit(day(y, 7, 20), SchoolClosed{schools_[i].id, std::string("撤并")});
          schools_[i].open = false;
        }
  }

  // Transfers, withdrawals and flag changes through the school year (Oct to June).
  void movements(int y) {
    std::size_t n = students_.size();
    for (std::size_t k = 0; k < n; ++k) {
      Student& p = students_[k];
      if (!p.active) continue;
      if (chance(0.02)) {
        std::size_t to = pick_school(p.grade, std::nullopt, p.school);
        if (to == p.school || schools_[p.school].kind == SchoolKind::special_education) continue;
        // A few transfers reach the registry months late.
        emit(random_day(y - 1, 10, 8), StudentTransferred{p.id, schools_[p.school].id, schools_[to].id, std::nullopt},
             chance(0.05) ? 60 + int(rng_() % 200) : 0);
        p.school = to;
      } else if (chance(0.003)) {
        emit(random_day(y - 1, 10, 8), StudentWithdrew{p.id, chance(0.8) ? WithdrawReason::moved_out_of_city : WithdrawReason::other});
        p.active = false;
      } else if (chance(0.01)) {
        emit(random_day(y - 1, 10, 8), StudentFlagsChanged{p.id, std::nullopt, std::nullopt, std::nullopt, std::int64_t(rng_() % 3)});
      }
    }
  }

  // July: grade 9 leaves; grade 6 of primary-only schools graduates and goes on to a junior school.
  void summer(int y) {
    going_on_.clear();
    for (auto& p : students_) {
      if (!p.active) continue;
      if (p.grade == 9 || (p.grade == 6 && !schools_[p.school].junior)) {
        emit(day(y, 7, 1), StudentGraduated{p.id});
        p.active = false;
        if (p.grade == 6) going_on_.push_back(p);
      }
    }
  }

  void autumn(int y, int index) {
    Date sept = day(y, 9, 1);
    for (auto& p : students_)
      if (p.active && p.grade < 9) {
        ++p.grade;
        emit(sept, StudentPromoted{p.id, p.grade});
      }
    for (const auto& p : going_on_) {
      std::size_t to = pick_school(7, schools_[p.school].zone);
      AdmissionMode mode = chance(0.3) ? AdmissionMode::direct_promotion : chance(0.5) ? AdmissionMode::lottery : AdmissionMode::nearby;
      enrol(to, 7, sept, mode, p.id);
    }
    for (std::size_t i = 0; i < schools_.size(); ++i) {
      enrol_intake(i, 1, sept, AdmissionMode::nearby);
      if (schools_[i].junior && !schools_[i].primary) {
        // Junior schools also take pupils from outside the district's primaries.
        int extra = int(o_.scale.intake_per_grade * schools_[i].size * 0.6);
        for (int k = 0; k < extra; ++k) enrol(i, 7, sept, AdmissionMode::other);
      }
    }
    (void)index;
  }

  void personnel(int y) {
    Date sept = day(y, 9, 1);
    for (auto& t : teachers_) {
      if (!t.active) continue;
      if (t.returns && t.returns->first <= sept) {
        t.school = t.returns->second;  // back by the end date, as the record says
        t.returns.reset();
      }
      if (chance(0.03)) {
        emit(day(y, 7, 31), TeacherLeft{t.id, chance(0.7) ? LeaveReason::retired : LeaveReason::resigned});
        t.active = false;
        continue;
      }
      // Rotation (交流轮岗) within the 学区 for a year; support teaching (支教) in the countryside.
      if (!t.returns && chance(0.08)) {
        int grade = t.stage == Stage::primary ? 1 : 7;
        std::size_t to = pick_school(grade, schools_[t.school].zone, t.school);
        if (to != t.school) {
          bool support = schools_[to].location != LocationClass::urban && chance(0.3);
          Date back = day(y + 1, 7, 31);
          emit(sept, TeacherTransferred{t.id, schools_[t.school].id, schools_[to].id, std::nullopt,
                                        support ? TransferKind::support_teaching : TransferKind::rotation, back, false});
          t.returns = {{back, t.school}};
          t.school = to;
        }
      }
      if (chance(0.04) && t.qualification < Qualification::master) {
        auto before = t.qualification;
        t.qualification = Qualification(int(t.qualification) + 1);
        Date on = random_day(y, 1, 11);
        emit(on, TeacherQualificationChanged{t.id, t.qualification});
        if (chance(0.05)) {  // entered by mistake: retracted a few weeks later
          emit(Date{on.days + 20}, RecordRetracted{last_id(), "entered for the wrong teacher"}, 0, "beijing-personnel");
          t.qualification = before;
        }
      }
      if (chance(0.03) && t.title < Title::senior) {
        t.title = Title(int(t.title) + 1);
        emit(random_day(y, 1, 11), TeacherTitleChanged{t.id, t.title});
      }
      if (!t.backbone && chance(0.025)) {
        t.backbone = true;
        emit(random_day(y, 4, 6), TeacherHonourAwarded{{t.id, Honour::backbone, chance(0.8) ? HonourLevel::district : HonourLevel::city}});
      }
    }
    staff(sept);
  }

  std::string last_id() const { return uuid_from_name("annals-gen-" + std::to_string(o_.seed), district_ + "/" + std::to_string(serial_ - 1)); }

  void surveys(int y, int index) {
    std::vector<int> pupils(schools_.size());
    for (const auto& p : students_)
      if (p.active) ++pupils[p.school];
    double growth = std::pow(1.04, index);
    for (std::size_t i = 0; i < schools_.size(); ++i) {
      const School& s = schools_[i];
      if (!s.open) continue;
      double n = std::max(20, pupils[i]) * s.wealth;
      auto survey = [&](double f) {
        SchoolFacilitiesSurveyed v;
        v.school_id = s.id;
        v.floor_area_m2.centi = std::int64_t(n * 5.6 * f * s.spread[0] * 100);
        v.sports_area_m2.centi = std::int64_t(n * 9.0 * f * s.spread[1] * (s.location == LocationClass::urban ? 0.8 : 1.3) * 100);
        v.equipment_value_fen = std::int64_t(n * 2300 * growth * f * s.spread[2]) * 100;
        v.multimedia_classrooms = std::int64_t(n * 0.026 * growth * f * s.spread[3]);
        v.computers = std::int64_t(n * 0.14 * growth * f * s.spread[4]);
        v.books = std::int64_t(n * 32 * f * s.spread[5]);
        return v;
      };
      Date on = day(y, 9, 15);
      emit(on, survey(1.0));
      // Corrections: the survey was wrong, and a corrected one is recorded months later.
      if (chance(0.03)) emit(on, survey(uniform(0.85, 1.15)), 120 + int(rng_() % 300));
      if (chance(0.3)) {
        SchoolEquipmentPurchased buy;
        buy.school_id = s.id;
        buy.equipment_value_fen = std::int64_t(uniform(5e4, 5e5)) * 100;
        buy.computers = std::int64_t(rng_() % 40);
        emit(random_day(y + 1, 1, 6), buy);
      }
    }
  }

  const CityOptions& o_;
  DistrictName d_;
  const std::function<void(Event&&)>& sink_;
  std::mt19937_64 rng_;
  std::string district_;
  Date launch_;
  std::map<std::int32_t, Timestamp> last_registry_;  // by effective day
  std::uint64_t serial_ = 0, next_student_ = 1, next_teacher_ = 1;
  std::vector<School> schools_;
  std::vector<Student> students_;
  std::vector<Student> going_on_;
  std::vector<Teacher> teachers_;
  std::priority_queue<Event, std::vector<Event>, LaterFirst> pending_;
};

}  // namespace

void generate_city(const CityOptions& options, const std::function<void(Event&&)>& sink) {
  for (int d = 0; d < options.scale.districts; ++d) DistrictHistory(options, options.first_district + d, sink).run();
}

}  // namespace annals
