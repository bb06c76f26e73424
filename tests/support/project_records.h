// Projects records into a store in one batch, as the projector does, and writes it: a dead
// letter fails the test with its reason (gtest; inside a RapidCheck property use
// project_in_property.h).
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "services/projector/projection.h"

namespace annals::testing {

inline void project_records(views::ViewStore& store, const std::vector<ConsumedRecord>& records,
                            const std::string& topic_prefix = "t.") {
  Projection p(store, TopicNames{topic_prefix});
  views::Batch batch(store);
  auto result = p.stage(records, batch);
  for (const auto& d : result.dead_letters) ADD_FAILURE() << d.reason;
  ASSERT_TRUE(store.write(batch).ok());
}

}  // namespace annals::testing
