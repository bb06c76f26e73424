// The audit API's JSON for the record's parts (render.h).
#include "services/audit/render.h"

#include <algorithm>
#include <array>
#include <string>

#include "events/json_codec.h"

namespace annals {

using nlohmann::json;

namespace {

constexpr int kMeasures = int(kLastMeasure) + 1;
constexpr int kSections = int(Section::whole) + 1;

// The names of a section's figures as write_figures writes them, and the measures in the
// order of those names (a document's keys are sorted).
struct FigureNames {
  std::string name[kMeasures];
  int sorted[kMeasures];
  FigureNames() {
    for (int m = 0; m < kMeasures; ++m) {
      name[m] = std::string(to_string(Measure(m)));
      if (unit_of(Measure(m)) != Unit::count)
        name[m] += "_" + std::string(to_string(unit_of(Measure(m))));
      sorted[m] = m;
    }
    std::sort(sorted, sorted + kMeasures, [&](int a, int b) { return name[a] < name[b]; });
  }
};
const FigureNames& figure_names() {
  static const FigureNames names;
  return names;
}

// The sections in the order of their names (junior, primary, whole).
constexpr Section kSectionsByName[] = {Section::junior, Section::primary, Section::whole};
static_assert(std::size(kSectionsByName) == std::size_t(kSections));

// {"by_grade", "by_stage", "total"}: the students among `figures`.
void write_students(JsonWriter& out, const Figures& figures) {
  std::int64_t by_grade[256] = {}, by_section[kSections] = {}, students = 0;
  bool grade_seen[256] = {}, section_seen[kSections] = {};
  for (const auto& [series, n] : figures) {
    if (series.measure != Measure::students) continue;
    by_grade[series.grade] += n;
    grade_seen[series.grade] = true;
    by_section[int(series.section)] += n;
    section_seen[int(series.section)] = true;
    students += n;
  }
  static const auto grades_by_name = [] {  // 1, 10, 11, ..., 2, ...: as the keys sort
    std::array<int, 256> g;
    for (int i = 0; i < 256; ++i) g[i] = i;
    std::sort(g.begin(), g.end(),
              [](int a, int b) { return std::to_string(a) < std::to_string(b); });
    return g;
  }();
  out.key("students").begin_object().key("by_grade").begin_object();
  for (int g : grades_by_name)
    if (grade_seen[g]) out.field(std::to_string(g), by_grade[g]);
  out.end_object().key("by_stage").begin_object();
  for (Section section : kSectionsByName)
    if (section_seen[int(section)]) out.field(to_string(section), by_section[int(section)]);
  out.end_object().field("total", students).end_object();
}

}  // namespace

void write_figures(JsonWriter& out, const Figures& f) {
  std::int64_t totals[kSections][kMeasures] = {};
  for (const auto& [series, n] : f) {
    if (by_year(series.measure)) continue;  // the rotation base: the guarantees read it
    std::int64_t& t = totals[int(series.section)][int(series.measure)];
    t = accumulate(series.measure, t, n);
  }
  const FigureNames& names = figure_names();
  out.begin_object();
  for (Section section : kSectionsByName) {
    const std::int64_t* of = totals[int(section)];
    if (std::all_of(of, of + kMeasures, [](std::int64_t n) { return n == 0; })) continue;
    out.key(to_string(section)).begin_object();
    for (int m : names.sorted) {
      if (!of[m]) continue;
      out.key(names.name[m]);
      if (unit_of(Measure(m)) == Unit::count) out.value(of[m]);
      else out.value(natural(Measure(m), of[m]));
    }
    out.end_object();
  }
  out.end_object();
}

json figures_json(const Figures& f) {
  JsonWriter out;
  write_figures(out, f);
  return json::parse(out.take());
}

void write_school(JsonWriter& out, const SchoolRecord& s, const Figures* figures) {
  out.begin_object().key("absorbed").begin_array();
  for (const auto& a : s.absorbed)
    out.begin_object()
        .field("name", a.name)
        .field("on", a.on.to_string())
        .field("school_id", a.school_id)
        .end_object();
  out.end_array().field("boarding", s.boarding).key("clusters").begin_object();
  for (const auto& [c, role] : s.clusters) out.field(c, to_string(role));
  out.end_object();
  if (figures) write_figures(out.key("figures"), *figures);
  out.field("kind", to_string(s.kind))
      .field("location", to_string(s.location))
      .field("name", s.name)
      .field("opened_on", s.opened_on.to_string())
      .field("ownership", to_string(s.ownership))
      .field("school_id", s.school_id);
  if (s.split_from) out.field("split_from", *s.split_from);
  out.key("stages").begin_array();
  for (Stage stage : s.stages) out.value(to_string(stage));
  out.end_array();
  if (figures) write_students(out, *figures);
  if (s.township) out.field("township", *s.township);
  out.end_object();
}

json school_json(const SchoolRecord& s, const Figures* figures) {
  JsonWriter out;
  write_school(out, s, figures);
  return json::parse(out.take());
}

void write_cluster(JsonWriter& out, const ClusterRecord& c) {
  out.begin_object()
      .field("cluster_id", c.cluster_id)
      .field("created_on", c.created_on.to_string());
  if (c.cycle_years) out.field("cycle_years", *c.cycle_years);
  if (c.dissolved_on) out.field("dissolved_on", c.dissolved_on->to_string());
  out.field("kind", to_string(c.kind)).key("members").begin_array();
  for (const auto& [school, role] : c.members)
    out.begin_object().field("role", to_string(role)).field("school_id", school).end_object();
  out.end_array().field("name", c.name).end_object();
}

json cluster_json(const ClusterRecord& c) {
  JsonWriter out;
  write_cluster(out, c);
  return json::parse(out.take());
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

void write_figure_changes(JsonWriter& out, const std::vector<FigureChange>& changes) {
  out.begin_array();
  for (const auto& c : changes) {
    Unit unit = unit_of(c.measure);
    auto v = [&](const char* name, std::int64_t n) {
      if (unit == Unit::count) out.field(name, n);
      else out.field(name, natural(c.measure, n));
    };
    out.begin_object();
    v("after", c.after);
    v("before", c.before);
    v("change", c.after - c.before);
    out.field("measure", to_string(c.measure))
        .field("section", to_string(c.section))
        .field("unit", to_string(unit))
        .end_object();
  }
  out.end_array();
}

json figure_changes_json(const std::vector<FigureChange>& changes) {
  JsonWriter out;
  write_figure_changes(out, changes);
  return json::parse(out.take());
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
