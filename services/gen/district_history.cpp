// DistrictHistory's course and emission: the district names, its founding (the district as
// the platform found it), the year loop, and how events are queued (emit, recorded) and handed
// over in recorded order (flush). See district_history.h for the other files.
#include "services/gen/district_history.h"

#include <algorithm>
#include <string>
#include <type_traits>
#include <variant>

#include "events/identifier.h"

namespace annals::gen {

namespace {

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

}  // namespace

DistrictHistory::DistrictHistory(const CityOptions& o, int index,
                                 const std::function<void(Event&&)>& sink)
    : o_(o), d_(kDistricts[index % 16]), sink_(sink), rng_(o.seed * 1000003 + std::uint64_t(index)),
      district_(d_.id) {
  if (index >= 16) district_ += "-" + std::to_string(index / 16);
}

void DistrictHistory::run() {
  founding();
  for (int y = 0; y < o_.scale.years; ++y) year(o_.first_year + y, y);
  flush(Timestamp::max());
}

// --- time and emission ---------------------------------------------------------------------

Date DistrictHistory::random_day(int y, int from_month, int months) {
  Date start = day(y, unsigned(from_month), 1);
  return Date{start.days + int(rng_() % std::uint64_t(months * 30))};
}

Timestamp DistrictHistory::recorded(Date effective, int late_days) {
  Date base = effective < launch_ ? launch_ : effective;
  return Timestamp{at_time(Date{base.days + late_days + int(rng_() % 3)}, 9).micros +
                   std::int64_t(rng_() % (8 * 3600)) * 1'000'000 +
                   std::int64_t(rng_() % 1'000'000)};
}

void DistrictHistory::emit(Date effective, Payload data, int late_days, const char* source) {
  Event e;
  e.envelope.id = uuid_from_name("annals-gen-" + std::to_string(o_.seed),
                                 district_ + "/" + std::to_string(serial_++));
  e.envelope.district = district_;
  e.envelope.effective_date = effective;
  e.data = std::move(data);
  if (system_of(e.data) == System::registry && late_days == 0) {
    // The registry records a change on its day, before office hours, so that what the other
    // systems record about that day or later (a hire into a new junior section, a rotation
    // from a merged school) finds it there. The events of one day are recorded in the order
    // they were decided (a cluster before the schools that join it), and those dated before
    // the platform started, which it took over on its first day, in the order of the
    // district's files (a school's opening before its joining a 学区).
    Date on = std::max(effective, launch_);
    Timestamp at{at_time(on, 7).micros + std::int64_t(rng_() % 3600) * 1'000'000};
    Timestamp& last = last_registry_[on.days];
    e.envelope.recorded_at = at <= last ? Timestamp{last.micros + 1'000'000} : at;
    last = *e.envelope.recorded_at;
  } else {
    e.envelope.recorded_at = recorded(effective, late_days);  // late corrections keep theirs
  }
  e.envelope.schema_version = std::visit(
      [](const auto& x) -> std::int64_t { return std::decay_t<decltype(x)>::kVersion; }, e.data);
  static constexpr const char* kSources[] = {"beijing-registry", "beijing-personnel",
                                             "beijing-enrollment", "beijing-finance", "annals"};
  e.envelope.source = source ? source : kSources[int(system_of(e.data))];
  pending_.push(std::move(e));
}

void DistrictHistory::flush(Timestamp until) {
  while (!pending_.empty() && *pending_.top().envelope.recorded_at < until) {
    Event e = pending_.top();
    pending_.pop();
    sink_(std::move(e));
  }
}

std::string DistrictHistory::last_id() const {
  return uuid_from_name("annals-gen-" + std::to_string(o_.seed),
                        district_ + "/" + std::to_string(serial_ - 1));
}

// --- the district as it stood when the platform started ------------------------------------

void DistrictHistory::founding() {
  launch_ = day(o_.first_year - 1, 12, 1);
  emit(day(2010, 7, 1), DistrictRegistered{d_.name, "北京市"});
  int n = o_.scale.schools_per_district;
  int zones = std::max(1, n / 8);
  for (int i = 0; i < n; ++i) {
    School s;
    s.id = district_ + "-s" + std::to_string(i + 1);
    double r = uniform(0, 1);
    if (r < 0.62) s.name = std::string(d_.name) + "第" + ordinal(i + 1) + "小学";
    else if (r < 0.85)
      s.junior = true, s.primary = false,
      s.name = std::string(d_.name) + "第" + ordinal(i + 1) + "中学";
    else s.junior = true, s.name = std::string(d_.name) + "第" + ordinal(i + 1) + "九年一贯制学校";
    s.location = chance(d_.urban) ? LocationClass::urban
                                  : LocationClass(1 + rng_() % 3);  // town, rural, mountain
    if (i == n - 1 && n >= 6)
      s.kind = SchoolKind::special_education, s.primary = true, s.junior = true,
      s.name = std::string(d_.name) + "特殊教育学校";
    if (i == n - 2 && n >= 8 && s.location != LocationClass::urban)
      s.kind = SchoolKind::teaching_point, s.primary = true, s.junior = false,
      s.name = std::string(d_.name) + ordinal(i + 1) + "村教学点";
    s.size = s.kind == SchoolKind::teaching_point      ? 0.08
             : s.kind == SchoolKind::special_education ? 0.15
                                                       : uniform(0.5, 1.6);
    s.wealth = (s.location == LocationClass::urban ? 1.1 : 0.8) * uniform(0.7, 1.3);
    for (auto& f : s.spread) f = uniform(0.75, 1.25);
    s.zone = i % zones;
    SchoolOpened open;
    static_cast<SchoolProfile&>(open) = {s.id,
                                         s.name,
                                         s.stages(),
                                         s.kind,
                                         Ownership::public_,
                                         s.location,
                                         s.kind == SchoolKind::special_education};
    emit(day(1950 + int(rng_() % 55), 9, 1), open);
    schools_.push_back(s);
  }
  for (int z = 0; z < zones; ++z) {
    std::string cluster = district_ + "-xq" + std::to_string(z + 1);
    emit(day(2008, 9, 1),
         ClusterCreated{cluster, std::string(d_.name) + "第" + ordinal(z + 1) + "学区",
                        ClusterKind::school_district, std::nullopt});
    for (std::size_t i = 0; i < schools_.size(); ++i)
      if (schools_[i].zone == z)
        emit(day(2008, 9, 1),
             SchoolJoinedCluster{schools_[i].id, cluster,
                                 i == std::size_t(z) ? MemberRole::lead : MemberRole::member});
  }
  // Pupils already in school, and their teachers.
  Date start = day(o_.first_year - 1, 9, 1);
  for (std::size_t i = 0; i < schools_.size(); ++i)
    for (int grade = 1; grade <= 9; ++grade) enrol_intake(i, grade, start, AdmissionMode::nearby);
  staff(start);
  surveys(o_.first_year - 1, -1);  // the census the record starts from
}

// --- one school year -----------------------------------------------------------------------

void DistrictHistory::year(int y, int index) {
  flush(at_time(day(y, 1, 1), 0));
  std::int64_t students =
      std::count_if(students_.begin(), students_.end(), [](const Student& s) { return s.active; });
  emit(day(y, 1, 15),
       BudgetAppropriated{y, std::int64_t(students) * 2'500'000 * (100 + 6 * index) / 100,
                          std::int64_t(students) * 40'000'000 * (100 + 5 * index) / 100});
  funding(y, index);
  movements(y);
  summer(y);
  registry_changes(y, index);
  autumn(y, index);
  personnel(y);
  surveys(y, index);
  guarantee_facts(y);
}

}  // namespace annals::gen
