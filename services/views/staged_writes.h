// What a Batch (services/views/view_store.h) holds before it is written: per family, the staged
// puts and removals in key order, and an iterator that reads them merged over the store
// beneath, as if they had been written.
//
// Why not RocksDB's WriteBatchWithIndex: its index is one skip list for every family, and its
// comparator decodes each entry's key from the batch's bytes before comparing; with
// overwrite_key every put searches it first. On a Beijing-scale rebuild those searches and
// lookups were a third of the projector's thread. Here a put or a read is one search of its
// family's ordered map, and the batch reaches RocksDB in key order, which its memtable
// inserts faster than random order (services/views/view_store.cpp, ViewStore::write).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <rocksdb/iterator.h>

namespace annals::views {

// One family's staged writes: key -> value, or nullopt for a removal.
using StagedWrites = std::map<std::string, std::optional<std::string>, std::less<>>;

// An iterator over `staged` laid over `base` (the store's iterator of the same family): a
// staged value hides the store's under the same key, a staged removal hides the key. Both
// directions; `upper_bound` (may be null) bounds the staged side as iterate_upper_bound
// bounds `base`. `staged` must outlive the iterator; writes staged meanwhile are seen when
// the iterator moves past their keys, as with the store's own iterators.
std::unique_ptr<rocksdb::Iterator> merged_iterator(const StagedWrites& staged,
                                                   std::unique_ptr<rocksdb::Iterator> base,
                                                   const rocksdb::Slice* upper_bound);

}  // namespace annals::views
