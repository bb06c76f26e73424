// JSON Schemas (draft 2020-12 subset that draft-07 validators also read) generated from the
// C++ field lists: the published contract in schemas/ is this output, and a test keeps it
// identical.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace annals {

struct SchemaDocument {
  std::string type;       // "school.merged"
  int version;            // schema_version
  bool current;           // false for versions kept only to upcast old records
  nlohmann::json schema;  // a self-contained schema for one whole event document
  // Path relative to schemas/: "<type>/v<version>.schema.json".
  std::string path() const;
};

// Every type and every version the platform accepts.
std::vector<SchemaDocument> all_schemas();

}  // namespace annals
