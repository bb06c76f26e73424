// GET /v1/districts: every district of every store, each from the store that holds it.
#include "services/audit/routes/districts.h"

#include "audit_city.h"

namespace annals {
namespace {

using nlohmann::json;
using testing::day;
using testing::make_event;
using testing::opening;

class DistrictsRoute : public testing::AuditCityTest {};

TEST_F(DistrictsRoute, EachDistrictWithItsNameAndSchoolsOpen) {
  json d = routes::district_summary(reader(), "dc", day("2016-01-01"));
  EXPECT_EQ(
      d, json({{"id", "dc"}, {"name", "东城区"}, {"city", "北京市"}, {"schools_open_today", 2}}));
  EXPECT_EQ(routes::district_summary(reader(), "dc", day("2019-01-01"))["schools_open_today"], 1);
  EXPECT_EQ(routes::district_summary(reader(), "dc", day("1999-01-01"))["schools_open_today"], 0);
}

TEST_F(DistrictsRoute, EveryStoreSDistrictsInIdOrderWithEveryStoresOffsets) {
  // A second projector's store holds xc (never registered: no name) and zz.
  testing::ProjectedStore other(dir / "other");
  other.project(
      {make_event("xc-open", "xc", "2001-09-01", "2020-01-01T00:00:00Z", opening("x1", "西一小")),
       make_event("zz-open", "zz", "2001-09-01", "2020-01-01T00:00:00Z", opening("z1", "z"))});
  testing::TestStores both({&other.store(), &city.store()});
  auto answer = testing::ask(both, standards, "/v1/districts");
  ASSERT_EQ(answer.status, 200);
  json body = answer.json();
  ASSERT_EQ(body["districts"].size(), 3u);
  EXPECT_EQ(body["districts"][0]["id"], "dc");
  EXPECT_EQ(body["districts"][0]["name"], "东城区");  // from the store that holds dc
  EXPECT_EQ(body["districts"][0]["schools_open_today"], 1);
  EXPECT_EQ(body["districts"][1], json({{"id", "xc"}, {"schools_open_today", 1}}));
  EXPECT_EQ(body["districts"][2]["id"], "zz");
  // The other store's one partition, then the city's three.
  ASSERT_EQ(body["consistent_to"].size(), 4u);
  EXPECT_EQ(body["consistent_to"][0],
            json({{"topic", "a.registry"}, {"partition", 0}, {"next_offset", 2}}));
  EXPECT_EQ(body["consistent_to"][3]["topic"], "a.registry");
  EXPECT_EQ(body["consistent_to"][3]["next_offset"], 11);
}

TEST_F(DistrictsRoute, OneStore) {
  json body = get("/v1/districts").json();
  ASSERT_EQ(body["districts"].size(), 1u);
  EXPECT_EQ(body["districts"][0]["city"], "北京市");
  EXPECT_EQ(body["consistent_to"], json(get("/v1/districts/dc/state").json()["consistent_to"]));
}

}  // namespace
}  // namespace annals
