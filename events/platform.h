// Platform events: the correction path. Nothing is deleted or edited in place; a
// retraction makes an earlier event count as never recorded from the retraction's
// recorded_at on.
#pragma once

#include <string>

#include "events/field.h"

namespace annals {

struct RecordRetracted {
  static constexpr const char* kType = "record.retracted";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::platform;
  std::string event_id;
  std::string reason;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("event_id", s.event_id, Rule{.doc = "id of the retracted event", .uuid = true});
    v("reason", s.reason, Rule{.doc = "why the record was wrong"});
  }
  auto operator<=>(const RecordRetracted&) const = default;
};

}  // namespace annals
