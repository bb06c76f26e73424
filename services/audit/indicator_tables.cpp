#include "services/audit/indicator_tables.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <xlsxwriter.h>

#include "events/csv_codec.h"

namespace annals {

using nlohmann::json;

std::string decimal(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

namespace {

json optional_json(const std::optional<double>& v) { return v ? json(*v) : json(); }
json optional_json(const std::optional<bool>& v) { return v ? json(*v) : json(); }

void write_indicator(JsonWriter& out, const IndicatorResult& i) {
  out.begin_object()
      .field("cv", optional_json(i.cv))
      .field("district_value", i.district_value)
      .field("id", i.id)
      .field("max_cv", optional_json(i.max_cv))
      .field("minimum", optional_json(i.minimum))
      .field("name", i.name)
      .field("passes", optional_json(i.passes))
      .field("schools_below_minimum", i.schools_below_minimum)
      .end_object();
}

// `by_id`: the standard's indicators in the order of their ids (a document's keys are sorted).
void write_school(JsonWriter& out, const SchoolIndicators& sc, const Standard& standard,
                  const std::vector<std::size_t>& by_id) {
  out.begin_object();
  if (sc.excluded) {
    out.field("excluded", *sc.excluded);
  } else {
    out.field("complies", optional_json(sc.complies));
    if (!sc.meets_minimum.empty()) {
      out.key("meets_minimum").begin_object();
      for (std::size_t k : by_id)
        if (k < sc.meets_minimum.size())
          out.field(standard.indicators[k].id, bool(sc.meets_minimum[k]));
      out.end_object();
    }
  }
  out.field("name", sc.name).field("school_id", sc.school_id).field("students", sc.students);
  if (!sc.excluded) {
    out.key("values").begin_object();
    for (std::size_t k : by_id)
      if (k < sc.values.size()) out.field(standard.indicators[k].id, sc.values[k]);
    out.end_object();
  }
  out.end_object();
}

// The failing schools of a guarantee: "name value; name value".
std::string failing_text(const GuaranteeResult& g) {
  std::string out;
  for (const auto& f : g.failing)
    out += (out.empty() ? "" : "; ") + f.name + " " + decimal(f.value);
  return out;
}

// "<= 2000 (both stages 2500)" or ">= 0.85".
std::string threshold_text(const GuaranteeDefinition& d) {
  const Comparison c = comparison_of(d.kind);
  std::string out = (c == Comparison::at_most    ? "<= "
                     : c == Comparison::at_least ? ">= "
                                                 : "> ") +
                    decimal(d.threshold);
  if (d.stage) out += " (" + std::string(to_string(*d.stage)) + ")";
  if (d.threshold_both_stages > 0) out += " (both stages " + decimal(d.threshold_both_stages) + ")";
  return out;
}

}  // namespace

void write_stages(JsonWriter& out, const IndicatorReport& report) {
  const Standard& standard = *report.standard;
  std::vector<std::size_t> by_id(standard.indicators.size());
  for (std::size_t k = 0; k < by_id.size(); ++k) by_id[k] = k;
  std::sort(by_id.begin(), by_id.end(), [&](std::size_t a, std::size_t b) {
    return standard.indicators[a].id < standard.indicators[b].id;
  });
  out.begin_array();
  for (const auto& s : report.stages) {
    out.begin_object()
        .field("composite_cv", optional_json(s.composite_cv))
        .field("cv_rule", standard.composite_cv ? "composite_cv" : "each_cv")
        .key("indicators")
        .begin_array();
    for (const auto& i : s.indicators) write_indicator(out, i);
    out.end_array()
        .field("max_cv", s.max_cv)
        .field("passes", optional_json(s.passes))
        .key("schools")
        .begin_array();
    for (const auto& sc : s.schools) write_school(out, sc, standard, by_id);
    out.end_array()
        .field("schools_complying",
               standard.school_min_indicators_met ? json(s.schools_complying) : json())
        .field("schools_counted", s.schools_counted)
        .field("stage", to_string(s.stage))
        .field("students", s.students)
        .end_object();
  }
  out.end_array();
}

void write_guarantees(JsonWriter& out, const IndicatorReport& report) {
  out.begin_array();
  for (const auto& g : report.guarantees) {
    const GuaranteeDefinition& d = *g.definition;
    out.begin_object().key("failing").begin_array();
    for (const auto& f : g.failing)
      out.begin_object()
          .field("name", f.name)
          .field("school_id", f.school_id)
          .field("threshold", f.threshold)
          .field("value", f.value)
          .end_object();
    out.end_array()
        .field("id", d.id)
        .field("kind", to_string(d.kind))
        .field("comparison", to_string(comparison_of(d.kind)))
        .field("met", optional_json(g.met))
        .field("name", d.name)
        .field("reference", d.reference)
        .field("schools_checked", g.schools_checked)
        .field("stage", d.stage ? json(to_string(*d.stage)) : json())
        .field("threshold", d.threshold);
    if (d.threshold_both_stages > 0) out.field("threshold_both_stages", d.threshold_both_stages);
    out.field("unit", to_string(unit_of(d.kind)))
        .field("value", optional_json(g.value))
        .field("year", g.year ? json(*g.year) : json())
        .end_object();
  }
  out.end_array();
}

json standard_json(const IndicatorReport& report) {
  const Standard& standard = *report.standard;
  return {{"id", standard.id},
          {"title", standard.title},
          {"reference", standard.reference},
          {"effective_from", standard.effective_from.to_string()},
          {"why", report.why_this_standard}};
}

json complies_json(const IndicatorReport& report) { return optional_json(report.complies); }

json report_json(const IndicatorReport& report) {
  JsonWriter stages;
  write_stages(stages, report);
  JsonWriter guarantees;
  write_guarantees(guarantees, report);
  return {{"standard", standard_json(report)},
          {"complies", complies_json(report)},
          {"stages", json::parse(stages.take())},
          {"guarantees", json::parse(guarantees.take())}};
}

std::string report_csv(const IndicatorReport& report, const std::string& district_name, Date at) {
  const Standard& standard = *report.standard;
  std::string out;
  auto row = [&](std::initializer_list<std::string> cells) {
    bool first = true;
    for (const auto& c : cells) {
      if (!first) out += ',';
      out += csv_cell(c);
      first = false;
    }
    out += "\r\n";
  };
  auto verdict = [](const std::optional<bool>& b) {
    return b ? (*b ? "达标 pass" : "未达标 fail") : "";
  };
  row({district_name + " 义务教育校际均衡差异系数 " + at.to_string(),
       standard.reference + " " + standard.title});
  for (const auto& s : report.stages) {
    row({});
    row({std::string(s.stage == Stage::primary ? "小学 primary" : "初中 junior"),
         "学校数 schools " + std::to_string(s.schools_counted),
         "学生数 students " + std::to_string(s.students)});
    row({"指标 indicator", "区县均值 district mean", "差异系数 CV", "标准 max CV", "达标 verdict",
         "最低值 school minimum", "未达最低值学校数 schools below minimum"});
    for (const auto& i : s.indicators)
      row({i.name, decimal(i.district_value), i.cv ? decimal(*i.cv) : "",
           i.max_cv ? decimal(*i.max_cv) : "", verdict(i.passes),
           i.minimum ? decimal(*i.minimum) : "",
           i.minimum ? std::to_string(i.schools_below_minimum) : ""});
    row({"综合差异系数 composite CV", "", s.composite_cv ? decimal(*s.composite_cv) : "",
         standard.composite_cv ? decimal(s.max_cv) : "",
         standard.composite_cv ? verdict(s.passes) : "", "", ""});
    // The schools' values under the block.
    std::string header = "学校 school,学生数 students";
    for (const auto& d : standard.indicators) header += "," + csv_cell(d.name);
    header += ",达标 complies\r\n";
    out += header;
    for (const auto& sc : s.schools) {
      out += csv_cell(sc.name) + "," + std::to_string(sc.students);
      for (std::size_t k = 0; k < standard.indicators.size(); ++k)
        out += "," + (sc.excluded ? std::string() : decimal(sc.values[k]));
      out +=
          "," + csv_cell(sc.excluded ? "excluded: " + *sc.excluded : verdict(sc.complies)) + "\r\n";
    }
  }
  if (!report.guarantees.empty()) {
    row({});
    row({"保障指标 guarantee", "区县值 district value", "标准 threshold", "达标 verdict",
         "未达标学校 schools failing"});
    for (const auto& g : report.guarantees)
      row({g.definition->name, g.value ? decimal(*g.value) : "", threshold_text(*g.definition),
           verdict(g.met), failing_text(g)});
  }
  row({});
  row({"结论 verdict", verdict(report.complies)});
  return out;
}

namespace {

// One worksheet of the workbook, written row by row, with the formats the table uses.
struct Sheet {
  Sheet(lxw_workbook* book, const char* name) : sheet(workbook_add_worksheet(book, name)) {
    auto add = [&] { return workbook_add_format(book); };
    bold = add(), pass = add(), fail = add(), number = add(), cv = add();
    format_set_bold(bold);
    format_set_bg_color(pass, 0xC6EFCE);
    format_set_bg_color(fail, 0xFFC7CE);
    format_set_num_format(number, "0.00");
    format_set_num_format(cv, "0.0000");
    worksheet_set_column(sheet, 0, 0, 46, nullptr);
    worksheet_set_column(sheet, 1, 12, 14, nullptr);
  }
  void text(lxw_col_t col, const std::string& v, lxw_format* f = nullptr) {
    worksheet_write_string(sheet, row, col, v.c_str(), f);
  }
  void value(lxw_col_t col, double v, lxw_format* f) {
    worksheet_write_number(sheet, row, col, v, f);
  }
  void verdict(lxw_col_t col, const std::optional<bool>& b) {
    if (b) text(col, *b ? "达标 pass" : "未达标 fail", *b ? pass : fail);
  }
  lxw_worksheet* sheet;
  lxw_format *bold, *pass, *fail, *number, *cv;
  lxw_row_t row = 0;
};

// A stage's indicators: the heading, one row per indicator, the composite CV.
void write_stage_indicators(Sheet& x, const Standard& standard, const StageIndicators& s) {
  x.text(0, s.stage == Stage::primary ? "小学 primary" : "初中 junior", x.bold);
  x.text(1, "学校数 schools " + std::to_string(s.schools_counted));
  x.text(2, "学生数 students " + std::to_string(s.students));
  ++x.row;
  const char* head[] = {"指标 indicator",
                        "区县均值 district mean",
                        "差异系数 CV",
                        "标准 max CV",
                        "达标 verdict",
                        "最低值 school minimum",
                        "未达最低值学校数 below minimum"};
  for (lxw_col_t c = 0; c < 7; ++c) x.text(c, head[c], x.bold);
  ++x.row;
  for (const auto& i : s.indicators) {
    x.text(0, i.name);
    x.value(1, i.district_value, x.number);
    if (i.cv) x.value(2, *i.cv, x.cv);
    if (i.max_cv) x.value(3, *i.max_cv, x.number);
    x.verdict(4, i.passes);
    if (i.minimum)
      x.value(5, *i.minimum, x.number), x.value(6, double(i.schools_below_minimum), nullptr);
    ++x.row;
  }
  x.text(0, "综合差异系数 composite CV", x.bold);
  if (s.composite_cv) x.value(2, *s.composite_cv, x.cv);
  if (standard.composite_cv) x.value(3, s.max_cv, x.number), x.verdict(4, s.passes);
  x.row += 2;
}

// A stage's schools: one row each, values below their minimum marked.
void write_stage_schools(Sheet& x, const Standard& standard, const StageIndicators& s) {
  x.text(0, "学校 school", x.bold);
  x.text(1, "学生数 students", x.bold);
  for (std::size_t k = 0; k < standard.indicators.size(); ++k)
    x.text(lxw_col_t(2 + k), standard.indicators[k].name, x.bold);
  x.text(lxw_col_t(2 + standard.indicators.size()), "达标 complies", x.bold);
  ++x.row;
  for (const auto& sc : s.schools) {
    x.text(0, sc.name);
    x.value(1, double(sc.students), nullptr);
    for (std::size_t k = 0; !sc.excluded && k < standard.indicators.size(); ++k)
      x.value(lxw_col_t(2 + k), sc.values[k],
              k < sc.meets_minimum.size() && !sc.meets_minimum[k] ? x.fail : x.number);
    if (sc.excluded) x.text(lxw_col_t(2 + standard.indicators.size()), "excluded: " + *sc.excluded);
    else x.verdict(lxw_col_t(2 + standard.indicators.size()), sc.complies);
    ++x.row;
  }
  x.row += 2;
}

// The guarantees: one row each, the failing schools named.
void write_guarantee_rows(Sheet& x, const IndicatorReport& report) {
  if (report.guarantees.empty()) return;
  const char* head[] = {"保障指标 guarantee", "区县值 district value", "标准 threshold",
                        "达标 verdict", "未达标学校 schools failing"};
  for (lxw_col_t c = 0; c < 5; ++c) x.text(c, head[c], x.bold);
  ++x.row;
  for (const auto& g : report.guarantees) {
    x.text(0, g.definition->name);
    // A share to four places (0.0497 is not 0.05), like the CV.
    if (g.value)
      x.value(1, *g.value, unit_of(g.definition->kind) == GuaranteeUnit::share ? x.cv : x.number);
    x.text(2, threshold_text(*g.definition));
    x.verdict(3, g.met);
    x.text(4, failing_text(g));
    ++x.row;
  }
  x.row += 2;
}

}  // namespace

std::string report_xlsx(const IndicatorReport& report, const std::string& district_name, Date at) {
  // libxlsxwriter writes files; write one in the temporary directory and read it back.
  static std::atomic<unsigned> counter{0};
  auto path = std::filesystem::temp_directory_path() /
              ("annals-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".xlsx");
  lxw_workbook* book = workbook_new(path.c_str());
  if (!book) throw std::runtime_error("cannot create " + path.string());
  const Standard& standard = *report.standard;
  Sheet x(book, "差异系数");
  x.text(0, district_name + " 义务教育校际均衡差异系数 " + at.to_string(), x.bold);
  x.text(1, standard.reference + " " + standard.title);
  x.row += 2;
  for (const auto& s : report.stages) {
    write_stage_indicators(x, standard, s);
    write_stage_schools(x, standard, s);
  }
  write_guarantee_rows(x, report);
  x.text(0, "结论 verdict", x.bold);
  x.verdict(1, report.complies);
  lxw_error e = workbook_close(book);
  std::string bytes;
  if (e == LXW_NO_ERROR) {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::filesystem::remove(path);
  if (e != LXW_NO_ERROR)
    throw std::runtime_error(std::string("writing the workbook: ") + lxw_strerror(e));
  return bytes;
}

}  // namespace annals
