#include "events/json_codec.h"

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "events/bounds.h"
#include "events/identifier.h"
#include "events/json_documents.h"

namespace annals {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxItems = 1000;

// Reads a value into `v`; records violations at `ptr`; returns false when it did not.
class Reader {
 public:
  Reader(std::vector<Violation>& out, std::size_t& omitted) : out_(out), omitted_(omitted) {}

  // Records a violation; past kMaxViolations only counts it (a body of a million unknown
  // keys must not become an answer of a million violations).
  bool fail(const std::string& ptr, std::string msg) {
    if (out_.size() < kMaxViolations) out_.push_back({ptr, std::move(msg)});
    else ++omitted_;
    return false;
  }
  std::size_t count() const { return out_.size() + omitted_; }

  bool read(const json& j, std::string& v, const std::string& ptr, const Rule& rule) {
    if (!j.is_string()) return fail(ptr, "must be a string");
    const auto& s = j.get_ref<const std::string&>();
    if (rule.uuid) {
      if (!is_uuid(s)) return fail(ptr, "must be a UUID (8-4-4-4-12 hexadecimal digits)");
    } else if (rule.id) {
      if (!is_identifier(s))
        return fail(
            ptr,
            "must be an identifier: 1-64 of A-Z a-z 0-9 . _ : - starting with a letter or digit");
    } else if (s.empty()) {
      return fail(ptr, "must not be empty");
    } else if (code_points(s) > kMaxTextChars) {
      return fail(ptr, "must be at most " + std::to_string(kMaxTextChars) + " characters");
    } else if (auto bad = first_forbidden_char(s)) {
      return fail(ptr,
                  "must not contain control or bidirectional-override characters (" + *bad + ")");
    }
    v = s;
    return true;
  }

  bool read(const json& j, std::int64_t& v, const std::string& ptr, const Rule& rule) {
    if (j.is_number_unsigned()) {
      if (j.get<std::uint64_t>() > std::uint64_t(INT64_MAX)) return fail(ptr, "is too large");
      v = std::int64_t(j.get<std::uint64_t>());
    } else if (j.is_number_integer()) {
      v = j.get<std::int64_t>();
    } else if (j.is_number_float() && std::trunc(j.get<double>()) == j.get<double>() &&
               std::fabs(j.get<double>()) < 9.007199254740992e15) {
      v = std::int64_t(j.get<double>());  // 3.0 is the integer 3, as JSON Schema says
    } else {
      return fail(ptr, "must be an integer");
    }
    if (rule.min && v < *rule.min)
      return fail(ptr, "must be at least " + std::to_string(*rule.min));
    if (rule.max && v > *rule.max) return fail(ptr, "must be at most " + std::to_string(*rule.max));
    return true;
  }

  bool read(const json& j, bool& v, const std::string& ptr, const Rule&) {
    if (!j.is_boolean()) return fail(ptr, "must be true or false");
    v = j.get<bool>();
    return true;
  }

  bool read(const json& j, Date& v, const std::string& ptr, const Rule&) {
    if (!j.is_string()) return fail(ptr, "must be a date string YYYY-MM-DD");
    auto d = Date::parse(j.get_ref<const std::string&>());
    if (!d) return fail(ptr, "must be a real calendar date YYYY-MM-DD");
    if (!in_record_window(*d)) return fail(ptr, kWindowMessage);
    v = *d;
    return true;
  }

  bool read(const json& j, Timestamp& v, const std::string& ptr, const Rule&) {
    if (!j.is_string()) return fail(ptr, "must be an RFC 3339 timestamp string");
    auto t = Timestamp::parse(j.get_ref<const std::string&>());
    if (!t) return fail(ptr, "must be an RFC 3339 timestamp such as 2019-09-01T08:00:00Z");
    if (!in_record_window(*t)) return fail(ptr, kWindowMessage);
    v = *t;
    return true;
  }

  bool read(const json& j, Area& v, const std::string& ptr, const Rule&) {
    if (!j.is_number()) return fail(ptr, "must be a number of square metres");
    double d = j.get<double>();
    if (!(d >= 0) || d > double(kMaxAreaCenti) / 100)
      return fail(ptr, "must be between 0 and " + std::to_string(kMaxAreaCenti / 100) + " m²");
    double c = std::round(d * 100);
    if (std::fabs(d * 100 - c) > 1e-6) return fail(ptr, "must have at most two decimal places");
    v.centi = std::int64_t(c);
    return true;
  }

  template <NamedEnum E>
  bool read(const json& j, E& v, const std::string& ptr, const Rule&) {
    std::optional<E> e;
    if (j.is_string()) e = enum_from_string<E>(j.get_ref<const std::string&>());
    if (!e) {
      std::string msg = "must be one of";
      for (std::string_view n : EnumNames<E>::names) msg.append(" ").append(n);
      return fail(ptr, msg);
    }
    v = *e;
    return true;
  }

  template <class T>
  bool read(const json& j, std::vector<T>& v, const std::string& ptr, const Rule& rule) {
    if (!j.is_array()) return fail(ptr, "must be an array");
    if (rule.min_one && j.empty()) return fail(ptr, "must have at least one item");
    if (j.size() > kMaxItems) return fail(ptr, "must have at most 1000 items");
    v.clear();
    bool ok = true;
    for (std::size_t i = 0; i < j.size(); ++i) {
      T item{};
      if (read(j[i], item, ptr + "/" + std::to_string(i), rule)) v.push_back(std::move(item));
      else ok = false;
    }
    if constexpr (!Described<T>) {
      std::set<T> distinct(v.begin(), v.end());
      if (ok && distinct.size() != v.size()) return fail(ptr, "must not repeat an item");
    }
    return ok;
  }

  template <Described T>
  bool read(const json& j, T& v, const std::string& ptr, const Rule&) {
    if (!j.is_object()) return fail(ptr, "must be an object");
    std::size_t before = out_.size();
    read_fields(j, v, ptr, {});
    return out_.size() == before;
  }

  // Reads every field of `v` from object `j`; keys in `also_known` are not reported unknown.
  template <Described T>
  void read_fields(const json& j, T& v, const std::string& ptr,
                   std::initializer_list<std::string_view> also_known) {
    std::set<std::string, std::less<>> known(also_known.begin(), also_known.end());
    auto visit = [&](const char* name, auto& member, const Rule& rule) {
      known.insert(name);
      using M = std::decay_t<decltype(member)>;
      std::string at = ptr + "/" + name;
      auto it = j.find(name);
      if constexpr (is_optional<M>::value) {
        member.reset();
        if (it == j.end()) return;
        if (it->is_null()) {
          fail(at, "must not be null; leave the field out instead");
          return;
        }
        typename M::value_type value{};
        if (read(*it, value, at, rule)) member = std::move(value);
      } else {
        if (it == j.end()) {
          fail(at, "is required");
          return;
        }
        read(*it, member, at, rule);
      }
    };
    T::fields(v, visit);
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!known.count(it.key()))
        fail(ptr + "/" + escape_pointer(excerpt(it.key())), "is not a field of this type");
  }

  static std::string escape_pointer(const std::string& key) {
    std::string out;
    for (char c : key) {
      if (c == '~') out += "~0";
      else if (c == '/') out += "~1";
      else out += c;
    }
    return out;
  }

 private:
  std::vector<Violation>& out_;
  std::size_t& omitted_;
};

// Writing: the inverse of Reader.
void put(json& out, const std::string& v) { out = v; }
void put(json& out, std::int64_t v) { out = v; }
void put(json& out, bool v) { out = v; }
void put(json& out, const Date& v) { out = v.to_string(); }
void put(json& out, const Timestamp& v) { out = v.to_string(); }
void put(json& out, const Area& v) {
  if (v.centi % 100 == 0) out = v.centi / 100;
  else out = double(v.centi) / 100.0;
}
template <NamedEnum E>
void put(json& out, E v) {
  out = std::string(to_string(v));
}
template <class T>
void put(json& out, const std::vector<T>& v);
template <Described T>
void put(json& out, const T& v) {
  out = json::object();
  auto visit = [&](const char* name, const auto& member, const Rule&) {
    using M = std::decay_t<decltype(member)>;
    if constexpr (is_optional<M>::value) {
      if (member) put(out[name], *member);
    } else {
      put(out[name], member);
    }
  };
  T::fields(v, visit);
}
template <class T>
void put(json& out, const std::vector<T>& v) {
  out = json::array();
  for (const auto& item : v) put(out.emplace_back(), item);
}

// Decodes `data` as version `version` of payload type T (or an older one, upcast).
template <class T>
bool read_payload(Reader& r, const json& data, std::int64_t version, Payload& out,
                  std::string& supported) {
  if (version == T::kVersion) {
    T v{};
    if (r.read(data, v, "/data", Rule{})) out = std::move(v);
    return true;
  }
  if constexpr (HasPrevious<T>) {
    typename T::Previous old{};
    bool handled = false;
    if (version == T::Previous::kVersion) {
      if (r.read(data, old, "/data", Rule{})) out = T::upcast(old);
      handled = true;
    }
    supported = std::to_string(T::Previous::kVersion) + ", " + std::to_string(T::kVersion);
    return handled;
  }
  supported = std::to_string(T::kVersion);
  return false;
}

}  // namespace

int current_version(std::string_view type) {
  int v = 0;
  for_each_payload_type([&]<class T>(std::type_identity<T>) {
    if (type == T::kType) v = T::kVersion;
  });
  return v;
}

Decoded decode_event(const json& doc, Origin origin) {
  Decoded result;
  Reader r(result.violations, result.omitted);
  if (!doc.is_object()) {
    r.fail("", "an event must be a JSON object");
    return result;
  }
  Event event;
  r.read_fields(doc, event.envelope, "", {"type", "data"});
  if (origin == Origin::submission && event.envelope.recorded_at)
    r.fail("/recorded_at",
           "is set by the platform; send the source's own time as source_recorded_at");
  if (origin == Origin::log && !doc.contains("recorded_at"))
    r.fail("/recorded_at", "is required in a logged event");

  auto type_it = doc.find("type");
  auto data_it = doc.find("data");
  if (type_it == doc.end()) {
    r.fail("/type", "is required");
  } else if (!type_it->is_string()) {
    r.fail("/type", "must be a string");
  } else {
    const std::string& type = type_it->get_ref<const std::string&>();
    bool known = false;
    bool version_ok = true;
    std::string supported;
    for_each_payload_type([&]<class T>(std::type_identity<T>) {
      if (known || type != T::kType) return;
      known = true;
      if (data_it == doc.end()) {
        r.fail("/data", "is required");
      } else if (!read_payload<T>(r, *data_it, event.envelope.schema_version, event.data,
                                  supported)) {
        version_ok = false;
      }
    });
    if (!known) r.fail("/type", "unknown event type '" + excerpt(type) + "'");
    else if (!version_ok)  // 2.0 too: a whole number is the integer it names
      r.fail("/schema_version", "unsupported version of " + type + "; supported: " + supported);
  }
  if (result.violations.empty()) {
    event.envelope.schema_version = std::visit(
        [](const auto& d) -> std::int64_t { return std::decay_t<decltype(d)>::kVersion; },
        event.data);
    result.event = std::move(event);
  }
  return result;
}

Decoded decode_event(std::string_view text, Origin origin) {
  std::string error;
  json doc = parse_bounded(text, DocumentLimits{}.max_depth, error);
  if (doc.is_discarded()) {
    Decoded result;
    result.violations.push_back({"", error});
    return result;
  }
  return decode_event(doc, origin);
}

std::string logged_record(const json& submitted, Event& event, Timestamp at) {
  event.envelope.recorded_at = at;
  json stamped = submitted;
  stamped["recorded_at"] = at.to_string();
  return stamped.dump();
}

json event_to_json(const Event& event) {
  json out = json::object();
  out["id"] = event.envelope.id;
  out["type"] = type_name(event.data);
  json envelope;
  put(envelope, event.envelope);
  for (auto& [k, v] : envelope.items())
    if (k != "id") out[k] = v;
  out["schema_version"] =
      std::visit([](const auto& d) { return std::decay_t<decltype(d)>::kVersion; }, event.data);
  std::visit([&](const auto& d) { put(out["data"], d); }, event.data);
  return out;
}

std::string encode_event(const Event& event) { return event_to_json(event).dump(); }

}  // namespace annals
