// JsonWriter writes the text nlohmann::json dumps for the same value: every random document,
// walked with the writer, reads back byte for byte as reply_json would have sent it.
#include "services/http/json_writer.h"

#include <bit>
#include <random>

#include <gtest/gtest.h>

namespace annals {
namespace {

using nlohmann::json;

// A random document of depth at most `depth`, with the strings and numbers that need care:
// quotes, backslashes, control characters, Chinese, invalid UTF-8, fractions, extremes,
// doubles of every bit pattern (NaN and infinities are written null, as dump() writes them).
json random_document(std::mt19937_64& rng, int depth) {
  static const std::string strings[] = {
      "",       "plain",        "say \"hi\"",     "back\\slash", "tab\tnew\nline", "\x01\x1f",
      "东城区", "第一实验小学", "bad \xff utf-8", "\xe4\xb8",    "/slash"};
  static const double doubles[] = {0.0, 1234.56, 100.0, -0.5, 1e21, 1.0 / 3, 5e-324, -7.25e-5};
  int kind = int(rng() % (depth > 0 ? 8 : 6));
  switch (kind) {
    case 0: return json(strings[rng() % std::size(strings)]);
    case 1: return json(std::int64_t(rng()));
    case 2: {
      if (rng() % 3 == 0) return json(doubles[rng() % std::size(doubles)]);
      if (rng() % 2 == 0) return json(double(std::int64_t(rng() % 2000000) - 1000000) / 100);
      double x = std::bit_cast<double>(rng());  // any bit pattern: NaN and infinities too
      return json(x);
    }
    case 3: return json(rng() % 2 == 0);
    case 4: return json(nullptr);
    case 5: return json(int(rng() % 100) - 50);
    case 6: {
      json a = json::array();
      for (int n = int(rng() % 4); n > 0; --n) a.push_back(random_document(rng, depth - 1));
      return a;
    }
    default: {
      json o = json::object();
      for (int n = int(rng() % 4); n > 0; --n)
        o[strings[rng() % std::size(strings)]] = random_document(rng, depth - 1);
      return o;
    }
  }
}

// Writes `j` with the writer's own calls (not value(json)) wherever it can.
void walk(JsonWriter& out, const json& j) {
  switch (j.type()) {
    case json::value_t::object:
      out.begin_object();
      for (const auto& [k, v] : j.items()) walk(out.key(k), v);
      out.end_object();
      break;
    case json::value_t::array:
      out.begin_array();
      for (const auto& v : j) walk(out, v);
      out.end_array();
      break;
    case json::value_t::string: out.value(j.get<std::string>()); break;
    case json::value_t::number_integer: out.value(j.get<std::int64_t>()); break;
    case json::value_t::number_unsigned: out.value(j.get<std::uint64_t>()); break;
    case json::value_t::number_float: out.value(j.get<double>()); break;
    case json::value_t::boolean: out.value(j.get<bool>()); break;
    default: out.null();
  }
}

TEST(JsonWriter, WritesWhatADocumentDumps) {
  std::mt19937_64 rng(14);
  for (int i = 0; i < 2000; ++i) {
    json doc = random_document(rng, 4);
    JsonWriter out;
    walk(out, doc);
    std::string text = out.take();
    EXPECT_EQ(text, doc.dump(-1, ' ', false, json::error_handler_t::replace));
    JsonWriter whole;
    whole.value(doc);
    EXPECT_EQ(whole.take(), text);
  }
}

TEST(JsonWriter, FieldsCommasAndAFreshStartAfterTake) {
  JsonWriter out;
  out.begin_object().field("a", 1).field("b", "x").key("c").begin_array();
  out.value(true).null().value(2.5).begin_object().end_object().end_array().end_object();
  EXPECT_EQ(out.take(), R"({"a":1,"b":"x","c":[true,null,2.5,{}]})");
  out.begin_array().value(std::size_t(3)).end_array();
  EXPECT_EQ(out.take(), "[3]");
}

}  // namespace
}  // namespace annals
