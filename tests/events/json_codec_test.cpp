#include "events/json_codec.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <rapidcheck/gtest.h>

#include "support/arbitrary_event.h"

namespace annals {
namespace {

using nlohmann::json;

json valid_opening() {
  return json::parse(R"({
    "id": "0b6f8a52-4a8e-4d1c-9f3e-2a7b5c1d9e01", "type": "school.opened", "schema_version": 1,
    "district": "dongcheng", "effective_date": "2010-09-01", "source": "beijing-registry",
    "data": {"school_id": "dc-shijia", "name": "史家胡同小学", "stages": ["primary"],
             "kind": "regular", "ownership": "public", "location": "urban", "boarding": false}})");
}

std::vector<std::string> pointers(const Decoded& d) {
  std::vector<std::string> out;
  for (const auto& v : d.violations) out.push_back(v.pointer);
  return out;
}

RC_GTEST_PROP(JsonCodec, EveryTypeRoundTripsUnchanged, (std::uint64_t seed)) {
  for_each_payload_type([&]<class T>(std::type_identity<T>) {
    Event e = testing::arbitrary_event<T>(seed);
    Decoded d = decode_event(encode_event(e), Origin::log);
    RC_ASSERT(d.violations.empty());
    RC_ASSERT(*d.event == e);
  });
}

TEST(JsonCodec, DecodesAValidSubmission) {
  Decoded d = decode_event(valid_opening(), Origin::submission);
  ASSERT_TRUE(d.violations.empty()) << d.violations[0].pointer << d.violations[0].message;
  const auto& opened = std::get<SchoolOpened>(d.event->data);
  EXPECT_EQ(opened.name, "史家胡同小学");
  EXPECT_EQ(opened.stages, std::vector<Stage>{Stage::primary});
  EXPECT_EQ(d.event->envelope.effective_date.to_string(), "2010-09-01");
  EXPECT_FALSE(d.event->envelope.recorded_at);
}

TEST(JsonCodec, ReportsEveryViolationWithItsPointer) {
  json doc = valid_opening();
  doc["id"] = "not-a-uuid";
  doc["effective_date"] = "2010-02-30";
  doc["data"].erase("school_id");
  doc["data"]["stages"] = {"primary", "college"};
  doc["data"]["boarding"] = "no";
  doc["data"]["colour"] = "red";
  Decoded d = decode_event(doc, Origin::submission);
  EXPECT_FALSE(d.event);
  EXPECT_EQ(pointers(d),
            (std::vector<std::string>{"/id", "/effective_date", "/data/school_id", "/data/stages/1",
                                      "/data/boarding", "/data/colour"}));
}

TEST(JsonCodec, RecordedAtBelongsToThePlatform) {
  json doc = valid_opening();
  doc["recorded_at"] = "2010-09-01T00:00:00Z";
  EXPECT_EQ(pointers(decode_event(doc, Origin::submission)),
            std::vector<std::string>{"/recorded_at"});
  EXPECT_TRUE(decode_event(doc, Origin::log).event);
  doc.erase("recorded_at");
  EXPECT_EQ(pointers(decode_event(doc, Origin::log)), std::vector<std::string>{"/recorded_at"});
}

TEST(JsonCodec, RejectsUnknownTypesAndVersions) {
  json doc = valid_opening();
  doc["type"] = "school.teleported";
  EXPECT_EQ(pointers(decode_event(doc, Origin::submission)), std::vector<std::string>{"/type"});
  doc = valid_opening();
  doc["schema_version"] = 7;
  Decoded d = decode_event(doc, Origin::submission);
  ASSERT_EQ(pointers(d), std::vector<std::string>{"/schema_version"});
  EXPECT_NE(d.violations[0].message.find("supported: 1"), std::string::npos);
}

TEST(JsonCodec, RejectsGarbageWithoutThrowing) {
  for (std::string text : {std::string(""), std::string("{"), std::string("[1,2"),
                           std::string("null"), std::string("{\"id\": \"\xff\xfe\"}"),
                           std::string(R"({"data": 5})"), std::string("\"just a string\"")}) {
    Decoded d = decode_event(text, Origin::submission);
    EXPECT_FALSE(d.event) << text;
    EXPECT_FALSE(d.violations.empty()) << text;
  }
  Decoded bad_utf8 = decode_event(std::string("{\"id\": \"\xc3\x28\"}"), Origin::submission);
  ASSERT_EQ(bad_utf8.violations.size(), 1u);
  EXPECT_EQ(bad_utf8.violations[0].pointer, "");
  EXPECT_NE(bad_utf8.violations[0].message.find("UTF-8"), std::string::npos);
}

TEST(JsonCodec, AreasHaveTwoDecimalPlacesAndAmountsAreWholeFen) {
  json doc = json::parse(R"({
    "id": "0b6f8a52-4a8e-4d1c-9f3e-2a7b5c1d9e02", "type": "school.facilities_surveyed", "schema_version": 1,
    "district": "dongcheng", "effective_date": "2017-12-31", "source": "beijing-registry",
    "data": {"school_id": "dc-jingshan", "floor_area_m2": 18650.5, "sports_area_m2": 21400,
             "equipment_value_fen": 2850000000, "multimedia_classrooms": 64, "computers": 820, "books": 96000}})");
  Decoded ok = decode_event(doc, Origin::submission);
  ASSERT_TRUE(ok.event);
  EXPECT_EQ(std::get<SchoolFacilitiesSurveyed>(ok.event->data).floor_area_m2.centi, 1865050);
  doc["data"]["floor_area_m2"] = 10.005;
  doc["data"]["equipment_value_fen"] = 12.5;
  doc["data"]["books"] = -1;
  EXPECT_EQ(pointers(decode_event(doc, Origin::submission)),
            (std::vector<std::string>{"/data/floor_area_m2", "/data/equipment_value_fen",
                                      "/data/books"}));
}

TEST(JsonCodec, UpcastsTeacherTransferredVersion1) {
  json doc = json::parse(R"({
    "id": "0b6f8a52-4a8e-4d1c-9f3e-2a7b5c1d9e03", "type": "teacher.transferred", "schema_version": 1,
    "district": "dongcheng", "effective_date": "2013-09-01", "source": "beijing-personnel",
    "data": {"teacher_id": "t-1", "from_school_id": "dc-a", "to_school_id": "dc-b"}})");
  Decoded d = decode_event(doc, Origin::submission);
  ASSERT_TRUE(d.event);
  const auto& t = std::get<TeacherTransferred>(d.event->data);
  EXPECT_EQ(t.kind, TransferKind::permanent);
  EXPECT_TRUE(t.post_moves);
  EXPECT_FALSE(t.end_date);
  EXPECT_EQ(d.event->envelope.schema_version, 2);
  // Fields of version 2 are not fields of version 1.
  doc["data"]["kind"] = "rotation";
  EXPECT_EQ(pointers(decode_event(doc, Origin::submission)),
            std::vector<std::string>{"/data/kind"});
}

TEST(JsonCodec, TextIsCountedInCharactersNotBytes) {
  json doc = valid_opening();
  std::string name;
  for (int i = 0; i < 200; ++i) name += "学";  // 200 characters, 600 bytes
  doc["data"]["name"] = name;
  EXPECT_TRUE(decode_event(doc, Origin::submission).event);
  doc["data"]["name"] = name + "校";
  EXPECT_EQ(pointers(decode_event(doc, Origin::submission)),
            std::vector<std::string>{"/data/name"});
}

TEST(JsonCodec, NullIsNotAbsenceAndWholeFloatsAreIntegers) {
  json doc = valid_opening();
  doc["correlation_id"] = nullptr;
  EXPECT_EQ(pointers(decode_event(doc, Origin::submission)),
            std::vector<std::string>{"/correlation_id"});
  doc = valid_opening();
  doc["schema_version"] = 1.0;
  EXPECT_TRUE(decode_event(doc, Origin::submission).event);
  doc["schema_version"] = 1.5;
  EXPECT_EQ(pointers(decode_event(doc, Origin::submission)),
            std::vector<std::string>{"/schema_version"});
  doc = valid_opening();
  doc["recorded_at"] = nullptr;  // a logged event must say when it was recorded
  EXPECT_EQ(pointers(decode_event(doc, Origin::log)), std::vector<std::string>{"/recorded_at"});
}

}  // namespace
}  // namespace annals
