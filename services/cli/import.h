// annals import: streams files of events (NDJSON, or CSV with a header row) through the
// publishing services, in batches, with progress, a reject file and a summary.
//
// Resumable: after every batch a checkpoint records how many lines have their final
// outcome; the same command run again skips those, and events of an interrupted batch that
// did reach the topic come back as duplicates (the services are idempotent on the event
// id), so each event is published exactly once. Broker outages (503) are retried.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "events/enums.h"

namespace annals {

struct ImportOptions {
  std::vector<std::string> files;
  std::map<System, std::string> services;  // base URL per publishing service
  std::size_t batch = 1000;
  bool resume = true;  // honour (and write) FILE.checkpoint
  bool quiet = false;
};

// Returns 0 when every event was accepted (or was already), 1 when some were rejected
// (see FILE.rejects.ndjson), 2 on an error that stopped the import.
int import_files(const ImportOptions& options);

}  // namespace annals
