// A reader sees only its districts (services/audit/request.h: known_district): a district it
// is not granted answers exactly as one that does not exist, on every route that names a
// district, and /v1/districts lists only the granted ones.
#include "audit_city.h"

namespace annals {
namespace {

using nlohmann::json;

class ScopedReader : public testing::AuditCityTest {
 protected:
  // GET path?params as an identity granted only `districts`.
  testing::Answer as(std::set<std::string> districts, const std::string& path,
                     const testing::Params& params = {}) {
    testing::TestStores one({&city.store()});
    auth::Scope scope{false, std::move(districts)};
    return testing::ask(one, standards, path, params, scope);
  }
};

TEST_F(ScopedReader, ADistrictNotGrantedAnswersAsAnUnknownOne) {
  for (std::string route : {"state", "schools", "indicators", "indicators.csv", "indicators.xlsx",
                            "indicators/series", "events", "rotations", "diff"}) {
    testing::Params params = {{"at", "2016-01-01"}, {"year", "2015"}};
    auto forbidden = as({"xc"}, "/v1/districts/dc/" + route, params);
    auto unknown = as({"xc", "zz"}, "/v1/districts/zz/" + route, params);
    EXPECT_EQ(forbidden.status, 404) << route;
    EXPECT_EQ(unknown.status, 404) << route;
    EXPECT_EQ(forbidden.error(), "no district 'dc' in the record") << route;
    EXPECT_EQ(unknown.error(), "no district 'zz' in the record") << route;
    EXPECT_EQ(forbidden.content_type, unknown.content_type) << route;
    EXPECT_EQ(as({"dc"}, "/v1/districts/dc/" + route, params).status, 200) << route;
  }
  auto admissions = as({"xc"}, "/v1/districts/dc/admissions", {{"year", "2015"}});
  EXPECT_EQ(admissions.status, 404);
}

TEST_F(ScopedReader, AMalformedParameterIs400WhetherGrantedOrNot) {
  // Parameters are read before the district, for a forbidden district as for an unknown one.
  EXPECT_EQ(as({"xc"}, "/v1/districts/dc/state", {{"at", "x"}}).status, 400);
  EXPECT_EQ(as({"xc"}, "/v1/districts/zz/state", {{"at", "x"}}).status, 400);
}

TEST_F(ScopedReader, TheListHoldsOnlyGrantedDistricts) {
  EXPECT_EQ(as({"xc"}, "/v1/districts").json()["districts"], json::array());
  EXPECT_EQ(as({"dc"}, "/v1/districts").json()["districts"].size(), 1u);
}

TEST_F(ScopedReader, AnEntityOfADistrictNotGrantedIsNotThere) {
  auto forbidden = as({"xc"}, "/v1/schools/b/timeline");
  auto unknown = as({"xc"}, "/v1/schools/zz/timeline");
  EXPECT_EQ(forbidden.status, 404);
  EXPECT_EQ(forbidden.error(), "no school 'b' in the record");
  EXPECT_EQ(unknown.error(), "no school 'zz' in the record");
  EXPECT_EQ(as({"xc"}, "/v1/schools/b/timeline", {{"district", "dc"}}).error(),
            "no school 'b' in the record of district 'dc'");
  EXPECT_EQ(as({"xc"}, "/v1/teachers/t1/timeline").status, 404);
  EXPECT_EQ(as({"xc"}, "/v1/clusters/xq").status, 404);
  EXPECT_EQ(as({"dc"}, "/v1/schools/b/timeline").status, 200);
  EXPECT_EQ(as({"dc"}, "/v1/teachers/t1/timeline").status, 200);
}

}  // namespace
}  // namespace annals
