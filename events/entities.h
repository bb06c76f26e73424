// Which entities an event is about: the schools, clusters, teachers and students whose
// timelines it belongs to. A merger is about the absorbed schools and the survivor; a
// split about the source and the new schools; a transfer about the teacher (or student)
// and both schools.
#pragma once

#include <string>
#include <vector>

#include "events/event.h"

namespace annals {

enum class EntityKind : char { school = 's', cluster = 'c', teacher = 't', student = 'p' };

struct EntityRef {
  EntityKind kind;
  std::string id;
  auto operator<=>(const EntityRef&) const = default;
};

// Every entity `data` is about, without repeats, in a stable order.
std::vector<EntityRef> entities_of(const Payload& data);

}  // namespace annals
