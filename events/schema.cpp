#include "events/schema.h"

#include "events/event.h"
#include "events/identifier.h"

namespace annals {
namespace {

using nlohmann::json;

json rule_schema(json s, const Rule& rule) {
  if (rule.doc && *rule.doc) s["description"] = rule.doc;
  return s;
}

template <class T>
json schema_of(const Rule& rule);

template <class T>
json object_schema() {
  json props = json::object();
  json required = json::array();
  auto visit = [&](const char* name, const auto& member, const Rule& rule) {
    using M = std::decay_t<decltype(member)>;
    if constexpr (is_optional<M>::value) {
      props[name] = schema_of<typename M::value_type>(rule);
    } else {
      props[name] = schema_of<M>(rule);
      required.push_back(name);
    }
  };
  T probe{};
  T::fields(probe, visit);
  json s = {{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
  if (!required.empty()) s["required"] = required;
  return s;
}

template <class T>
json schema_of(const Rule& rule) {
  json s;
  if constexpr (std::is_same_v<T, std::string>) {
    if (rule.uuid) s = {{"type", "string"}, {"pattern", kUuidPattern}};
    else if (rule.id) s = {{"type", "string"}, {"pattern", kIdentifierPattern}};
    else
      s = {{"type", "string"},
           {"minLength", 1},
           {"maxLength", kMaxTextChars},
           {"pattern", kFreeTextPattern}};
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    s = {{"type", "integer"}};
    s["minimum"] = rule.min.value_or(INT64_MIN);
    s["maximum"] = rule.max.value_or(INT64_MAX);
  } else if constexpr (std::is_same_v<T, bool>) {
    s = {{"type", "boolean"}};
  } else if constexpr (std::is_same_v<T, Date>) {
    // The record's window (events/bounds.h), 1900-2099, as a pattern on the year.
    s = {{"type", "string"},
         {"format", "date"},
         {"pattern", "^(19[0-9]{2}|20[0-9]{2})-[0-9]{2}-[0-9]{2}$"}};
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    s = {{"type", "string"},
         {"format", "date-time"},
         {"pattern",
          "^(19[0-9]{2}|20[0-9]{2})-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(["
          "Zz]|[+-][0-9]{2}:[0-9]{2})$"}};
  } else if constexpr (std::is_same_v<T, Area>) {
    // No "multipleOf": 0.01: binary floating point makes validators disagree about it. The
    // platform checks the two decimal places and reports the field's pointer.
    s = {{"type", "number"},
         {"minimum", 0},
         {"maximum", kMaxAreaCenti / 100},
         {"$comment", "square metres with at most two decimal places"}};
  } else if constexpr (NamedEnum<T>) {
    json names = json::array();
    for (std::string_view n : EnumNames<T>::names) names.push_back(n);
    s = {{"type", "string"}, {"enum", names}};
  } else if constexpr (is_vector<T>::value) {
    Rule item_rule = rule;
    item_rule.doc = "";
    s = {{"type", "array"},
         {"items", schema_of<typename T::value_type>(item_rule)},
         {"maxItems", 1000},
         {"uniqueItems", !Described<typename T::value_type>}};
    if (rule.min_one) s["minItems"] = 1;
  } else {
    static_assert(Described<T>);
    s = object_schema<T>();
  }
  return rule_schema(s, rule);
}

template <class T>
SchemaDocument document(bool current) {
  json s = object_schema<Envelope>();
  s["$schema"] = "http://json-schema.org/draft-07/schema#";
  s["$id"] = std::string("https://annals.example/schemas/") + T::kType + "/v" +
             std::to_string(T::kVersion) + ".schema.json";
  s["title"] = std::string(T::kType) + " v" + std::to_string(T::kVersion);
  s["description"] = std::string("An Annals event of type ") + T::kType + " published by the " +
                     std::string(to_string(T::kSystem)) +
                     " system. recorded_at is set by the platform: producers omit it.";
  s["properties"]["type"] = {{"const", T::kType}};
  s["properties"]["schema_version"] = {{"const", T::kVersion}};
  s["properties"]["data"] = object_schema<T>();
  for (const char* r : {"type", "data"}) s["required"].push_back(r);
  // Keys of a json object are sorted, so the document is canonical as it stands.
  return SchemaDocument{T::kType, T::kVersion, current, std::move(s)};
}

}  // namespace

std::string SchemaDocument::path() const {
  return type + "/v" + std::to_string(version) + ".schema.json";
}

std::vector<SchemaDocument> all_schemas() {
  std::vector<SchemaDocument> out;
  for_each_payload_type([&]<class T>(std::type_identity<T>) {
    if constexpr (HasPrevious<T>) out.push_back(document<typename T::Previous>(false));
    out.push_back(document<T>(true));
  });
  return out;
}

}  // namespace annals
