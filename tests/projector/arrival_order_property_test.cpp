// The temporal engine's two laws, as properties over random histories:
//  1. any arrival order (and any batching) of the same records gives the same views, so
//     the same state at every date and every recorded time;
//  2. a retraction gives, from its recorded time on, the state as if the retracted event
//     had never been recorded, and leaves earlier recorded times as they were.
#include <algorithm>
#include <random>
#include <sstream>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "services/history/registry_state.h"
#include "services/projector/projection.h"
#include "services/views/checksum.h"
#include "support/event_builders.h"
#include "support/project_in_property.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

using testing::opening;

struct Logged {
  Event event;
  std::int64_t offset;
};

// A random registry history of one district: openings, then closings, mergers, renames
// and stage changes at random dates, recorded at random times (late records included).
std::vector<Logged> random_history(std::mt19937_64& rng, int schools, int changes) {
  std::vector<Logged> out;
  auto date = [&](int from, int to) {
    return Date{std::int32_t(Date::from_ymd(from, 1, 1).days + rng() % ((to - from) * 365))};
  };
  auto recorded = [&] {
    return Timestamp{1'500'000'000'000'000 + std::int64_t(rng() % 50) * 1'000'000'000};
  };  // ties happen
  auto add = [&](Payload p, Date on) {
    Event e;
    e.envelope.id = uuid_from_name("prop", std::to_string(rng()));
    e.envelope.district = "d";
    e.envelope.effective_date = on;
    e.envelope.recorded_at = recorded();
    e.envelope.source = "prop";
    e.data = std::move(p);
    out.push_back({std::move(e), std::int64_t(out.size())});
  };
  for (int i = 0; i < schools; ++i)
    add(opening("s" + std::to_string(i), "学校" + std::to_string(i)), date(2000, 2006));
  for (int i = 0; i < changes; ++i) {
    std::string a = "s" + std::to_string(rng() % schools),
                b = "s" + std::to_string(rng() % schools);
    Date on = date(2004, 2020);
    switch (rng() % 5) {
      case 0: add(SchoolClosed{a, {}}, on); break;
      case 1: add(testing::merger({a}, b), on); break;
      case 2: add(SchoolRenamed{a, "新名" + std::to_string(i)}, on); break;
      case 3: add(SchoolStagesChanged{a, {Stage::primary, Stage::junior}}, on); break;
      default: add(opening(a, "复校" + std::to_string(i)), on); break;
    }
  }
  return out;
}

ConsumedRecord record_of(const Logged& l) {
  return {"p.registry", 0, l.offset, l.event.envelope.district, encode_event(l.event)};
}

void project(views::ViewStore& store, const std::vector<ConsumedRecord>& records) {
  testing::project_in_property(store, records, "p.");
}

// Everything a reader can see of the registry on a date, as text.
std::string describe(views::ViewStore& store, Date at, Timestamp as_of) {
  RegistryState s = registry_state(store, "d", at, as_of);
  std::ostringstream out;
  for (const auto& [id, r] : s.schools) {
    out << id << ' ' << r.name << ' ' << r.open() << ' ' << r.stages.size() << ' '
        << r.merged_into.value_or("-");
    for (const auto& a : r.absorbed) out << " <" << a.school_id << '@' << a.on.days;
    out << '\n';
  }
  return out.str();
}

RC_GTEST_PROP(TemporalEngine, AnyArrivalOrderGivesTheSameStateEverywhere, (std::uint64_t seed)) {
  std::mt19937_64 rng(seed);
  std::vector<Logged> history = random_history(rng, 6, 20);
  // Retract a few of them, later than they were recorded.
  for (int k = 0; k < 3; ++k) {
    const Event& target = history[rng() % history.size()].event;
    if (std::holds_alternative<RecordRetracted>(target.data)) continue;
    Event r = target;
    r.envelope.id = uuid_from_name("retract", std::to_string(rng()));
    r.envelope.recorded_at = Timestamp{target.envelope.recorded_at->micros + 1'000'000 +
                                       std::int64_t(rng() % 100'000'000'000)};
    r.data = RecordRetracted{target.envelope.id, "wrong"};
    history.push_back({r, std::int64_t(history.size())});
  }

  testing::TempDir dir;
  auto in_order = views::ViewStore::open_primary(dir / "a");
  auto shuffled = views::ViewStore::open_primary(dir / "b");
  std::vector<ConsumedRecord> ordered;
  for (const auto& l : history) ordered.push_back(record_of(l));
  project(*in_order, ordered);

  std::vector<ConsumedRecord> mixed = ordered;
  std::shuffle(mixed.begin(), mixed.end(), rng);
  for (std::size_t start = 0; start < mixed.size();) {  // random batch boundaries
    std::size_t n = 1 + rng() % 7;
    project(*shuffled,
            std::vector<ConsumedRecord>(mixed.begin() + start,
                                        mixed.begin() + std::min(mixed.size(), start + n)));
    start += n;
  }
  RC_ASSERT(views::checksum(*in_order, views::Covering::meaning) ==
            views::checksum(*shuffled, views::Covering::meaning));
  for (int k = 0; k < 10; ++k) {
    Date at = Date::from_ymd(2000 + int(rng() % 22), 1 + unsigned(rng() % 12), 1);
    Timestamp as_of =
        k % 3 == 0 ? Timestamp::max()
                   : Timestamp{1'500'000'000'000'000 + std::int64_t(rng() % 60) * 1'000'000'000};
    RC_ASSERT(describe(*in_order, at, as_of) == describe(*shuffled, at, as_of));
  }
}

RC_GTEST_PROP(TemporalEngine, ARetractionIsAsIfTheEventWasNeverRecorded, (std::uint64_t seed)) {
  std::mt19937_64 rng(seed);
  std::vector<Logged> history = random_history(rng, 5, 12);
  std::size_t victim = rng() % history.size();
  const Event& target = history[victim].event;
  Event r = target;
  r.envelope.id = uuid_from_name("retract", std::to_string(seed));
  r.envelope.recorded_at = Timestamp{target.envelope.recorded_at->micros + 1'000'000 +
                                     std::int64_t(rng() % 100'000'000'000)};
  r.data = RecordRetracted{target.envelope.id, "wrong"};
  Timestamp retracted = *r.envelope.recorded_at;

  testing::TempDir dir;
  auto with = views::ViewStore::open_primary(dir / "with");    // the event, then its retraction
  auto never = views::ViewStore::open_primary(dir / "never");  // the event never recorded
  auto unretracted = views::ViewStore::open_primary(dir / "plain");  // no retraction at all
  std::vector<ConsumedRecord> all, without, plain;
  for (const auto& l : history) {
    all.push_back(record_of(l));
    plain.push_back(record_of(l));
    if (l.offset != history[victim].offset) without.push_back(record_of(l));
  }
  all.push_back(record_of({r, std::int64_t(history.size())}));
  project(*with, all);
  project(*never, without);
  project(*unretracted, plain);
  for (int k = 0; k < 8; ++k) {
    Date at = Date::from_ymd(2000 + int(rng() % 22), 1 + unsigned(rng() % 12), 1);
    Timestamp after{retracted.micros + std::int64_t(rng() % 1'000'000'000'000)};
    Timestamp before{retracted.micros - 1 - std::int64_t(rng() % 100'000'000'000)};
    RC_ASSERT(describe(*with, at, after) == describe(*never, at, after));
    RC_ASSERT(describe(*with, at, Timestamp::max()) == describe(*never, at, Timestamp::max()));
    RC_ASSERT(describe(*with, at, before) == describe(*unretracted, at, before));
  }
}

}  // namespace
}  // namespace annals
