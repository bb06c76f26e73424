// JsonWriter: writes a JSON answer straight into its text, for answers too large to build as
// a document first (a Beijing-scale district's state: hundreds of schools, each with its
// figures; building them as nlohmann::json and then dumping it was half of the answer's cost).
// The text of every value is nlohmann::json's own (numbers and strings that need escaping go
// through its serializer, invalid UTF-8 replaced as reply_json does), so a writer and a
// document give the same value; only the order of an object's keys is the writer's caller's.
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace annals {

class JsonWriter {
 public:
  // Containers. begin_* writes a value: at the top, as an array's element, or after key().
  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  // The next member's name, inside an object; its value comes next.
  JsonWriter& key(std::string_view name);

  // Scalars and documents, as values (same places as begin_*).
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  template <std::integral N>
  requires(!std::same_as<N, bool>) JsonWriter& value(N n) {
    separate();
    char text[24];
    out_.append(text, std::to_chars(text, text + sizeof text, n).ptr);
    return *this;
  }
  JsonWriter& value(double x);
  JsonWriter& value(bool b);
  JsonWriter& value(const nlohmann::json& document);
  JsonWriter& null();

  // key(name) then value(v).
  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    return key(name).value(v);
  }

  // The text written so far; the writer is empty afterwards. The caller has closed every
  // container it began.
  std::string take();

 private:
  void separate();  // a comma before every element but the first of its container
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace annals
