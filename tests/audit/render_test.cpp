// The JSON of the record's parts, as every route writes them.
#include "services/audit/render.h"

#include <gtest/gtest.h>

#include "events/json_codec.h"
#include "routes/audit_city.h"

namespace annals {
namespace {

using nlohmann::json;

// event_json replaced json::parse(encode_event(e)) in the routes: the same document.
TEST(Render, AnEventAsTheCodecPublishesIt) {
  for (const Event& e : testing::dongcheng()) {
    json j = event_json(e);
    EXPECT_EQ(j, json::parse(encode_event(e))) << encode_event(e);
    EXPECT_EQ(j.dump(), json::parse(encode_event(e)).dump());
    EXPECT_FALSE(j.contains("retracted_at"));
  }
  Event e = testing::dongcheng()[7];  // the census: areas with decimals
  std::get<SchoolFacilitiesSurveyed>(e.data).floor_area_m2 = Area{1234'56};
  EXPECT_EQ(event_json(e).dump(), json::parse(encode_event(e)).dump());
  EXPECT_EQ(event_json(e)["data"]["floor_area_m2"], 1234.56);
  EXPECT_EQ(event_json(e, testing::at("2020-02-01T00:00:00Z"))["retracted_at"],
            "2020-02-01T00:00:00.000000Z");
}

TEST(Render, FiguresInNaturalUnitsBySection) {
  Figures f;
  f[{Section::primary, Measure::students, 1}] = 30;
  f[{Section::primary, Measure::students, 2}] = 12;
  f[{Section::junior, Measure::teachers, 0}] = 3;
  f[{Section::whole, Measure::floor_area, 0}] = 1234'56;      // centi-m²
  f[{Section::whole, Measure::equipment_value, 0}] = 100'00;  // fen
  f[{Section::whole, Measure::books, 0}] = 0;                 // zero: left out
  EXPECT_EQ(figures_json(f),
            json({{"primary", {{"students", 42}}},
                  {"junior", {{"teachers", 3}}},
                  {"whole", {{"floor_area_m2", 1234.56}, {"equipment_value_yuan", 100.0}}}}));
  EXPECT_EQ(figures_json({}), json::object());
}

TEST(Render, ASchoolWithAndWithoutFigures) {
  SchoolRecord s;
  s.school_id = "a";
  s.name = "甲";
  s.stages = {Stage::primary, Stage::junior};
  s.opened_on = testing::day("2000-09-01");
  s.township = "东华门";
  s.clusters["xq"] = MemberRole::host;
  json bare = school_json(s, nullptr);
  EXPECT_EQ(bare["stages"], json({"primary", "junior"}));
  EXPECT_EQ(bare["township"], "东华门");
  EXPECT_FALSE(bare.contains("split_from"));
  EXPECT_EQ(bare["clusters"], json({{"xq", "host"}}));
  EXPECT_FALSE(bare.contains("students"));
  Figures f;
  f[{Section::primary, Measure::students, 1}] = 30;
  f[{Section::junior, Measure::students, 7}] = 20;
  json full = school_json(s, &f);
  EXPECT_EQ(full["students"], json({{"total", 50},
                                    {"by_stage", {{"primary", 30}, {"junior", 20}}},
                                    {"by_grade", {{"1", 30}, {"7", 20}}}}));
  EXPECT_EQ(full["figures"], figures_json(f));
}

TEST(Render, FigureChangesRecordedTimeAndOffsets) {
  json changes = figure_changes_json({{Section::whole, Measure::sports_area, 100'00, 150'50},
                                      {Section::primary, Measure::students, 10, 7}});
  EXPECT_EQ(changes, json({{{"section", "whole"},
                            {"measure", "sports_area"},
                            {"unit", "m2"},
                            {"before", 100.0},
                            {"after", 150.5},
                            {"change", 50.5}},
                           {{"section", "primary"},
                            {"measure", "students"},
                            {"unit", "count"},
                            {"before", 10},
                            {"after", 7},
                            {"change", -3}}}));
  EXPECT_TRUE(recorded_json(Timestamp::max()).is_null());
  EXPECT_EQ(recorded_json(Timestamp{0}), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(consistent_to_json({{"a.registry", 2, 40}}),
            json({{{"topic", "a.registry"}, {"partition", 2}, {"next_offset", 40}}}));
}

}  // namespace
}  // namespace annals
