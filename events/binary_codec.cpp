#include "events/binary_codec.h"

#include <cereal/archives/binary.hpp>
#include <istream>
#include <ostream>
#include <streambuf>

#include "events/cereal_fields.h"

namespace annals {
namespace {

// A read-only streambuf over bytes we do not own: decoding copies nothing up front.
struct ViewBuf : std::streambuf {
  explicit ViewBuf(std::string_view s) {
    char* p = const_cast<char*>(s.data());
    setg(p, p, p + s.size());
  }
};

// Appends to a std::string without an intermediate stringstream.
struct AppendBuf : std::streambuf {
  explicit AppendBuf(std::string& s) : out(s) {}
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out.append(s, std::size_t(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out.push_back(char(c));
    return c;
  }
  std::string& out;
};

template <class T, class Archive>
bool load_payload(Archive& ar, std::int64_t version, Payload& out) {
  if (version == T::kVersion) {
    T v{};
    ar(v);
    out = std::move(v);
    return true;
  }
  if constexpr (HasPrevious<T>) {
    if (version == T::Previous::kVersion) {
      typename T::Previous old{};
      ar(old);
      out = T::upcast(old);
      return true;
    }
  }
  return false;
}

}  // namespace

// The stored layout: [type name][payload schema version][envelope fields][payload fields].
struct BinaryEvent {
  Event* event;
  template <class Archive>
  void save(Archive& ar, std::uint32_t /*layout*/) const {
    std::string type = type_name(event->data);
    std::int64_t version = std::visit(
        [](const auto& d) -> std::int64_t { return std::decay_t<decltype(d)>::kVersion; },
        event->data);
    ar(type, version, event->envelope);
    std::visit([&](auto& d) { ar(d); }, event->data);
  }
  template <class Archive>
  void load(Archive& ar, std::uint32_t layout) {
    if (layout != 1) throw cereal::Exception("unknown layout version");
    std::string type;
    std::int64_t version = 0;
    ar(type, version, event->envelope);
    bool loaded = false;
    for_each_payload_type([&]<class T>(std::type_identity<T>) {
      if (!loaded && type == T::kType) loaded = load_payload<T>(ar, version, event->data);
    });
    if (!loaded) throw cereal::Exception("unknown event type or version: " + type);
  }
};

}  // namespace annals

CEREAL_CLASS_VERSION(annals::BinaryEvent, 1);

namespace annals {

void encode_binary(const Event& event, std::string& out) {
  AppendBuf buf(out);
  std::ostream os(&buf);
  cereal::BinaryOutputArchive ar(os);
  BinaryEvent wrapper{const_cast<Event*>(&event)};
  ar(wrapper);
}

std::string encode_binary(const Event& event) {
  std::string out;
  encode_binary(event, out);
  return out;
}

std::optional<Event> decode_binary(std::string_view bytes) {
  ViewBuf buf(bytes);
  std::istream is(&buf);
  Event event;
  try {
    cereal::BinaryInputArchive ar(is);
    BinaryEvent wrapper{&event};
    ar(wrapper);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return event;
}

}  // namespace annals
