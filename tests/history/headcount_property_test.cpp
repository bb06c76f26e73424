// Headcounts: the students of a school on any date, from the step functions the projector
// keeps, equal a count made the slow way (every student's timeline folded to that date),
// whatever order the records arrived in, with late records and retractions among them.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <random>

#include "services/history/headcount.h"
#include "services/history/people.h"
#include "services/projector/projection.h"
#include "services/views/checksum.h"
#include "support/event_builders.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

std::vector<Event> random_students(std::mt19937_64& rng, int students) {
  std::vector<Event> out;
  int n = 0;
  auto add = [&](const std::string& district, Date on, Payload p) {
    Event e;
    e.envelope.id = uuid_from_name("hc", std::to_string(rng()));
    e.envelope.district = district;
    e.envelope.effective_date = on;
    e.envelope.recorded_at = Timestamp{1'600'000'000'000'000 + std::int64_t(rng() % 1000) * 1'000'000};
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
    add("d", on, StudentEnrolled{id, schools[rng() % 3], grade >= 7 ? Stage::junior : Stage::primary, grade,
                                 AdmissionMode::nearby, false, Disability::none, false, 0});
    for (int k = 0, changes = int(rng() % 5); k < changes; ++k) {
      on = Date{on.days + 30 + std::int32_t(rng() % 400)};
      switch (rng() % 4) {
        case 0: add("d", on, StudentPromoted{id, std::min<std::int64_t>(9, ++grade)}); break;
        case 1: add("d", on, StudentTransferred{id, schools[rng() % 3], schools[rng() % 3], {}}); break;
        case 2: add("d", on, StudentGraduated{id}); break;
        default: add("d", on, StudentWithdrew{id, WithdrawReason::moved_out_of_city}); break;
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
  Projection p(store, TopicNames{"h."});
  rocksdb::WriteBatchWithIndex batch(rocksdb::BytewiseComparator(), 0, true);
  RC_ASSERT(p.stage(records, batch).dead_letters.empty());
  RC_ASSERT(store.db()->Write({}, batch.GetWriteBatch()).ok());
}

RC_GTEST_PROP(Headcount, EqualsFoldingEveryStudentInAnyArrivalOrder, (std::uint64_t seed)) {
  std::mt19937_64 rng(seed);
  std::vector<Event> events = random_students(rng, 12);
  std::vector<ConsumedRecord> records;
  for (std::size_t i = 0; i < events.size(); ++i)
    records.push_back({"h.enrollment", 0, std::int64_t(i), "d", encode_event(events[i])});

  testing::TempDir dir;
  auto ordered = views::ViewStore::open_primary(dir / "a");
  auto mixed = views::ViewStore::open_primary(dir / "b");
  project(*ordered, records);
  std::shuffle(records.begin(), records.end(), rng);
  for (std::size_t start = 0; start < records.size(); start += 5)
    project(*mixed, std::vector<ConsumedRecord>(records.begin() + start, records.begin() + std::min(records.size(), start + 5)));
  RC_ASSERT(views::checksum(*ordered) == views::checksum(*mixed));

  for (int k = 0; k < 12; ++k) {
    Date at = Date{Date::from_ymd(2010, 1, 1).days + std::int32_t(rng() % (12 * 365))};
    Headcount slow;
    for (int s = 0; s < 12; ++s) {
      StudentRecord r = student_on(*ordered, "d", "p" + std::to_string(s), at, Timestamp::max());
      if (r.enrolled && r.school_id == "b") ++slow[{r.stage, r.grade}];
    }
    RC_ASSERT(headcount_on(*mixed, "d", "b", at) == slow);
  }
}

}  // namespace
}  // namespace annals
