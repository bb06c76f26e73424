// Lets cereal serialize every Described struct through its field list.
#pragma once

#include <cereal/cereal.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "events/field.h"

namespace annals {

template <class Archive, Described T>
void serialize(Archive& ar, T& value) {
  auto visit = [&](const char*, auto& member, const Rule&) { ar(member); };
  T::fields(value, visit);
}

}  // namespace annals
