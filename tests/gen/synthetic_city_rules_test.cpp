// The synthetic city (services/gen/synthetic_city.h) and the publishing services' rules
// (services/publisher/rules.h) agree: every event the generator makes passes the rules in the
// order `annals import` sends it (services/cli/import.cpp: lines in file order, a batch of
// 5,000 sent service by service, registry first; a retraction to the service its source
// names). Each accepted event is projected into real RocksDB views before the next is
// checked, as a service's views hold what it accepted before.
#include <map>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>

#include "events/json_codec.h"
#include "services/gen/synthetic_city.h"
#include "services/projector/projection.h"
#include "services/publisher/rules.h"
#include "support/import_route.h"
#include "support/temp_dir.h"

namespace annals {
namespace {

using testing::service_of;

struct Refusal {
  std::string id, type, date, message;
};

// The refusals of the city `scale` from district `first` on, checked as an import sends it;
// `checked` counts the events, `out` gets the refusals by code.
void check_city(const CityScale& scale, int first, std::size_t& checked,
                std::map<std::string, std::vector<Refusal>>& out) {
  CityOptions city;
  city.scale = scale;
  city.first_district = first;
  std::vector<Event> events;
  generate_city(city, [&](Event&& e) { events.push_back(std::move(e)); });
  testing::TempDir dir;
  auto store = views::ViewStore::open_primary(dir / "views");
  TopicNames topics{"annals."};
  Projection projection(*store, topics, {}, Keeps::rules);  // what a publishing service keeps
  std::map<std::string, std::int64_t> next_offset;
  constexpr std::size_t kBatch = 5000;  // annals import's default --batch
  for (std::size_t at = 0; at < events.size(); at += kBatch) {
    auto end = events.begin() + std::ptrdiff_t(std::min(at + kBatch, events.size()));
    std::stable_sort(events.begin() + std::ptrdiff_t(at), end,
                     [](const Event& a, const Event& b) { return service_of(a) < service_of(b); });
    for (auto e = events.begin() + std::ptrdiff_t(at); e != end; ++e) {
      ++checked;
      System service = service_of(*e);
      auto violations = check_rules(*e, service, *store);
      if (!violations.empty()) {
        out[violations[0].code].push_back({e->envelope.id, std::string(type_name(e->data)),
                                           e->envelope.effective_date.to_string(),
                                           violations[0].message});
        continue;  // refused: the service publishes nothing of it
      }
      std::string topic = topics.of(service);
      views::Batch batch(*store);
      auto r = projection.stage(
          {{topic, 0, next_offset[topic]++, e->envelope.district, encode_event(*e)}}, batch);
      EXPECT_TRUE(r.dead_letters.empty()) << e->envelope.id;
      EXPECT_TRUE(store->write(batch).ok());
    }
  }
}

TEST(SyntheticCity, EveryEventPassesThePublishingRulesInTheOrderAnImportSendsIt) {
  CityScale scale = *city_scale("demo");
  scale.districts = 1;  // ten schools over ten years: every kind of event, mergers and closures
  std::size_t checked = 0;
  std::map<std::string, std::vector<Refusal>> refused;
  // Urban 西城, 朝阳 (a teaching point closes after its pupils graduate), rural 门头沟, and 顺义
  // (a primary school opens a junior section): the generator broke a rule in 西城, 朝阳 and 顺义.
  // The sanitizers' build (about 20 times slower) checks 朝阳 only.
#if defined(__SANITIZE_ADDRESS__)
  const std::vector<int> districts{2};
#else
  const std::vector<int> districts{1, 2, 6, 9};
#endif
  for (int district : districts) check_city(scale, district, checked, refused);
  EXPECT_GT(checked, 10000u * districts.size());
  std::ostringstream why;
  for (const auto& [code, list] : refused) {
    why << code << ": " << list.size() << "\n";
    for (std::size_t i = 0; i < std::min<std::size_t>(list.size(), 5); ++i)
      why << "  " << list[i].type << " " << list[i].id << " on " << list[i].date << ": "
          << list[i].message << "\n";
  }
  EXPECT_TRUE(refused.empty()) << why.str();
}

}  // namespace
}  // namespace annals
