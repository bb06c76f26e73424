// 东城区's demo (services/gen/dongcheng_demo.h): deterministic, the narrative kept line for
// line, every event passing the publishing services' rules in the order `annals import` sends
// the file (as tests/gen/synthetic_city_rules_test.cpp checks the synthetic city), and the
// district a supervisor recognises on the dates the README and deploy/local/up ask about:
// schools of hundreds to two thousand pupils, 13 to 17 pupils to a full-time teacher, 6 to 12 m²
// of floor area and 3,000 to 8,000 yuan of equipment a pupil, migrant pupils and mainstreamed
// disabled pupils, training funds of 5-8% of operating funds (one school below 5%); classes,
// the census of disabled children and senior-high quotas for the guarantees.
#include "services/gen/dongcheng_demo.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "events/identifier.h"
#include "events/json_codec.h"
#include "services/audit/guarantees.h"
#include "services/history/district_state.h"
#include "services/projector/projection.h"
#include "services/publisher/rules.h"
#include "support/import_route.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

const std::string kNarrative =
    std::string(ANNALS_SOURCE_DIR) + "/deploy/local/demo/dongcheng-narrative.ndjson";

using testing::service_of;

// The demo generated once, checked against the rules as an import sends it, and projected.
class DongchengDemo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    narrative_ = new std::vector<std::string>(read_lines(kNarrative));
    lines_ = new std::vector<std::string>(dongcheng_demo(*narrative_));
    dir_ = new testing::TempDir();
    store_ = views::ViewStore::open_primary(*dir_ / "views").release();
    refusals_ = new std::vector<std::string>();
    std::vector<Event> events;
    for (const auto& line : *lines_) {
      Decoded d = decode_event(line, Origin::submission);
      if (!d.event) {
        refusals_->push_back("invalid: " + line.substr(0, 200));
        continue;
      }
      events.push_back(std::move(*d.event));
    }
    TopicNames topics{"annals."};
    Projection projection(*store_, topics);
    std::map<std::string, std::int64_t> next_offset;
    const Timestamp kImportedAt = *Timestamp::parse("2026-12-01T09:00:00Z");
    std::size_t stamped = 0;
    constexpr std::size_t kBatch = 1000;  // annals import's default --batch, as deploy/local/up
    for (std::size_t at = 0; at < events.size(); at += kBatch) {
      auto end = events.begin() + std::ptrdiff_t(std::min(at + kBatch, events.size()));
      std::stable_sort(
          events.begin() + std::ptrdiff_t(at), end,
          [](const Event& a, const Event& b) { return service_of(a) < service_of(b); });
      for (auto e = events.begin() + std::ptrdiff_t(at); e != end; ++e) {
        System service = service_of(*e);
        auto violations = check_rules(*e, service, *store_);
        if (!violations.empty()) {
          if (refusals_->size() < 20)
            refusals_->push_back(std::string(type_name(e->data)) + " " + e->envelope.id + " on " +
                                 e->envelope.effective_date.to_string() + ": " +
                                 violations[0].code + " " + violations[0].message);
          continue;
        }
        // Stamped as the service stamps what it accepts: in the order it accepted it.
        e->envelope.recorded_at = Timestamp{kImportedAt.micros + std::int64_t(stamped++)};
        std::string topic = topics.of(service);
        views::Batch batch(*store_);
        projection.stage({{topic, 0, next_offset[topic]++, e->envelope.district, encode_event(*e)}},
                         batch);
        store_->write(batch);
      }
    }
  }
  static void TearDownTestSuite() {
    delete store_;
    delete dir_;
    delete lines_;
    delete narrative_;
    delete refusals_;
  }

  static DistrictState on(const char* date) {
    return district_state(*store_, "dongcheng", *Date::parse(date), Timestamp::max());
  }
  static bool regular(const DistrictState& st, const std::string& id) {
    return st.registry.schools.at(id).kind == SchoolKind::regular;
  }
  static bool both_stages(const DistrictState& st, const std::string& id) {
    return st.registry.schools.at(id).stages.size() == 2;
  }

  static std::vector<std::string>* narrative_;
  static std::vector<std::string>* lines_;
  static std::vector<std::string>* refusals_;
  static testing::TempDir* dir_;
  static views::ViewStore* store_;
};
std::vector<std::string>* DongchengDemo::narrative_ = nullptr;
std::vector<std::string>* DongchengDemo::lines_ = nullptr;
std::vector<std::string>* DongchengDemo::refusals_ = nullptr;
testing::TempDir* DongchengDemo::dir_ = nullptr;
views::ViewStore* DongchengDemo::store_ = nullptr;

// The dates the README and deploy/local/up show 东城区 on (the roster either side of the 2014
// merger, the questions' 2019-09-01), and the autumns between.
const char* const kDates[] = {"2012-10-01", "2013-10-01", "2014-08-31", "2014-09-01",
                              "2016-09-01", "2017-10-01", "2019-09-01"};

TEST_F(DongchengDemo, IsTheSameEveryTimeAndKeepsTheNarrativeLineForLine) {
  EXPECT_EQ(dongcheng_demo(*narrative_), *lines_);
  ASSERT_GE(narrative_->size(), 69u);
  ASSERT_GT(lines_->size(), narrative_->size());
  EXPECT_TRUE(std::equal(narrative_->begin(), narrative_->end(), lines_->begin()));
  std::set<std::string> ids;
  for (const auto& line : *lines_) {
    Decoded d = decode_event(line, Origin::submission);
    ASSERT_TRUE(d.event) << line;
    EXPECT_TRUE(is_uuid(d.event->envelope.id));
    EXPECT_TRUE(ids.insert(d.event->envelope.id).second) << "id used twice: " << line;
    EXPECT_EQ(d.event->envelope.district, "dongcheng");
  }
}

TEST_F(DongchengDemo, EveryEventPassesThePublishingRulesInTheOrderAnImportSendsIt) {
  std::ostringstream why;
  for (const auto& r : *refusals_) why << r << "\n";
  EXPECT_TRUE(refusals_->empty()) << why.str();
}

TEST_F(DongchengDemo, SchoolsAreOfAPlausibleSizeAndStaffing) {
  for (const char* date : kDates) {
    DistrictState st = on(date);
    std::int64_t pupils = 0, teachers = 0, floor = 0, equipment = 0, migrant = 0, disabled = 0;
    int schools = 0;
    for (const auto& [id, f] : st.figures) {
      if (!regular(st, id)) continue;
      ++schools;
      std::int64_t p = total_of(f, Measure::students), t = total_of(f, Measure::teachers);
      std::int64_t area = total_of(f, Measure::floor_area);        // centi-m²
      std::int64_t value = total_of(f, Measure::equipment_value);  // fen
      SCOPED_TRACE(std::string(date) + " " + id);
      EXPECT_GE(p, 350);
      EXPECT_LE(p, both_stages(st, id) ? 2500 : 2000);
      ASSERT_GT(t, 0);
      EXPECT_GE(double(p) / double(t), 11.5);
      EXPECT_LE(double(p) / double(t), 18.0);
      EXPECT_GE(area / 100.0 / double(p), 5.0);
      EXPECT_LE(area / 100.0 / double(p), 13.0);
      EXPECT_GE(value / 100.0 / double(p), 2500);
      EXPECT_LE(value / 100.0 / double(p), 9000);
      for (Section s : {Section::primary, Section::junior}) {
        std::int64_t sp = total(f, s, Measure::students);
        if (sp == 0) continue;
        EXPECT_GT(total(f, s, Measure::teachers), 0) << to_string(s);
        EXPECT_GT(total(f, s, Measure::floor_area) + total(f, Section::whole, Measure::floor_area),
                  0)
            << to_string(s);
      }
      pupils += p, teachers += t, floor += area, equipment += value;
      migrant += total_of(f, Measure::migrant_students);
      disabled += total_of(f, Measure::disabled_students);
    }
    SCOPED_TRACE(date);
    EXPECT_GE(schools, 10);
    EXPECT_GE(pupils, 9000);
    EXPECT_LE(pupils, 15000);
    EXPECT_GE(double(pupils) / double(teachers), 13.0);
    EXPECT_LE(double(pupils) / double(teachers), 17.0);
    EXPECT_GE(floor / 100.0 / double(pupils), 6.0);
    EXPECT_LE(floor / 100.0 / double(pupils), 12.0);
    EXPECT_GE(equipment / 100.0 / double(pupils), 3000);
    EXPECT_LE(equipment / 100.0 / double(pupils), 8000);
    EXPECT_GE(double(migrant) / double(pupils), 0.10);
    EXPECT_LE(double(migrant) / double(pupils), 0.30);
    EXPECT_GT(disabled, 20);  // mainstreamed (随班就读)
  }
}

TEST_F(DongchengDemo, TheNarrativesChangesShowInTheFigures) {
  DistrictState before = on("2014-08-31"), after = on("2014-09-01");
  ASSERT_TRUE(before.figures.count("dc-xizongbu"));
  EXPECT_FALSE(after.figures.count("dc-xizongbu"));
  // 西总布's pupils are 史家's from the merger on (the promotions of that day aside).
  std::int64_t shijia = total_of(before.figures.at("dc-shijia"), Measure::students);
  std::int64_t xizongbu = total_of(before.figures.at("dc-xizongbu"), Measure::students);
  EXPECT_GT(total_of(after.figures.at("dc-shijia"), Measure::students), shijia + xizongbu / 2);
  // 府学 teaches a junior section from 2015; 东四七条 is gone in 2016, 和平里九小's north campus
  // has pupils and teachers from 2017.
  EXPECT_GT(total(on("2016-09-01").figures.at("dc-fuxue"), Section::junior, Measure::students),
            150);
  EXPECT_FALSE(on("2016-09-01").figures.count("dc-dongsi7"));
  auto north = on("2017-10-01").figures.at("dc-hepingli9-north");
  EXPECT_GT(total_of(north, Measure::students), 300);
  EXPECT_GT(total_of(north, Measure::teachers), 20);
}

TEST_F(DongchengDemo, FundsFollowThePupilsAndOneSchoolFallsShortOnTraining) {
  DistrictState st = on("2019-09-01");
  std::vector<std::string> short_of_training;
  for (const auto& [id, f] : st.figures) {
    std::int64_t operating = total_of(f, Measure::operating_funds);
    std::int64_t training = total_of(f, Measure::training_funds);
    std::int64_t pupils = total_of(f, Measure::students);
    SCOPED_TRACE(id);
    ASSERT_GT(operating, 0);
    double per_pupil = operating / 100.0 / double(pupils);
    if (regular(st, id)) {
      EXPECT_GE(per_pupil, 2000);
      EXPECT_LE(per_pupil, 5000);
    } else {
      EXPECT_GE(per_pupil, 6000);  // the 2017 method's minimum for special-education schools
    }
    double share = double(training) / double(operating);
    EXPECT_LE(share, 0.08);
    if (share < 0.05) short_of_training.push_back(id);
  }
  EXPECT_EQ(short_of_training, std::vector<std::string>{"dc-hepingli4"});
}

// The district's classes, census and quotas give the 2017 method's guarantees something to
// judge on the README's date, at a real district's levels.
TEST_F(DongchengDemo, TheGuaranteesHaveSomethingToJudge) {
  Standards standards = Standards::built_in();
  const Standard& s2017 = *standards.find("quality-balance-2017");
  DistrictState st = on("2019-09-01"), before = on("2018-09-01");
  std::map<std::string, GuaranteeResult> by_id;
  for (auto& g : compute_guarantees(st, s2017, &before)) by_id[g.definition->id] = g;
  for (const char* id :
       {"class_size_primary", "class_size_junior", "disabled_enrolment_share",
        "senior_high_quota_share", "nearby_admission_primary", "nearby_admission_junior",
        "appropriation_growth", "rotation_share", "backbone_rotation_share"}) {
    SCOPED_TRACE(id);
    ASSERT_TRUE(by_id.at(id).value.has_value());
  }
  EXPECT_LE(*by_id["class_size_primary"].value, 45);
  EXPECT_GE(*by_id["class_size_primary"].value, 30);
  EXPECT_LE(*by_id["class_size_junior"].value, 50);
  EXPECT_EQ(by_id["disabled_enrolment_share"].met, true);
  EXPECT_GE(*by_id["senior_high_quota_share"].value, 0.5);
  EXPECT_EQ(*by_id["nearby_admission_primary"].value, 1.0);
  EXPECT_GE(*by_id["nearby_admission_junior"].value, 0.8);
  // The teachers still rotate after the pupils' last school year: of 2018-19's eligible.
  EXPECT_EQ(by_id["rotation_share"].met, true);
  EXPECT_LE(*by_id["rotation_share"].value, 0.2);
  EXPECT_EQ(by_id["backbone_rotation_share"].met, true);
}

}  // namespace
}  // namespace annals
