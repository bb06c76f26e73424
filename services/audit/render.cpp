// The audit API's JSON for the record's parts (render.h).
#include "services/audit/render.h"

#include <string>

#include "events/json_codec.h"

namespace annals {

using nlohmann::json;

namespace {

json stages_json(const std::vector<Stage>& stages) {
  json out = json::array();
  for (Stage s : stages) out.push_back(to_string(s));
  return out;
}

// {"total", "by_stage", "by_grade"}: the students among `figures`.
json students_json(const Figures& figures) {
  json by_stage = json::object(), by_grade = json::object();
  std::int64_t students = 0;
  for (const auto& [series, n] : figures) {
    if (series.measure != Measure::students) continue;
    std::string stage(to_string(series.section));
    by_stage[stage] = by_stage.value(stage, 0) + n;
    by_grade[std::to_string(series.grade)] = by_grade.value(std::to_string(series.grade), 0) + n;
    students += n;
  }
  return {{"total", students}, {"by_stage", by_stage}, {"by_grade", by_grade}};
}

}  // namespace

json figures_json(const Figures& f) {
  json out = json::object();
  for (Section section : {Section::primary, Section::junior, Section::whole}) {
    json sec = json::object();
    for (int m = 0; m <= int(Measure::subsidy_funds); ++m) {
      Measure measure = Measure(m);
      std::int64_t n = total(f, section, measure);
      if (!n) continue;
      std::string name(to_string(measure));
      if (unit_of(measure) == Unit::count) sec[name] = n;
      else sec[name + "_" + std::string(to_string(unit_of(measure)))] = natural(measure, n);
    }
    if (!sec.empty()) out[std::string(to_string(section))] = sec;
  }
  return out;
}

json school_json(const SchoolRecord& s, const Figures* figures) {
  json j = {{"school_id", s.school_id},
            {"name", s.name},
            {"stages", stages_json(s.stages)},
            {"kind", to_string(s.kind)},
            {"ownership", to_string(s.ownership)},
            {"location", to_string(s.location)},
            {"boarding", s.boarding},
            {"opened_on", s.opened_on.to_string()}};
  if (s.township) j["township"] = *s.township;
  if (s.split_from) j["split_from"] = *s.split_from;
  json absorbed = json::array();
  for (const auto& a : s.absorbed)
    absorbed.push_back({{"school_id", a.school_id}, {"name", a.name}, {"on", a.on.to_string()}});
  j["absorbed"] = absorbed;
  json clusters = json::object();
  for (const auto& [c, role] : s.clusters) clusters[c] = to_string(role);
  j["clusters"] = clusters;
  if (figures) {
    j["students"] = students_json(*figures);
    j["figures"] = figures_json(*figures);
  }
  return j;
}

json cluster_json(const ClusterRecord& c) {
  json members = json::array();
  for (const auto& [school, role] : c.members)
    members.push_back({{"school_id", school}, {"role", to_string(role)}});
  json j = {{"cluster_id", c.cluster_id},
            {"name", c.name},
            {"kind", to_string(c.kind)},
            {"created_on", c.created_on.to_string()},
            {"members", members}};
  if (c.cycle_years) j["cycle_years"] = *c.cycle_years;
  if (c.dissolved_on) j["dissolved_on"] = c.dissolved_on->to_string();
  return j;
}

json teacher_json(const TeacherRecord& t) {
  json j = {{"employed", t.employed}};
  if (!t.ever_hired) return j;
  j.update({{"school_id", t.school_id},
            {"stage", to_string(t.stage)},
            {"subject", to_string(t.subject)},
            {"qualification", to_string(t.qualification)},
            {"title", to_string(t.title)},
            {"full_time", t.full_time},
            {"hired_on", t.hired_on.to_string()}});
  if (t.post_school) j["post_school_id"] = *t.post_school;
  json honours = json::array();
  for (const auto& [h, level] : t.honours)
    honours.push_back({{"honour", to_string(h)}, {"level", to_string(level)}});
  j["honours"] = honours;
  if (t.returns)
    j["returns"] = {{"on", t.returns->first.to_string()}, {"to_school_id", t.returns->second}};
  if (t.left) j["left"] = {{"reason", to_string(*t.left)}, {"on", t.left_on.to_string()}};
  return j;
}

json event_json(const Event& event, std::optional<Timestamp> retracted_at) {
  json j = event_to_json(event);
  if (retracted_at) j["retracted_at"] = retracted_at->to_string();
  return j;
}

json figure_changes_json(const std::vector<FigureChange>& changes) {
  json out = json::array();
  for (const auto& c : changes) {
    Unit unit = unit_of(c.measure);
    auto v = [&](std::int64_t n) {
      return unit == Unit::count ? json(n) : json(natural(c.measure, n));
    };
    out.push_back({{"section", to_string(c.section)},
                   {"measure", to_string(c.measure)},
                   {"unit", to_string(unit)},
                   {"before", v(c.before)},
                   {"after", v(c.after)},
                   {"change", v(c.after - c.before)}});
  }
  return out;
}

json recorded_json(Timestamp as_of) {
  return as_of == Timestamp::max() ? json() : json(as_of.to_string());
}

json consistent_to_json(const std::vector<views::PartitionOffset>& offsets) {
  json out = json::array();
  for (const auto& p : offsets)
    out.push_back({{"topic", p.topic}, {"partition", p.partition}, {"next_offset", p.next_offset}});
  return out;
}

}  // namespace annals
