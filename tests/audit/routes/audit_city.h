// The route tests' district: a small history of 东城区 ("dc") projected through the real
// Projection into real RocksDB views, and a way to ask the audit's routes as its HTTP server
// does (the route table's handler for a path, with query parameters), with no broker and no
// socket.
//
//   2000-01-01  dc registered (东城区, 北京市)
//   2000-09-01  a 甲小学 (primary, urban) and b 乙小学 (primary, rural) open
//   2004-11-01  学区 xq 第一学区 created; a joins as lead, b as member
//   2010-09-01  teacher t1 hired at a (holds her post there)
//   2012-03-01  a's whole-school facilities surveyed: 1000 m² floor, 2000 m² sports, 50000
//               yuan of equipment (recorded 2020-01-01); the floor area corrected to 1200 m²
//               by a second survey recorded 2020-03-01 (a late record)
//   2012-09-10  t1 a district backbone teacher
//   2015-09-01  t1 rotates from a to b until 2016-07-31 (post stays); s1-s3 enrol in grade 1
//               at a (nearby), s4 at b (lottery, migrant)
//   2016-01-01  a renamed 错名小学 (recorded 2020-01-03), retracted (recorded 2020-02-01)
//   2018-09-01  b merged into a (recorded 2020-01-02)
//
// Everything else is recorded 2020-01-01T00:00:00Z (the cluster joins one second later).
#pragma once

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "events/json_codec.h"
#include "services/audit/routes.h"
#include "services/audit/standard.h"
#include "services/projector/projection.h"
#include "services/transparency/signed_tree_head.h"
#include "support/event_builders.h"
#include "support/temp_dir.h"

namespace annals::testing {

// Projects events into a fresh store, one topic per source system as the projector reads.
class ProjectedStore {
 public:
  explicit ProjectedStore(const std::string& path) : store_(views::ViewStore::open_primary(path)) {}
  views::ViewStore& store() { return *store_; }
  void project(const std::vector<Event>& events) {
    std::vector<ConsumedRecord> records;
    for (const auto& e : events) {
      System s = system_of(e.data);
      if (s == System::platform) s = System::registry;
      std::string topic = TopicNames{"a."}.of(s);
      records.push_back({topic, 0, offsets_[topic]++, e.envelope.district, encode_event(e)});
    }
    Projection p(*store_, TopicNames{"a."});
    views::Batch batch(*store_);
    auto result = p.stage(records, batch);
    ASSERT_TRUE(result.dead_letters.empty()) << result.dead_letters[0].reason;
    ASSERT_TRUE(store_->write(batch).ok());
  }

 private:
  std::unique_ptr<views::ViewStore> store_;
  std::map<std::string, std::int64_t> offsets_;
};

// The stores as the routes see them, over the test's stores: a district is held by the
// first store that has it.
class TestStores : public Stores {
 public:
  explicit TestStores(std::vector<views::ViewStore*> stores) : stores_(std::move(stores)) {}
  std::vector<views::Reader> all() override {
    std::vector<views::Reader> out;
    for (auto* s : stores_) out.emplace_back(*s);
    return out;
  }
  views::Reader holding(const std::string& district) override {
    for (auto* s : stores_)
      if (views::Reader(*s).has_district(district)) return *s;
    return *stores_.front();
  }

 private:
  std::vector<views::ViewStore*> stores_;
};

// An HTTP answer as a route gave it.
struct Answer {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string disposition;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string error() const { return json().at("error").get<std::string>(); }
};

using Params = std::vector<std::pair<std::string, std::string>>;

// Answers GET `path`?`params` with the route table's first route whose pattern matches the
// whole path (as httplib dispatches), reading `stores`; the reader is the store holding the
// path's first capture, as the audit service chooses it.
inline Answer ask(Stores& stores, const Standards& standards, const std::string& path,
                  const Params& params = {}, const auth::Scope& scope = auth::Scope{true, {}},
                  const transparency::SigningKey* signing_key = nullptr) {
  httplib::Request req;
  req.path = path;
  for (const auto& [k, v] : params) req.params.emplace(k, v);
  for (const Route& route : route_table()) {
    if (!std::regex_match(req.path, req.matches, std::regex(route.pattern))) continue;
    httplib::Response res;
    RouteContext context{stores.holding(req.matches.size() > 1 ? req.matches[1].str() : ""),
                         stores,
                         standards,
                         scope,
                         {},
                         signing_key};
    route.handler(context, req, res);
    return {res.status, res.body, res.get_header_value("Content-Type"),
            res.get_header_value("Content-Disposition")};
  }
  ADD_FAILURE() << "no route serves " << path;
  return {};
}

inline Event with_location(Event e, LocationClass location) {
  std::get<SchoolOpened>(e.data).location = location;
  return e;
}

inline std::vector<Event> dongcheng() {
  const char* rec = "2020-01-01T00:00:00Z";
  const char* joined = "2020-01-01T00:00:01Z";
  SchoolFacilitiesSurveyed survey;
  survey.school_id = "a";
  survey.floor_area_m2 = Area{1000'00};
  survey.sports_area_m2 = Area{2000'00};
  survey.equipment_value_fen = 50000'00;
  SchoolFacilitiesSurveyed corrected = survey;
  corrected.floor_area_m2 = Area{1200'00};
  TeacherHonourAwarded honour;
  honour.teacher_id = "t1";
  honour.honour = Honour::backbone;
  honour.level = HonourLevel::district;
  TeacherTransferred rotation{
      "t1", "a", "b", std::nullopt, TransferKind::rotation, day("2016-07-31"), false};
  auto enrol = [&](const char* id, const char* school, AdmissionMode mode, bool migrant) {
    StudentEnrolled s;
    s.student_id = id;
    s.school_id = school;
    s.stage = Stage::primary;
    s.grade = 1;
    s.admission = mode;
    s.migrant = migrant;
    return make_event(std::string("enrol-") + id, "dc", "2015-09-01", rec, s);
  };
  return {
      make_event("reg", "dc", "2000-01-01", rec, DistrictRegistered{"东城区", "北京市"}),
      make_event("open-a", "dc", "2000-09-01", rec, opening("a", "甲小学")),
      with_location(make_event("open-b", "dc", "2000-09-01", rec, opening("b", "乙小学")),
                    LocationClass::rural),
      make_event("xq", "dc", "2004-11-01", rec,
                 ClusterCreated{"xq", "第一学区", ClusterKind::school_district, {}}),
      make_event("join-a", "dc", "2004-11-01", joined,
                 SchoolJoinedCluster{"a", "xq", MemberRole::lead}),
      make_event("join-b", "dc", "2004-11-01", joined,
                 SchoolJoinedCluster{"b", "xq", MemberRole::member}),
      make_event("hire", "dc", "2010-09-01", rec,
                 TeacherHired{"t1", "a", Stage::primary, Subject::mathematics,
                              Qualification::bachelor, Title::intermediate, true, true}),
      make_event("survey", "dc", "2012-03-01", rec, survey),
      make_event("survey-corrected", "dc", "2012-03-01", "2020-03-01T00:00:00Z", corrected),
      make_event("honour", "dc", "2012-09-10", rec, honour),
      make_event("rotation", "dc", "2015-09-01", rec, rotation),
      enrol("s1", "a", AdmissionMode::nearby, false),
      enrol("s2", "a", AdmissionMode::nearby, false),
      enrol("s3", "a", AdmissionMode::nearby, false),
      enrol("s4", "b", AdmissionMode::lottery, true),
      make_event("rename", "dc", "2016-01-01", "2020-01-03T00:00:00Z",
                 SchoolRenamed{"a", "错名小学"}),
      make_event("retract-rename", "dc", "2020-02-01", "2020-02-01T00:00:00Z",
                 RecordRetracted{uuid_from_name("test", "rename"), "wrong name"}),
      make_event("merge", "dc", "2018-09-01", "2020-01-02T00:00:00Z", merger({"b"}, "a")),
  };
}

// The dc history in one store, and a way to ask it.
class AuditCityTest : public ::testing::Test {
 protected:
  TempDir dir;
  ProjectedStore city{dir / "views"};
  Standards standards = Standards::built_in();
  TestStores stores{{&city.store()}};

  void SetUp() override { city.project(dongcheng()); }
  views::Reader reader() { return city.store(); }
  Answer get(const std::string& path, const Params& params = {}) {
    return ask(stores, standards, path, params);
  }
};

}  // namespace annals::testing
