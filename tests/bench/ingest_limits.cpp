// The raw limits of ingest on this machine, on the same topics the projector reads: what
// librdkafka delivers when nothing is projected, and what RocksDB takes when the same
// records are written in the same batches with nothing computed. The benchmark harness
// (tests/bench/run) puts these beside the projector's own rate.
//
//   ingest_limits --brokers HOST:PORT [--topic-prefix annals.] --expect N --mode consume
//   ingest_limits ... --mode rocksdb --store DIR [--batch 5000]
//
// Both modes read every partition of the four domain topics from the beginning with the
// projector's consumer settings and the projector's consume loop (one message at a time
// into a batch of owned records), and stop after N records. `rocksdb` then writes each batch
// to a plain RocksDB store (LZ4, as the views) keyed by topic/partition/offset, with the
// offsets in the same batch, as the projector's commit does. Prints one JSON line.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <librdkafka/rdkafkacpp.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "services/kafka/topics.h"
#include "services/projector/projector.h"

using namespace annals;

int main(int argc, char** argv) {
  std::string brokers = "127.0.0.1:19092", prefix = "annals.", mode = "consume", store_path;
  std::size_t expect = 0, max_batch = 5000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--brokers") brokers = v;
    else if (a == "--topic-prefix") prefix = v;
    else if (a == "--expect") expect = std::stoull(v);
    else if (a == "--mode") mode = v;
    else if (a == "--store") store_path = v;
    else if (a == "--batch") max_batch = std::stoull(v);
    else {
      std::cerr << "ingest_limits: unknown option " << a << "\n";
      return 2;
    }
  }
  if (expect == 0 || (mode != "consume" && mode != "rocksdb") ||
      (mode == "rocksdb" && store_path.empty())) {
    std::cerr << "usage: ingest_limits --brokers B --expect N --mode consume|rocksdb [--store DIR] "
                 "[--topic-prefix P]\n";
    return 2;
  }

  std::unique_ptr<rocksdb::DB> db;
  if (mode == "rocksdb") {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.compression = rocksdb::kLZ4Compression;
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(options, store_path, &raw);
    if (!s.ok()) {
      std::cerr << "ingest_limits: " << s.ToString() << "\n";
      return 1;
    }
    db.reset(raw);
  }

  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  for (auto [k, v] : std::map<std::string, std::string>{{"bootstrap.servers", brokers},
                                                        {"group.id", "ingest-limits"},
                                                        {"enable.auto.commit", "false"},
                                                        {"enable.auto.offset.store", "false"},
                                                        {"auto.offset.reset", "earliest"},
                                                        {"fetch.min.bytes", "1"},
                                                        {"queued.max.messages.kbytes", "65536"}})
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
      std::cerr << "ingest_limits: " << k << ": " << err << "\n";
      return 1;
    }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) {
    std::cerr << "ingest_limits: " << err << "\n";
    return 1;
  }
  auto started = std::chrono::steady_clock::now();
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const auto& topic : TopicNames{prefix}.domain()) {
    std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(consumer.get(), topic, nullptr, err));
    RdKafka::Metadata* md = nullptr;
    if (consumer->metadata(false, t.get(), &md, 10000) != RdKafka::ERR_NO_ERROR) {
      std::cerr << "ingest_limits: no metadata for " << topic << "\n";
      return 1;
    }
    for (const auto* tm : *md->topics())
      for (const auto* pm : *tm->partitions())
        partitions.push_back(
            RdKafka::TopicPartition::create(topic, pm->id(), RdKafka::Topic::OFFSET_BEGINNING));
    delete md;
  }
  consumer->assign(partitions);
  RdKafka::TopicPartition::destroy(partitions);

  std::size_t consumed = 0, bytes = 0;
  std::vector<ConsumedRecord> records;
  records.reserve(max_batch);
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_offsets;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(30);
  while (consumed < expect && std::chrono::steady_clock::now() < deadline) {
    records.clear();
    while (records.size() < max_batch && consumed + records.size() < expect) {
      std::unique_ptr<RdKafka::Message> msg(consumer->consume(records.empty() ? 100 : 0));
      if (msg->err() == RdKafka::ERR__TIMED_OUT) break;
      if (msg->err() == RdKafka::ERR__PARTITION_EOF) continue;
      if (msg->err()) {
        std::cerr << "ingest_limits: consume: " << msg->errstr() << "\n";
        break;
      }
      records.push_back(consumed_record(*msg));
      bytes += records.back().value.size();
    }
    consumed += records.size();
    if (db && !records.empty()) {
      rocksdb::WriteBatch batch;
      std::string key;
      for (const auto& r : records) {
        key = r.topic;
        key += '/';
        key += std::to_string(r.partition);
        key += '/';
        key += std::to_string(r.offset);
        batch.Put(key, r.value);
        next_offsets[{r.topic, r.partition}] = r.offset + 1;
      }
      for (const auto& [tp, next] : next_offsets)
        batch.Put("offset/" + tp.first + "/" + std::to_string(tp.second), std::to_string(next));
      auto s = db->Write({}, &batch);
      if (!s.ok()) {
        std::cerr << "ingest_limits: " << s.ToString() << "\n";
        return 1;
      }
    }
  }
  // As the projector does on close: the records in files, not left in the log.
  if (db) db->Flush(rocksdb::FlushOptions());
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  consumer->close();
  if (consumed < expect) {
    std::cerr << "ingest_limits: only " << consumed << " of " << expect << " records arrived\n";
    return 1;
  }
  std::printf(
      "{\"mode\":\"%s\",\"events\":%zu,\"bytes\":%zu,\"seconds\":%.3f,\"events_per_second\":%.0f}"
      "\n",
      mode.c_str(), consumed, bytes, seconds, double(consumed) / seconds);
  return 0;
}
