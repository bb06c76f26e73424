// Both clocks without a fold (services/history/README.md): on any date D and at any recorded
// time T, a school's figures as current knowledge minus what was learned after T
// (figures_at) equal the fold of every entity visible at T (figures_as_recorded), whatever
// order the records arrived in, with records learned ahead of their dates, on time, months
// and years late, retractions, facility surveys, funding and a merger among them; and the
// versions and learned families are the same bytes for any arrival order; and the events per
// day and type (event_counts) count what a walk of the trail counts, and so do the causes of a
// diff between any two points (diff_causes, read by lag class from learned_log); and the
// roster read from the registry's checkpoints equals the fold of the registry from the
// beginning (registry_state, registry_state_folded).
#include <algorithm>
#include <random>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "services/history/district_diff.h"
#include "services/history/figures.h"
#include "services/history/registry_state.h"
#include "services/history/trail.h"
#include "services/projector/projection.h"
#include "services/views/checksum.h"
#include "support/event_builders.h"
#include "support/project_in_property.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

const char* const kSchools[] = {"a", "b", "c"};

// When an event dated `on` was recorded: mostly within days, some months or years late, some
// ahead of the date.
Timestamp recorded_for(std::mt19937_64& rng, Date on) {
  const std::int64_t day = 86'400'000'000;
  std::int64_t start = start_of_beijing_day(on).micros;
  std::int64_t lag;
  switch (rng() % 20) {
    case 0:
    case 1: lag = -std::int64_t(rng() % (60 * day)); break;  // ahead
    case 2:
    case 3:
    case 4: lag = day * 30 + std::int64_t(rng() % (300 * day)); break;   // months
    case 5: lag = day * 365 + std::int64_t(rng() % (800 * day)); break;  // years late
    default: lag = std::int64_t(rng() % (3 * day));                      // on time
  }
  return Timestamp{start + lag};
}

std::vector<Event> random_record(std::mt19937_64& rng) {
  std::vector<Event> out;
  auto add = [&](Date on, Payload p) {
    Event e;
    e.envelope.id = uuid_from_name("bc", std::to_string(rng()));
    e.envelope.district = "d";
    e.envelope.effective_date = on;
    e.envelope.recorded_at = recorded_for(rng, on);
    e.envelope.source = "prop";
    e.data = std::move(p);
    out.push_back(std::move(e));
  };
  auto some_day = [&](int from_year, int years) {
    return Date{Date::from_ymd(from_year, 1, 1).days + std::int32_t(rng() % (365 * years))};
  };
  for (const char* s : kSchools) {
    add(Date::from_ymd(2009, 9, 1), testing::opening(s, s, {Stage::primary, Stage::junior}));
    for (int k = 0, n = int(rng() % 4); k < n; ++k) {
      SchoolFacilitiesSurveyed f;
      f.school_id = s;
      if (rng() % 2) f.stage = rng() % 2 ? Stage::primary : Stage::junior;
      f.floor_area_m2 = Area{std::int64_t(100'000 + rng() % 900'000)};
      f.computers = std::int64_t(rng() % 400);
      add(some_day(2010, 10), f);
    }
    for (int k = 0, n = int(rng() % 4); k < n; ++k) {
      FundingAllocated f;
      f.school_id = s;
      f.category = FundingCategory(rng() % 3);
      f.amount_fen = std::int64_t(1 + rng() % 10'000'000);
      f.fiscal_year = 2010 + std::int64_t(rng() % 10);
      f.funding_source = "district";
      add(some_day(int(f.fiscal_year), 1), f);
    }
  }
  if (rng() % 2) add(Date::from_ymd(2016, 9, 1), testing::merger({"c"}, "b"));
  // The roster changes over the years (the registry's checkpoints, registry_state.h).
  add(Date::from_ymd(2011, 3, 1), ClusterCreated{"xq", "学区", ClusterKind(rng() % 2), {}});
  for (int k = 0, n = int(rng() % 6); k < n; ++k) {
    const char* school = kSchools[rng() % 3];
    Date on = some_day(2010, 12);
    switch (rng() % 3) {
      case 0: add(on, SchoolRenamed{school, std::string(school) + std::to_string(k)}); break;
      case 1: add(on, SchoolJoinedCluster{school, "xq", MemberRole(rng() % 2)}); break;
      default: add(on, SchoolLeftCluster{school, "xq"}); break;
    }
  }
  for (int p = 0; p < 10; ++p) {
    std::string id = "p" + std::to_string(p);
    Date on = Date::from_ymd(2010 + int(rng() % 6), 9, 1);
    std::int64_t grade = 1 + std::int64_t(rng() % 9);
    add(on,
        StudentEnrolled{id, kSchools[rng() % 3], grade >= 7 ? Stage::junior : Stage::primary, grade,
                        AdmissionMode::nearby, rng() % 3 == 0, Disability::none, false, 0});
    for (int k = 0, n = int(rng() % 4); k < n; ++k) {
      on = Date{on.days + 30 + std::int32_t(rng() % 400)};
      switch (rng() % 3) {
        case 0: add(on, StudentPromoted{id, std::min<std::int64_t>(9, ++grade)}); break;
        case 1:
          add(on, StudentTransferred{id, kSchools[rng() % 3], kSchools[rng() % 3], {}});
          break;
        default: add(on, StudentWithdrew{id, WithdrawReason::moved_out_of_city}); break;
      }
    }
  }
  for (int t = 0; t < 6; ++t) {
    std::string id = "t" + std::to_string(t);
    Date on = Date::from_ymd(2010 + int(rng() % 6), 9, 1);
    add(on, TeacherHired{id, kSchools[rng() % 3], rng() % 2 ? Stage::junior : Stage::primary,
                         Subject(rng() % 15), Qualification(rng() % 5), Title(rng() % 4), true,
                         rng() % 2 == 0});
    for (int k = 0, n = int(rng() % 3); k < n; ++k) {
      on = Date{on.days + 30 + std::int32_t(rng() % 400)};
      if (rng() % 2) {
        TransferKind kind = TransferKind(rng() % 3);
        std::optional<Date> end;
        if (kind != TransferKind::permanent) end = Date{on.days + 100 + std::int32_t(rng() % 700)};
        add(on, TeacherTransferred{id, kSchools[rng() % 3], kSchools[rng() % 3], std::nullopt, kind,
                                   end, rng() % 2 == 0});
      } else {
        add(on, TeacherTitleChanged{id, Title(rng() % 4)});
      }
    }
  }
  // Retractions, recorded after their targets (up to two years), of any kind of record but
  // an opening.
  for (int k = 0; k < 4 && !out.empty(); ++k) {
    const Event target = out[rng() % out.size()];
    if (std::holds_alternative<RecordRetracted>(target.data) ||
        std::holds_alternative<SchoolOpened>(target.data))
      continue;
    Event r = target;
    r.envelope.id = uuid_from_name("bc-retract", std::to_string(rng()));
    r.envelope.recorded_at =
        Timestamp{target.envelope.recorded_at->micros + std::int64_t(rng() % 63'000'000'000'000)};
    r.data = RecordRetracted{target.envelope.id, "wrong"};
    out.push_back(r);
  }
  return out;
}

void project(views::ViewStore& store, const std::vector<ConsumedRecord>& records) {
  testing::project_in_property(store, records, "h.");
}

// Logs every key whose value differs between the two stores, family by family.
void log_differences(views::ViewStore& a, views::ViewStore& b) {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  for (int f = 0; f < views::kFamilies; ++f) {
    // The verifiable log is in arrival order, which these stores do not share.
    if (views::Family(f) == views::Family::merkle_nodes) continue;
    std::map<std::string, std::string> in_a, in_b;
    for (auto [store, out] : {std::pair{&a, &in_a}, std::pair{&b, &in_b}}) {
      auto it = views::Reader(*store).iterator(views::Family(f), ro);
      for (it->SeekToFirst(); it->Valid(); it->Next())
        (*out)[it->key().ToString(true)] = it->value().ToString(true);
    }
    for (const auto& [k, v] : in_a)
      if (!in_b.count(k) || in_b[k] != v)
        RC_LOG() << views::kFamilyNames[f] << " " << k << ": " << v << " | "
                 << (in_b.count(k) ? in_b[k] : "-") << "\n";
    for (const auto& [k, v] : in_b)
      if (!in_a.count(k)) RC_LOG() << views::kFamilyNames[f] << " " << k << ": - | " << v << "\n";
  }
}

Figures without_zeros(Figures f) {
  f.drop_zeros();
  return f;
}

RC_GTEST_PROP(BothClocks, CurrentKnowledgeMinusWhatWasLearnedSinceEqualsTheFold,
              (std::uint64_t seed)) {
  std::mt19937_64 rng(seed);
  std::vector<Event> events = random_record(rng);
  std::vector<ConsumedRecord> records;
  std::vector<Timestamp> recorded;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event* subject = &events[i];  // a retraction goes on its target's topic
    if (const auto* r = std::get_if<RecordRetracted>(&events[i].data))
      for (const auto& e : events)
        if (e.envelope.id == r->event_id) subject = &e;
    std::string topic = "h." + std::string(to_string(system_of(subject->data)));
    records.push_back({topic, 0, std::int64_t(i), "d", encode_event(events[i])});
    recorded.push_back(*events[i].envelope.recorded_at);
  }
  // One store gets the records in recorded order per topic, as the services publish them;
  // the other in any order, in small batches.
  std::vector<ConsumedRecord> in_order = records;
  std::stable_sort(in_order.begin(), in_order.end(), [&](const auto& x, const auto& y) {
    return recorded[std::size_t(x.offset)] < recorded[std::size_t(y.offset)];
  });
  testing::TempDir dir;
  auto ordered = views::ViewStore::open_primary(dir / "a");
  auto mixed = views::ViewStore::open_primary(dir / "b");
  project(*ordered, in_order);
  std::shuffle(records.begin(), records.end(), rng);
  for (std::size_t start = 0; start < records.size(); start += 7)
    project(*mixed, std::vector<ConsumedRecord>(
                        records.begin() + std::ptrdiff_t(start),
                        records.begin() + std::ptrdiff_t(std::min(records.size(), start + 7))));
  if (views::checksum(*ordered, views::Covering::meaning) !=
      views::checksum(*mixed, views::Covering::meaning))
    log_differences(*ordered, *mixed);
  RC_ASSERT(views::checksum(*ordered, views::Covering::meaning) ==
            views::checksum(*mixed, views::Covering::meaning));

  for (int k = 0; k < 16; ++k) {
    Date at{Date::from_ymd(2009, 6, 1).days + std::int32_t(rng() % (14 * 365))};
    // Any recorded time: each record's own (and just before it), or any instant of the span.
    Timestamp as_of = recorded[rng() % recorded.size()];
    if (k % 3 == 1) as_of = Timestamp{as_of.micros - 1};
    if (k % 3 == 2)
      as_of = Timestamp{1'230'000'000'000'000 + std::int64_t(rng() % 600'000'000'000'000)};
    if (k % 8 == 7) as_of = Timestamp::max();  // current knowledge
    // The events per day and type equal a walk of the trail.
    Date from{k % 4 == 3 ? at.days : at.days - std::int32_t(rng() % 800)};
    std::map<std::string, std::size_t> walked;
    for_each_event(*mixed, "d", from, at, Timestamp::max(),
                   [&](const TrailEntry& e) { ++walked[std::string(type_name(e.event.data))]; });
    RC_ASSERT(count_events(*mixed, "d", from, at) == walked);
    // The causes of a diff between (from, T1) and (at, as_of), read by lag class, equal a walk
    // of the trail that classifies every event.
    Timestamp from_as_of = k % 2 ? recorded[rng() % recorded.size()] : Timestamp::max();
    std::map<std::string, std::size_t> by_type;
    std::vector<std::pair<std::string, bool>> listed;  // id, correction
    for_each_event(*mixed, "d", Date::from_ymd(1900, 1, 1), at, as_of, [&](const TrailEntry& e) {
      const bool later = from < e.event.envelope.effective_date;
      if (!later && !(from_as_of < as_of && from_as_of < e.recorded)) return;
      ++by_type[std::string(type_name(e.event.data))];
      if (listed.size() < 5) listed.emplace_back(e.event.envelope.id, !later);
    });
    DiffCauses causes = diff_causes(*mixed, "d", from, from_as_of, at, as_of, 5);
    std::vector<std::pair<std::string, bool>> causes_listed;
    for (const auto& c : causes.events)
      causes_listed.emplace_back(c.event.envelope.id, c.correction);
    RC_ASSERT(causes.by_type == by_type);
    RC_ASSERT(causes_listed == listed);
    auto folded = figures_as_recorded(*mixed, "d", at, as_of);
    auto fast = figures_at(
        *mixed, "d", std::vector<std::string>(std::begin(kSchools), std::end(kSchools)), at, as_of);
    for (const char* s : kSchools) RC_ASSERT(without_zeros(fast[s]) == without_zeros(folded[s]));
    // The roster from the latest usable checkpoint equals the fold from the beginning.
    RC_ASSERT(encode_registry_state(registry_state(*mixed, "d", at, as_of)) ==
              encode_registry_state(registry_state_folded(*mixed, "d", at, as_of)));
  }
}

}  // namespace
}  // namespace annals
