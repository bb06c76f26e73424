// The contract's bounds (events/bounds.h, events/json_documents.h): each class of hostile
// input the publishing services and the projector meet gets a precise violation, never a
// crash, an overflow or an answer larger than the question.
#include "events/bounds.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/csv_codec.h"
#include "events/json_codec.h"
#include "events/json_documents.h"

namespace annals {
namespace {

using nlohmann::json;

json opening() {
  return json::parse(R"({
    "id": "0b6f8a52-4a8e-4d1c-9f3e-2a7b5c1d9e01", "type": "school.opened", "schema_version": 1,
    "district": "dongcheng", "effective_date": "2010-09-01", "source": "beijing-registry",
    "data": {"school_id": "dc-shijia", "name": "史家胡同小学", "stages": ["primary"],
             "kind": "regular", "ownership": "public", "location": "urban", "boarding": false}})");
}

json allocation(json amount) {
  return {{"id", "0b6f8a52-4a8e-4d1c-9f3e-2a7b5c1d9e02"},
          {"type", "funding.allocated"},
          {"schema_version", 1},
          {"district", "dongcheng"},
          {"effective_date", "2019-03-01"},
          {"source", "finance"},
          {"data",
           {{"school_id", "dc-shijia"},
            {"category", "per_student_operating"},
            {"amount_fen", amount},
            {"fiscal_year", 2019},
            {"funding_source", "city"}}}};
}

// The single violation of `doc`, as "pointer: message".
std::string only_violation(const json& doc) {
  Decoded d = decode_event(doc, Origin::submission);
  if (d.violations.size() != 1) return "violations: " + std::to_string(d.violations.size());
  return d.violations[0].pointer + ": " + d.violations[0].message;
}

TEST(Bounds, ADocumentNestedHalfAMillionLevelsIsAViolationNotACrash) {
  std::string deep = std::string(500000, '[') + std::string(500000, ']');
  std::string text = opening().dump();
  text.insert(text.rfind('}'), ",\"x\":" + deep);
  Decoded d = decode_event(std::string_view(text), Origin::log);
  ASSERT_EQ(d.violations.size(), 1u);
  EXPECT_EQ(d.violations[0].pointer, "");
  EXPECT_NE(d.violations[0].message.find("nested deeper than 16"), std::string::npos);
}

TEST(Bounds, AWholeFloatSchemaVersionIsTheVersionItNames) {
  json doc = opening();
  doc["schema_version"] = 2.0;
  EXPECT_EQ(only_violation(doc),
            "/schema_version: unsupported version of school.opened; supported: 1");
  doc["schema_version"] = 7.0;
  EXPECT_EQ(only_violation(doc),
            "/schema_version: unsupported version of school.opened; supported: 1");
  doc["schema_version"] = 1.0;
  EXPECT_TRUE(decode_event(doc, Origin::submission).violations.empty());
}

TEST(Bounds, MoneyHasARealisticMaximum) {
  EXPECT_EQ(only_violation(allocation(INT64_MAX)),
            "/data/amount_fen: must be at most 1000000000000");
  EXPECT_EQ(only_violation(allocation(kMaxAllocationFen + 1)),
            "/data/amount_fen: must be at most 1000000000000");
  EXPECT_TRUE(decode_event(allocation(kMaxAllocationFen), Origin::submission).violations.empty());
  EXPECT_EQ(only_violation(allocation(1e300)), "/data/amount_fen: must be an integer");
}

TEST(Bounds, DatesLieInTheRecordsWindow) {
  for (const char* d : {"0000-01-01", "0001-01-01", "1899-12-31", "9999-12-31", "2100-01-01"}) {
    json doc = opening();
    doc["effective_date"] = d;
    std::string v = only_violation(doc);
    EXPECT_TRUE(v == "/effective_date: must be between 1900-01-01 and 2099-12-31" ||
                v == "/effective_date: must be a real calendar date YYYY-MM-DD")
        << d << ": " << v;
  }
  json doc = opening();
  doc["effective_date"] = "1939-09-01";  // 史家胡同小学 was founded in 1939
  EXPECT_TRUE(decode_event(doc, Origin::submission).violations.empty());
  doc["source_recorded_at"] = "9999-12-31T00:00:00Z";
  EXPECT_EQ(only_violation(doc), "/source_recorded_at: must be between 1900-01-01 and 2099-12-31");
}

TEST(Bounds, FreeTextRefusesControlAndBidiOverrideCharacters) {
  const std::pair<std::string, std::string> cases[] = {{std::string("a\0b", 3), "U+0000"},
                                                       {"\x1b[31mred", "U+001B"},
                                                       {"tab\there", "U+0009"},
                                                       {"x\xc2\x85y", "U+0085"},
                                                       {"\xe2\x80\xae"
                                                        "evil",
                                                        "U+202E"},
                                                       {"\xe2\x81\xa6"
                                                        "iso",
                                                        "U+2066"},
                                                       {"\xd8\x9c", "U+061C"}};
  for (const auto& [text, code] : cases) {
    json doc = opening();
    doc["data"]["name"] = text;
    EXPECT_EQ(
        only_violation(doc),
        "/data/name: must not contain control or bidirectional-override characters (" + code + ")");
  }
}

TEST(Bounds, UnknownKeysAreCountedNotEchoedWhole) {
  json doc = opening();
  for (int i = 0; i < 100000; ++i) doc["data"][std::string(300, 'k') + std::to_string(i)] = i;
  Decoded d = decode_event(doc, Origin::submission);
  EXPECT_EQ(d.violations.size(), kMaxViolations);
  EXPECT_EQ(d.omitted, 100000 - kMaxViolations);
  for (const auto& v : d.violations) EXPECT_LE(v.pointer.size(), 6 + 64 + 3u) << v.pointer;
  json bad = opening();
  bad["type"] = std::string(100000, 'z') + "\x1b";
  EXPECT_LE(only_violation(bad).size(), 120u);
}

TEST(Bounds, ExcerptEscapesAndTruncates) {
  EXPECT_EQ(excerpt("a\x1b"
                    "b"),
            "a\\u001Bb");
  EXPECT_EQ(excerpt(std::string(70, 'x')), std::string(64, 'x') + "...");
  EXPECT_EQ(excerpt("史家"), "史家");
}

TEST(Csv, AFormulaLikeCellIsWrittenAsTextAndReadBackAsItWas) {
  EXPECT_EQ(csv_cell("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(csv_cell("+86 10"), "'+86 10");
  EXPECT_EQ(csv_cell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_cell("-12.5"), "-12.5");  // a number stays a number
  EXPECT_EQ(csv_cell("史家胡同小学"), "史家胡同小学");
  std::vector<std::string> header{
      "id", "type", "schema_version", "district", "effective_date", "source", "school_id", "name"};
  std::vector<std::string> row;
  ASSERT_TRUE(split_csv_line(
      "0b6f8a52-4a8e-4d1c-9f3e-2a7b5c1d9e01,school.renamed,1,dongcheng,2019-09-01,registry,s1," +
          csv_cell("=1+1"),
      row));
  std::vector<Violation> violations;
  json doc = csv_row_to_json(header, row, violations);
  EXPECT_TRUE(violations.empty());
  EXPECT_EQ(doc["data"]["name"], "=1+1");
}

TEST(Documents, TooManyEventsAreRefusedBeforeAnyIsParsed) {
  std::string body = "[";
  for (int i = 0; i < 11; ++i) body += (i ? ",{}" : "{}");
  body += "]";
  auto r = split_documents(body, false, DocumentLimits{.max_documents = 10});
  ASSERT_TRUE(std::holds_alternative<DocumentsError>(r));
  EXPECT_EQ(std::get<DocumentsError>(r).status, 413);
  std::string ndjson;
  for (int i = 0; i < 11; ++i) ndjson += "{}\n\n";
  r = split_documents(ndjson, true, DocumentLimits{.max_documents = 10});
  ASSERT_TRUE(std::holds_alternative<DocumentsError>(r));
  EXPECT_EQ(std::get<DocumentsError>(r).status, 413);
  r = split_documents(ndjson, true, DocumentLimits{.max_documents = 11});
  ASSERT_TRUE(std::holds_alternative<Documents>(r));
  EXPECT_EQ(std::get<Documents>(r).documents.size(), 11u);
}

TEST(Documents, DepthIsCheckedOnTheRawBytes) {
  std::string deep = std::string(17, '[') + std::string(17, ']');
  auto r = split_documents("{\"a\":" + deep + "}", false);
  ASSERT_TRUE(std::holds_alternative<DocumentsError>(r));
  EXPECT_EQ(std::get<DocumentsError>(r).status, 400);
  // Brackets inside strings are text, not nesting.
  r = split_documents("{\"a\":\"" + std::string(1000, '[') + "\\\"]\"}", false);
  ASSERT_TRUE(std::holds_alternative<Documents>(r));
  // A batch adds one level: what passes alone passes in an array too.
  std::string fifteen = std::string(15, '[') + std::string(15, ']');
  EXPECT_TRUE(std::holds_alternative<Documents>(split_documents("{\"a\":" + fifteen + "}", false)));
  EXPECT_TRUE(
      std::holds_alternative<Documents>(split_documents("[{\"a\":" + fifteen + "}]", false)));
  // In NDJSON only the deep line is refused, with its reason.
  r = split_documents("{\"ok\":1}\n{\"a\":" + deep + "}\nnot json\n", true);
  ASSERT_TRUE(std::holds_alternative<Documents>(r));
  const auto& docs = std::get<Documents>(r);
  ASSERT_EQ(docs.documents.size(), 3u);
  EXPECT_FALSE(docs.documents[0].is_discarded());
  EXPECT_TRUE(docs.documents[1].is_discarded());
  EXPECT_NE(docs.errors[1].find("nested deeper"), std::string::npos);
  EXPECT_TRUE(docs.documents[2].is_discarded());
  EXPECT_NE(docs.errors[2].find("not valid JSON"), std::string::npos);
}

TEST(Documents, ANulByteIsNotTheEndOfTheBody) {
  std::string error;
  EXPECT_TRUE(parse_bounded(std::string_view("[]\0[[[", 6), 16, error).is_discarded());
  EXPECT_EQ(error, "not valid JSON: a NUL byte at offset 2");
}

TEST(Bounds, EveryInstantACorruptStoreCouldHoldCanBeWritten) {
  EXPECT_EQ(Timestamp{-1}.to_string(), "1969-12-31T23:59:59.999999Z");
  EXPECT_FALSE(Timestamp{INT64_MIN}.to_string().empty());  // no signed overflow (UBSan)
}

TEST(Documents, EmptyAndMalformedBodies) {
  for (std::string_view body : {"[]", "", "   ", "[1,", "{\"a\":"}) {
    auto r = split_documents(body, false);
    ASSERT_TRUE(std::holds_alternative<DocumentsError>(r)) << body;
    EXPECT_EQ(std::get<DocumentsError>(r).status, 400) << body;
  }
  auto r = split_documents("\n \n", true);
  ASSERT_TRUE(std::holds_alternative<DocumentsError>(r));
  EXPECT_EQ(std::get<DocumentsError>(r).message, "the batch is empty");
}

TEST(Documents, AParseErrorQuotesABoundedExcerpt) {
  std::string body = "{\"id\": \"" + std::string(1 << 20, 'q') + "\x01\"}";
  auto r = split_documents(body, false);
  ASSERT_TRUE(std::holds_alternative<DocumentsError>(r));
  EXPECT_LE(std::get<DocumentsError>(r).message.size(), 240u);
}

}  // namespace
}  // namespace annals
