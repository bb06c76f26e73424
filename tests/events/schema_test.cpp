// The published contract (schemas/) and the C++ types cannot drift apart: the committed
// schemas are exactly what the types generate, every example validates against its schema
// with an independent validator (valijson) and decodes in C++, and what C++ writes
// validates too.
#include "events/schema.h"

#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "events/json_codec.h"
#include "support/arbitrary_event.h"

namespace annals {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSchemas = fs::path(ANNALS_SOURCE_DIR) / "schemas";

json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

// Validates with valijson; returns the failing JSON pointers (deepest first as valijson
// reports them, deduplicated).
class SchemaValidator {
 public:
  explicit SchemaValidator(const json& schema_doc) : doc_(schema_doc) {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(doc_);
    parser.populateSchema(adapter, schema_);
  }
  std::set<std::string> failures(const json& doc) const {
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(doc);
    std::set<std::string> out;
    if (validator.validate(schema_, target, &results)) return out;
    valijson::ValidationResults::Error e;
    while (results.popError(e)) {
      std::string pointer;
      for (std::size_t i = 1; i < e.context.size(); ++i) {  // context[0] is "<root>"
        std::string c = e.context[i];
        if (c.size() >= 2 && c.front() == '[' && c.back() == ']') c = c.substr(1, c.size() - 2);
        if (c.size() >= 2 && c.front() == '"' && c.back() == '"') c = c.substr(1, c.size() - 2);
        pointer += "/" + c;
      }
      out.insert(pointer);
    }
    return out;
  }

 private:
  json doc_;
  valijson::Schema schema_;
};

TEST(Schemas, CommittedSchemasAreExactlyWhatTheTypesGenerate) {
  std::set<std::string> generated;
  for (const auto& doc : all_schemas()) {
    generated.insert(doc.path());
    fs::path p = kSchemas / doc.path();
    ASSERT_TRUE(fs::exists(p)) << p << " is missing: run `annals schemas write schemas`";
    EXPECT_EQ(read_json(p), doc.schema)
        << p << " differs from the C++ type: run `annals schemas write schemas`";
  }
  for (const auto& entry : fs::recursive_directory_iterator(kSchemas)) {
    std::string rel = fs::relative(entry.path(), kSchemas).string();
    if (rel.ends_with(".schema.json")) {
      EXPECT_TRUE(generated.count(rel)) << rel << " has no C++ type";
    }
  }
  EXPECT_EQ(generated.size(), 34u);
}

TEST(Schemas, EveryExampleValidatesAndDecodes) {
  for (const auto& doc : all_schemas()) {
    fs::path example = kSchemas / doc.type / ("v" + std::to_string(doc.version) + ".example.json");
    ASSERT_TRUE(fs::exists(example)) << example;
    json payload = read_json(example);
    SchemaValidator validator(doc.schema);
    EXPECT_EQ(validator.failures(payload), std::set<std::string>{}) << example;
    Decoded decoded = decode_event(payload, Origin::submission);
    EXPECT_TRUE(decoded.violations.empty())
        << example << ": " << decoded.violations[0].pointer << " " << decoded.violations[0].message;
    if (decoded.event) {
      EXPECT_EQ(std::string(type_name(decoded.event->data)), doc.type);
      // A version-1 example comes back as the current version of its type.
      EXPECT_EQ(decoded.event->envelope.schema_version, current_version(doc.type));
    }
  }
}

// A publishing service stages the event it checked instead of decoding the record it wrote
// (services/publisher/publishing_request.cpp): the record's decoding must be that event, for
// every example at every version, and for arbitrary events of every type.
TEST(Schemas, ALoggedSubmissionDecodesToTheEventChecked) {
  for (const auto& doc : all_schemas()) {
    json payload =
        read_json(kSchemas / doc.type / ("v" + std::to_string(doc.version) + ".example.json"));
    Decoded submitted = decode_event(payload, Origin::submission);
    ASSERT_TRUE(submitted.event) << doc.type << " v" << doc.version;
    Event checked = *submitted.event;
    std::string record = logged_record(payload, checked, Timestamp{1'700'000'000'123'456});
    Decoded logged = decode_event(record, Origin::log);
    ASSERT_TRUE(logged.event) << record;
    EXPECT_EQ(*logged.event, checked) << record;
    EXPECT_EQ(json::parse(record).at("schema_version"), payload.at("schema_version")) << record;
  }
}

RC_GTEST_PROP(Schemas, AnyLoggedSubmissionDecodesToTheEventChecked, (std::uint64_t seed)) {
  // Any instant the platform could stamp: within the contract's bounds (events/bounds.h),
  // 1970 to the end of 2099.
  const auto micros = *rc::gen::inRange<std::int64_t>(0, 4'102'444'800'000'000);
  for_each_payload_type([&]<class T>(std::type_identity<T>) {
    json payload = event_to_json(testing::arbitrary_event<T>(seed));
    payload.erase("recorded_at");
    Decoded submitted = decode_event(payload, Origin::submission);
    RC_ASSERT(submitted.event.has_value());
    Event checked = *submitted.event;
    std::string record = logged_record(payload, checked, Timestamp{micros});
    Decoded logged = decode_event(record, Origin::log);
    RC_ASSERT(logged.event.has_value());
    RC_ASSERT(*logged.event == checked);
  });
}

RC_GTEST_PROP(Schemas, WhatCppWritesValidatesAgainstTheCurrentSchema, (std::uint64_t seed)) {
  static const auto documents = all_schemas();
  for_each_payload_type([&]<class T>(std::type_identity<T>) {
    const SchemaDocument* doc = nullptr;
    for (const auto& d : documents)
      if (d.type == T::kType && d.current) doc = &d;
    RC_ASSERT(doc != nullptr);
    SchemaValidator validator(doc->schema);
    json written = event_to_json(testing::arbitrary_event<T>(seed));
    auto failures = validator.failures(written);
    RC_ASSERT(failures.empty());
  });
}

TEST(Schemas, ValijsonAndCppRejectTheSameFields) {
  json doc = read_json(kSchemas / "school.opened" / "v1.example.json");
  doc["id"] = "nope";
  doc["data"].erase("name");
  doc["data"]["stages"] = {"primary", "university"};
  doc["data"]["ownership"] = 3;
  doc["data"]["extra"] = true;
  SchemaDocument schema;
  for (auto& d : all_schemas())
    if (d.type == "school.opened") schema = d;
  std::set<std::string> cpp;
  for (const auto& v : decode_event(doc, Origin::submission).violations) cpp.insert(v.pointer);
  EXPECT_EQ(cpp, (std::set<std::string>{"/id", "/data/name", "/data/stages/1", "/data/ownership",
                                        "/data/extra"}));
  // valijson reports the offending object for required and additional properties.
  auto vj = SchemaValidator(schema.schema).failures(doc);
  for (const char* p : {"/id", "/data/stages/1", "/data/ownership", "/data"})
    EXPECT_TRUE(vj.count(p)) << p;
}

}  // namespace
}  // namespace annals
