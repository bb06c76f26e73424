// Projects records into a store inside a RapidCheck property: one batch, no dead letter (each
// one's reason logged), written.
#pragma once

#include <string>
#include <vector>

#include <rapidcheck.h>

#include "services/projector/projection.h"

namespace annals::testing {

inline void project_in_property(views::ViewStore& store, const std::vector<ConsumedRecord>& records,
                                const std::string& topic_prefix) {
  Projection p(store, TopicNames{topic_prefix});
  views::Batch batch(store);
  auto result = p.stage(records, batch);
  for (const auto& d : result.dead_letters) RC_LOG() << d.reason << "\n";
  RC_ASSERT(result.dead_letters.empty());
  RC_ASSERT(store.write(batch).ok());
}

}  // namespace annals::testing
