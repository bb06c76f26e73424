// How a history question's cost grows with the history: one county of 300 schools (the
// issue 5 target), generated with 1, 3 and 10 years of history, projected through the same
// Projection code the projector runs (straight from the generator, no broker: this measures
// the views, not Kafka), then `state` and `indicators` computed at random dates.
//
//   build/tests/history_growth_bench [--schools 300] [--intake 25] [--queries 200] [--years 1,3,10]
//                                    [--keep DIR]
// --keep leaves the last store at DIR (for annals-audit --store DIR, e.g. to profile a route).
//
// Prints a Markdown table; compare the rows with each other (same run, same machine). The
// raw limit beside the projection: the same records written to a RocksDB store in the same
// batches, keyed by event id, with nothing computed (issue 6's first comparison, without Kafka).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "events/json_codec.h"
#include "services/audit/indicators.h"
#include "services/gen/synthetic_city.h"
#include "services/projector/projection.h"

using namespace annals;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Percentiles {
  double p50, p99;
};
Percentiles percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)]};
}

}  // namespace

int main(int argc, char** argv) {
  int schools = 300, intake = 25, queries = 200;
  std::vector<int> years_list{1, 3, 10};
  std::string keep;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--schools") schools = std::stoi(v);
    else if (a == "--intake") intake = std::stoi(v);
    else if (a == "--queries") queries = std::stoi(v);
    else if (a == "--keep") keep = v;
    else if (a == "--years") {
      years_list.clear();
      std::stringstream in(v);
      for (std::string y; std::getline(in, y, ',');) years_list.push_back(std::stoi(y));
    }
  }
  Standards standards = Standards::built_in();
  std::printf(
      "| years of history | events | projected (events/s) | raw RocksDB write (events/s) | "
      "projected / raw | state p50 / p99 (ms) | indicators p50 / p99 (ms) |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (int years : years_list) {
    auto dir = std::filesystem::temp_directory_path() / ("annals-growth-" + std::to_string(years));
    std::filesystem::remove_all(dir);
    auto store = views::ViewStore::open_primary(dir.string());
    std::filesystem::remove_all(dir.string() + "-raw");
    rocksdb::Options raw_options;
    raw_options.create_if_missing = true;
    raw_options.compression = rocksdb::kLZ4Compression;
    rocksdb::DB* raw_db = nullptr;
    if (!rocksdb::DB::Open(raw_options, dir.string() + "-raw", &raw_db).ok()) return 1;
    std::unique_ptr<rocksdb::DB> raw(raw_db);
    Clock::duration projecting{}, writing{};
    Projection projection(*store, TopicNames{"bench."});
    CityOptions city{2012, CityScale{"county", 1, schools, intake, years}, 2012, 1};
    std::vector<ConsumedRecord> batch;
    std::size_t events = 0;
    std::map<System, std::int64_t> offsets;
    std::string district;
    auto flush = [&] {
      auto t0 = Clock::now();
      views::Batch wb(*store);
      projection.stage(batch, wb);
      store->write(wb);
      auto t1 = Clock::now();
      rocksdb::WriteBatch plain;
      for (const auto& r : batch) plain.Put(r.topic + "/" + std::to_string(r.offset), r.value);
      raw->Write({}, &plain);
      writing += Clock::now() - t1;
      projecting += t1 - t0;
      batch.clear();
    };
    generate_city(city, [&](Event&& e) {
      System s = system_of(e.data);
      if (s == System::platform) s = System::personnel;
      district = e.envelope.district;
      batch.push_back({"bench." + std::string(to_string(s)), 0, offsets[s]++, e.envelope.district,
                       encode_event(e)});
      ++events;
      if (batch.size() == 5000) flush();
    });
    flush();
    double ingest_s = std::chrono::duration<double>(projecting).count();
    double raw_s = std::chrono::duration<double>(writing).count();

    std::mt19937_64 rng(years);
    Date first = Date::from_ymd(2012, 9, 1), last = Date::from_ymd(2012 + years, 7, 31);
    std::vector<double> state_ms, indicators_ms;
    for (int q = 0; q < queries; ++q) {
      Date at{first.days + std::int32_t(rng() % std::uint64_t(last.days - first.days + 1))};
      auto t0 = Clock::now();
      DistrictState st = district_state(*store, district, at, Timestamp::max());
      auto t1 = Clock::now();
      std::string why;
      const Standard* standard = standards.in_force(district, at, why);
      IndicatorReport r = compute_indicators(st, *standard);
      auto t2 = Clock::now();
      state_ms.push_back(ms(t1 - t0));
      indicators_ms.push_back(ms(t2 - t0));
      if (r.stages.empty()) return 1;
    }
    auto s = percentiles(state_ms), i = percentiles(indicators_ms);
    std::printf("| %d | %zu | %.0f | %.0f | %.2f | %.2f / %.2f | %.2f / %.2f |\n", years, events,
                double(events) / ingest_s, double(events) / raw_s, raw_s / ingest_s, s.p50, s.p99,
                i.p50, i.p99);
    std::fflush(stdout);
    store.reset();
    raw.reset();
    if (!keep.empty()) {
      std::filesystem::remove_all(keep);
      std::filesystem::rename(dir, keep);
    }
    std::filesystem::remove_all(dir);
    std::filesystem::remove_all(dir.string() + "-raw");
  }
  return 0;
}
