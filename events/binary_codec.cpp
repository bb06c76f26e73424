#include "events/binary_codec.h"

#include <cstring>
#include <iterator>
#include <ostream>
#include <streambuf>
#include <type_traits>

#include <cereal/archives/binary.hpp>

#include "events/bounds.h"
#include "events/cereal_fields.h"

namespace annals {
namespace {

// Reads what cereal::BinaryOutputArchive writes, from bytes in memory, refusing what only
// corrupt bytes hold: a length prefix larger than the bytes left (every element takes at
// least one byte; without this check a 12-byte prefix makes cereal allocate and zero up to
// 2^64 bytes before reading any), and a bool other than 0 or 1 (loading one is undefined
// behaviour). Whatever the bytes, the decoder then allocates at most a small multiple of
// their size.
class BoundedInputArchive
    : public cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision> {
 public:
  explicit BoundedInputArchive(std::string_view bytes) : InputArchive(this), rest_(bytes) {}

  // Copies the next `size` bytes to `data`; throws when fewer are left.
  void loadBinary(void* data, std::size_t size) {
    if (size > rest_.size()) throw cereal::Exception("truncated");
    if (size) std::memcpy(data, rest_.data(), size);
    rest_.remove_prefix(size);
  }
  std::size_t left() const { return rest_.size(); }

 private:
  std::string_view rest_;
};

template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, T& t) {
  if constexpr (std::is_same_v<T, bool>) {
    unsigned char byte = 0;
    ar.loadBinary(&byte, 1);
    if (byte > 1) throw cereal::Exception("corrupt bool");
    t = byte == 1;
  } else {
    ar.loadBinary(std::addressof(t), sizeof(t));
  }
}
template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(BoundedInputArchive& ar, cereal::NameValuePair<T>& t) {
  ar(t.value);
}
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::SizeTag<T>& t) {
  ar(t.size);
  if (t.size > ar.left()) throw cereal::Exception("a length larger than the bytes left");
}
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::BinaryData<T>& bd) {
  ar.loadBinary(bd.data, static_cast<std::size_t>(bd.size));
}

}  // namespace
}  // namespace annals

// Enums load through cereal's load_minimal, which looks up the output archive of an input one.
namespace cereal::traits::detail {
template <>
struct get_output_from_input<annals::BoundedInputArchive> {
  using type = cereal::BinaryOutputArchive;
};
}  // namespace cereal::traits::detail

namespace annals {
namespace {

// True when every enum in `v` is one of its named values (corrupt bytes can hold any number,
// and to_string would read past the names) and every date and instant lies in the record's
// window (events/bounds.h: nothing outside it was ever stored, and the calendar arithmetic
// that writes one assumes it).
struct ValuesInRange {
  bool ok = true;
  template <class M>
  void operator()(const char*, const M& member, const Rule&) {
    check(member);
  }
  template <class M>
  void check(const M& m) {
    if constexpr (NamedEnum<M>) {
      ok = ok && static_cast<std::size_t>(m) < std::size(EnumNames<M>::names);
    } else if constexpr (std::is_same_v<M, Date> || std::is_same_v<M, Timestamp>) {
      ok = ok && in_record_window(m);
    } else if constexpr (is_optional<M>::value) {
      if (m) check(*m);
    } else if constexpr (is_vector<M>::value) {
      for (const auto& item : m) check(item);
    } else if constexpr (Described<M>) {
      M::fields(m, *this);
    }
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
  Event event;
  try {
    BoundedInputArchive ar(bytes);
    BinaryEvent wrapper{&event};
    ar(wrapper);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  ValuesInRange values;
  values.check(event.envelope);
  std::visit([&](const auto& payload) { values.check(payload); }, event.data);
  if (!values.ok) return std::nullopt;
  return event;
}

}  // namespace annals
