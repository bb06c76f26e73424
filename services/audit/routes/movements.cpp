// Teacher transfers and the autumn intake (movements.h).
#include "services/audit/routes/movements.h"

#include <map>

#include "services/audit/render.h"
#include "services/audit/strength.h"
#include "services/history/district_state.h"
#include "services/history/people.h"
#include "services/history/trail.h"

namespace annals::routes {

using nlohmann::json;

namespace {

// The registry on a date, folded once per date asked.
class RegistryByDate {
 public:
  RegistryByDate(views::Reader reader, std::string district, Timestamp as_of)
      : reader_(reader), district_(std::move(district)), as_of_(as_of) {}
  const RegistryState& on(Date d) {
    auto it = cache_.find(d);
    if (it == cache_.end())
      it = cache_.emplace(d, registry_state(reader_, district_, d, as_of_)).first;
    return it->second;
  }

 private:
  views::Reader reader_;
  std::string district_;
  Timestamp as_of_;
  std::map<Date, RegistryState> cache_;
};

// The name of the 学区 of the school that holds `school` (after mergers) on the registry's
// date: of its school-district clusters, the last in id order; "(none)" when it has none.
std::string zone_of(const RegistryState& reg, const std::string& school) {
  std::string zone = "(none)";
  auto it = reg.schools.find(reg.resolve(school));
  if (it == reg.schools.end()) return zone;
  for (const auto& [c, role] : it->second.clusters)
    if (auto k = reg.clusters.find(c);
        k != reg.clusters.end() && k->second.kind == ClusterKind::school_district)
      zone = k->second.name;
  return zone;
}

}  // namespace

json rotations(views::Reader reader, const std::string& district, Date from, Date to,
               Timestamp as_of, const std::optional<std::string>& cluster,
               const Standards& standards) {
  RegistryByDate registry(reader, district, as_of);
  // The strong and weak schools on the eve of each school year a move falls in (31 August: a
  // rotation usually begins on 1 September and must not weigh its own schools), under the
  // standard in force then (strength.h).
  struct Strengths {
    DistrictState state;
    std::optional<SchoolStrengths> strengths;
  };
  std::map<std::int64_t, Strengths> by_year;
  auto strength_direction = [&](Date on, const std::string& a, const std::string& b) {
    const std::int64_t year = school_year_of(on);
    auto it = by_year.find(year);
    if (it == by_year.end()) {
      const Date eve = Date::from_ymd(int(year), 8, 31);
      Strengths s{district_state(reader, district, eve, as_of), std::nullopt};
      std::string why;
      if (const Standard* standard = standards.in_force(district, eve, why))
        s.strengths = school_strengths(s.state, *standard);
      it = by_year.emplace(year, std::move(s)).first;
    }
    const auto& [state, strengths] = it->second;
    if (!strengths) return std::string("unknown -> unknown");
    return std::string(strengths->of(state, a)) + " -> " + strengths->of(state, b);
  };
  json moves = json::array();
  std::map<std::string, int> by_kind, by_direction, by_strength;
  int posts_moved = 0, backbone = 0;
  for_each_event(reader, district, from, to, as_of, [&](const TrailEntry& entry) {
    if (entry.retracted) return;
    const Event& e = entry.event;
    const auto* t = std::get_if<TeacherTransferred>(&e.data);
    if (!t) return;
    const Date on = e.envelope.effective_date;
    const RegistryState& reg = registry.on(on);
    auto school = [&](const std::string& id) -> const SchoolRecord* {
      auto it = reg.schools.find(id);
      return it == reg.schools.end() ? nullptr : &it->second;
    };
    const SchoolRecord* a = school(t->from_school_id);
    const SchoolRecord* b = school(t->to_school_id);
    if (cluster) {
      auto in = [&](const SchoolRecord* s) { return s && s->clusters.count(*cluster); };
      if (!in(a) && !in(b)) return;
    }
    // Before the move: was the teacher a backbone teacher of district level or above?
    TeacherRecord before = teacher_on(reader, district, t->teacher_id, Date{on.days - 1}, as_of);
    bool is_backbone = false;
    for (const auto& [h, level] : before.honours) is_backbone |= level >= HonourLevel::district;
    std::string direction = std::string(a ? to_string(a->location) : "unknown") + " -> " +
                            std::string(b ? to_string(b->location) : "unknown");
    std::string strength = strength_direction(on, t->from_school_id, t->to_school_id);
    json m = {{"teacher_id", t->teacher_id},
              {"on", on.to_string()},
              {"kind", to_string(t->kind)},
              {"from_school_id", t->from_school_id},
              {"to_school_id", t->to_school_id},
              {"direction", direction},
              {"strength", strength},
              {"post_moves", t->post_moves},
              {"backbone", is_backbone}};
    if (a) m["from_school"] = a->name;
    if (b) m["to_school"] = b->name;
    if (t->end_date) m["end_date"] = t->end_date->to_string();
    moves.push_back(m);
    ++by_kind[std::string(to_string(t->kind))];
    ++by_direction[direction];
    ++by_strength[strength];
    posts_moved += t->post_moves;
    backbone += is_backbone;
  });
  std::size_t n = moves.size();
  return {{"district", district},
          {"from", from.to_string()},
          {"to", to.to_string()},
          {"cluster", cluster ? json(*cluster) : json()},
          {"transfers", moves},
          {"consistent_to", consistent_to_json(reader.offsets())},
          {"summary",
           {{"total", n},
            {"by_kind", by_kind},
            {"by_direction", by_direction},
            {"by_strength", by_strength},
            {"posts_moved", posts_moved},
            {"backbone", backbone},
            {"backbone_share", n ? double(backbone) / double(n) : 0.0}}}};
}

json admissions(views::Reader reader, const std::string& district, int year, Timestamp as_of) {
  RegistryByDate registry(reader, district, as_of);
  // zone -> stage -> mode -> n, and stage -> mode -> n
  std::map<std::string, std::map<std::string, std::map<std::string, int>>> by_zone;
  std::map<std::string, std::map<std::string, int>> by_stage;
  int total = 0;
  Date from = Date::from_ymd(year, 8, 1), to = Date::from_ymd(year, 10, 31);
  for_each_event(reader, district, from, to, as_of, [&](const TrailEntry& entry) {
    if (entry.retracted) return;
    const Event& e = entry.event;
    const auto* s = std::get_if<StudentEnrolled>(&e.data);
    if (!s || (s->grade != 1 && s->grade != 7)) return;
    std::string zone = zone_of(registry.on(e.envelope.effective_date), s->school_id);
    std::string stage(to_string(s->stage)), mode(to_string(s->admission));
    ++by_zone[zone][stage][mode];
    ++by_stage[stage][mode];
    ++total;
  });
  // Migrant children on 1 October: in public schools, and in all.
  DistrictState st = district_state(reader, district, Date::from_ymd(year, 10, 1), as_of);
  std::int64_t migrant = 0, migrant_public = 0;
  for (const auto& [id, f] : st.figures) {
    std::int64_t m = total_of(f, Measure::migrant_students);
    migrant += m;
    if (st.registry.schools.at(id).ownership == Ownership::public_) migrant_public += m;
  }
  return {
      {"district", district},
      {"year", year},
      {"consistent_to", consistent_to_json(reader.offsets())},
      {"intake", total},
      {"by_stage", by_stage},
      {"by_school_district", by_zone},
      {"migrant_students", migrant},
      {"migrant_in_public_schools", migrant_public},
      {"migrant_public_share", migrant ? json(double(migrant_public) / double(migrant)) : json()}};
}

}  // namespace annals::routes
