// Figures: the students and teachers of a school on any date, from the step functions the
// projector keeps, equal a count made the slow way (every student's and teacher's timeline
// folded to that date), whatever order the records arrived in, with late records,
// rotations and retractions among them; and the as-recorded fold agrees with both. The rotation
// base (the posts each school holds, by the school year they came, and the rotations their
// teachers began) too.
#include <algorithm>
#include <random>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "services/history/figures.h"
#include "services/history/people.h"
#include "services/projector/projection.h"
#include "services/views/checksum.h"
#include "support/event_builders.h"
#include "support/project_in_property.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

std::vector<Event> random_people(std::mt19937_64& rng, int students, int teachers) {
  std::vector<Event> out;
  int n = 0;
  auto add = [&](const std::string& district, Date on, Payload p) {
    Event e;
    e.envelope.id = uuid_from_name("hc", std::to_string(rng()));
    e.envelope.district = district;
    e.envelope.effective_date = on;
    e.envelope.recorded_at =
        Timestamp{1'600'000'000'000'000 + std::int64_t(rng() % 1000) * 1'000'000};
    e.envelope.source = "prop";
    e.data = std::move(p);
    out.push_back(std::move(e));
    ++n;
  };
  const char* schools[] = {"a", "b", "c"};
  for (int s = 0; s < students; ++s) {
    std::string id = "p" + std::to_string(s);
    Date on = Date::from_ymd(2010 + int(rng() % 6), 9, 1);
    std::int64_t grade = 1 + std::int64_t(rng() % 9);
    add("d", on,
        StudentEnrolled{id, schools[rng() % 3], grade >= 7 ? Stage::junior : Stage::primary, grade,
                        AdmissionMode::nearby, false, Disability::none, false, 0});
    for (int k = 0, changes = int(rng() % 5); k < changes; ++k) {
      on = Date{on.days + 30 + std::int32_t(rng() % 400)};
      switch (rng() % 4) {
        case 0: add("d", on, StudentPromoted{id, std::min<std::int64_t>(9, ++grade)}); break;
        case 1:
          add("d", on, StudentTransferred{id, schools[rng() % 3], schools[rng() % 3], {}});
          break;
        case 2: add("d", on, StudentGraduated{id}); break;
        default: add("d", on, StudentWithdrew{id, WithdrawReason::moved_out_of_city}); break;
      }
    }
  }
  for (int t = 0; t < teachers; ++t) {
    std::string id = "t" + std::to_string(t);
    Date on = Date::from_ymd(2010 + int(rng() % 6), 9, 1);
    Stage stage = rng() % 2 ? Stage::junior : Stage::primary;
    add("d", on,
        TeacherHired{id, schools[rng() % 3], stage, Subject(rng() % 15), Qualification(rng() % 5),
                     Title(rng() % 4), rng() % 5 != 0, rng() % 2 == 0});
    for (int k = 0, changes = int(rng() % 5); k < changes; ++k) {
      on = Date{on.days + 30 + std::int32_t(rng() % 400)};
      switch (rng() % 5) {
        case 0: {
          TransferKind kind = TransferKind(rng() % 3);
          std::optional<Date> end;
          if (kind != TransferKind::permanent)
            end = Date{on.days + 100 + std::int32_t(rng() % 700)};
          add("d", on,
              TeacherTransferred{id, schools[rng() % 3], schools[rng() % 3], std::nullopt, kind,
                                 end, rng() % 2 == 0});
          break;
        }
        case 1: add("d", on, TeacherQualificationChanged{id, Qualification(rng() % 5)}); break;
        case 2:
          add("d", on, TeacherHonourAwarded{{id, Honour(rng() % 3), HonourLevel(rng() % 5)}});
          break;
        case 3: add("d", on, TeacherTitleChanged{id, Title(rng() % 4)}); break;
        default: add("d", on, TeacherLeft{id, LeaveReason::retired}); break;
      }
    }
  }
  // Retract a few records, later than everything else was recorded.
  for (int k = 0; k < 3 && !out.empty(); ++k) {
    const Event& target = out[rng() % out.size()];
    if (std::holds_alternative<RecordRetracted>(target.data)) continue;
    Event r = target;
    r.envelope.id = uuid_from_name("hc-retract", std::to_string(rng()));
    r.envelope.recorded_at = Timestamp{1'700'000'000'000'000 + std::int64_t(k)};
    r.data = RecordRetracted{target.envelope.id, "wrong"};
    out.push_back(r);
  }
  return out;
}

void project(views::ViewStore& store, const std::vector<ConsumedRecord>& records) {
  testing::project_in_property(store, records, "h.");
}

RC_GTEST_PROP(Figures, EqualFoldingEveryPersonInAnyArrivalOrder, (std::uint64_t seed)) {
  std::mt19937_64 rng(seed);
  std::vector<Event> events = random_people(rng, 12, 8);
  std::vector<ConsumedRecord> records;
  for (std::size_t i = 0; i < events.size(); ++i) {
    // Retractions go on the topic of the record they retract.
    const Event* subject = &events[i];
    if (const auto* r = std::get_if<RecordRetracted>(&events[i].data))
      for (const auto& e : events)
        if (e.envelope.id == r->event_id) subject = &e;
    const char* topic =
        system_of(subject->data) == System::personnel ? "h.personnel" : "h.enrollment";
    records.push_back({topic, 0, std::int64_t(i), "d", encode_event(events[i])});
  }

  testing::TempDir dir;
  auto ordered = views::ViewStore::open_primary(dir / "a");
  auto mixed = views::ViewStore::open_primary(dir / "b");
  project(*ordered, records);
  std::shuffle(records.begin(), records.end(), rng);
  for (std::size_t start = 0; start < records.size(); start += 5)
    project(*mixed,
            std::vector<ConsumedRecord>(records.begin() + start,
                                        records.begin() + std::min(records.size(), start + 5)));
  RC_ASSERT(views::checksum(*ordered, views::Covering::meaning) ==
            views::checksum(*mixed, views::Covering::meaning));

  for (int k = 0; k < 12; ++k) {
    Date at = Date{Date::from_ymd(2010, 1, 1).days + std::int32_t(rng() % (12 * 365))};
    Figures slow;
    for (int s = 0; s < 12; ++s) {
      StudentRecord r = student_on(*ordered, "d", "p" + std::to_string(s), at, Timestamp::max());
      if (r.enrolled && r.school_id == "b")
        ++slow[{section_of(r.stage), Measure::students, std::uint8_t(r.grade)}];
    }
    for (int t = 0; t < 8; ++t) {
      TeacherRecord r = teacher_on(*ordered, "d", "t" + std::to_string(t), at, Timestamp::max());
      if (!r.employed || !r.full_time) continue;
      if (r.post_school == "b") {  // the rotation base, at the school holding the post
        ++slow[{Section::whole, Measure::posted_teachers, year_byte(school_year_of(r.post_since))}];
        for (const auto& [year, backbone] : r.rotations)
          ++slow[{Section::whole, Measure::rotations_started, year_byte(year)}];
      }
      if (r.school_id != "b") continue;
      Section sec = section_of(r.stage);
      ++slow[{sec, Measure::teachers}];
      if (r.title >= Title::intermediate) ++slow[{sec, Measure::senior_title_teachers}];
      if (r.qualification >=
          (r.stage == Stage::primary ? Qualification::associate : Qualification::bachelor))
        ++slow[{sec, Measure::qualified_teachers}];
    }
    Figures fast = figures_on(*mixed, "d", "b", at);
    Figures fast_counted;  // the measures the slow count covers
    for (const auto& [series, n] : fast)
      if (series.measure == Measure::students || series.measure == Measure::teachers ||
          series.measure == Measure::senior_title_teachers ||
          series.measure == Measure::qualified_teachers ||
          series.measure == Measure::posted_teachers ||
          series.measure == Measure::rotations_started)
        fast_counted[series] = n;
    RC_ASSERT(fast_counted == slow);
    // Folding everyone visible now gives the same figures as the step functions.
    auto folded = figures_as_recorded(*mixed, "d", at, Timestamp::max());
    RC_ASSERT((folded.count("b") ? folded["b"] : Figures{}) == fast);
  }
}

}  // namespace
}  // namespace annals
