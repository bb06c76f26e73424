// annals import: streams files of events (NDJSON, or CSV with a header row) through the
// publishing services, in batches, with progress, a reject file and a summary.
//
// Resumable: after every batch a checkpoint records how many lines have their final
// outcome; the same command run again skips those, and events of an interrupted batch that
// did reach the topic come back as duplicates (the services are idempotent on the event
// id), so each event is published exactly once. Broker outages (503) are retried.
//
// Each publishing service takes events only from its system's source identity: the import
// sends each service the token ANNALS_TOKEN_<SYSTEM> (ANNALS_TOKEN_REGISTRY, ..._PERSONNEL,
// ..._ENROLLMENT, ..._FINANCE) when set, else the line named after the system (`registry`,
// `personnel`, `enrollment`, `finance`) of the credentials file (services/cli/questions.h). A
// token is needed only for the services the files have events for, and is never printed.
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
  std::string credentials;  // the credentials file; empty: var/credentials when it exists
};

// Returns 0 when every event was accepted (or was already), 1 when some were rejected
// (see FILE.rejects.ndjson), 2 on an error that stopped the import, kAccessRefused
// (questions.h) when a service's token is missing or was refused (401, 403): the same
// command resumes once the credential is right.
int import_files(const ImportOptions& options);

}  // namespace annals
