#include "services/history/headcount.h"

#include <cereal/archives/binary.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <sstream>

#include "services/history/timeline.h"

namespace annals {
namespace {

std::string series_prefix(const std::string& district, const std::string& school) {
  std::string k = views::district_prefix(district) + school;
  k.push_back('\0');
  return k;
}

std::string series_key(const std::string& district, const Enrolment& e) {
  std::string k = series_prefix(district, e.school_id);
  k.push_back(char(e.stage));
  k.push_back(char(e.grade));
  return k;
}

std::string step_key(const std::string& series, Date d) {
  std::string k = series;
  views::append_u32(k, std::uint32_t(d.days) ^ 0x80000000u);
  return k;
}

std::int64_t value_of(std::string_view v) { return v.size() == 8 ? std::int64_t(views::read_u64(v)) : 0; }
std::string encode_value(std::int64_t n) {
  std::string v;
  views::append_u64(v, std::uint64_t(n));
  return v;
}

// Adds `delta` to the step function `series` from `date` on, keeping it minimal.
void add_from(views::ViewStore& store, rocksdb::WriteBatchWithIndex& batch, const std::string& series, Date date,
              std::int64_t delta) {
  auto* cf = store.family(views::Family::headcounts);
  std::string start = step_key(series, date);
  std::string end = series + std::string(4, '\xff') + '\xff';
  rocksdb::ReadOptions ro;
  views::Reader reader(store, &batch);
  // The value just before `date`, and every step from `date` on.
  std::int64_t before = 0;
  {
    auto it = reader.iterator(views::Family::headcounts, ro);
    it->SeekForPrev(start);
    if (it->Valid() && it->key() == rocksdb::Slice(start)) it->Prev();  // strictly before `date`
    if (it->Valid() && it->key().starts_with(series) && it->key().compare(start) < 0)
      before = value_of(std::string_view(it->value().data(), it->value().size()));
  }
  std::vector<std::pair<std::string, std::int64_t>> steps;
  {
    auto it = reader.iterator(views::Family::headcounts, ro);
    for (it->Seek(start); it->Valid() && it->key().compare(end) < 0 && it->key().starts_with(series); it->Next())
      steps.emplace_back(it->key().ToString(), value_of(std::string_view(it->value().data(), it->value().size())));
  }
  if (steps.empty() || steps.front().first != start) steps.insert(steps.begin(), {start, before});
  for (auto& [key, value] : steps) value += delta;
  // Steps after the first keep their differences; only the first may now equal `before`.
  if (steps.front().second == before) batch.Delete(cf, steps.front().first);
  else batch.Put(cf, steps.front().first, encode_value(steps.front().second));
  for (std::size_t i = 1; i < steps.size(); ++i) batch.Put(cf, steps[i].first, encode_value(steps[i].second));
}

}  // namespace

std::vector<Enrolment> enrolments_of(const std::vector<views::ViewEntry>& timeline) {
  std::vector<Enrolment> out;
  std::optional<Enrolment> open;
  auto close = [&](Date on) {
    if (open && open->from < on) {
      open->to = on;
      out.push_back(*open);
    }
    open.reset();
  };
  auto start = [&](const std::string& school, Stage stage, std::int64_t grade, Date on) {
    close(on);
    open = Enrolment{school, stage, grade, on, std::nullopt};
  };
  for (const auto& entry : timeline) {
    const Date on = entry.event.envelope.effective_date;
    std::visit(
        [&](const auto& d) {
          using T = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<T, StudentEnrolled>) {
            start(d.school_id, d.stage, d.grade, on);
          } else if constexpr (std::is_same_v<T, StudentTransferred>) {
            if (!open) return;
            std::int64_t grade = d.grade.value_or(open->grade);
            start(d.to_school_id, grade >= 7 ? Stage::junior : Stage::primary, grade, on);
          } else if constexpr (std::is_same_v<T, StudentPromoted>) {
            if (!open) return;
            start(open->school_id, d.grade >= 7 ? Stage::junior : Stage::primary, d.grade, on);
          } else if constexpr (std::is_same_v<T, StudentGraduated> || std::is_same_v<T, StudentWithdrew>) {
            close(on);
          }
        },
        entry.event.data);
  }
  if (open) out.push_back(*open);
  return out;
}

void restate_student(views::ViewStore& store, rocksdb::WriteBatchWithIndex& batch, const std::string& district,
                     const std::string& student) {
  std::string key = views::district_prefix(district) + student;
  std::vector<Enrolment> before, after;
  std::string stored;
  if (views::Reader(store, &batch).get(views::Family::enrolments, key, stored)) {
    std::istringstream in(stored);
    cereal::BinaryInputArchive ar(in);
    ar(before);
  }
  Date last{std::numeric_limits<std::int32_t>::max() - 1};
  after = enrolments_of(timeline(views::Reader(store, &batch), district, EntityKind::student, student, last, Timestamp::max()));
  if (before == after) return;
  for (const auto& e : before) {
    add_from(store, batch, series_key(district, e), e.from, -1);
    if (e.to) add_from(store, batch, series_key(district, e), *e.to, +1);
  }
  for (const auto& e : after) {
    add_from(store, batch, series_key(district, e), e.from, +1);
    if (e.to) add_from(store, batch, series_key(district, e), *e.to, -1);
  }
  if (after.empty()) {
    batch.Delete(store.family(views::Family::enrolments), key);
  } else {
    std::ostringstream out;
    {
      cereal::BinaryOutputArchive ar(out);
      ar(after);
    }
    batch.Put(store.family(views::Family::enrolments), key, out.str());
  }
}

Headcount headcount_on(views::Reader reader, const std::string& district, const std::string& school, Date at) {
  Headcount out;
  std::string prefix = series_prefix(district, school);
  rocksdb::ReadOptions ro;
  auto it = reader.iterator(views::Family::headcounts, ro);
  // Series by series: jump to the last step on or before `at`.
  it->Seek(prefix);
  while (it->Valid() && it->key().starts_with(prefix) && it->key().size() == prefix.size() + 6) {
    std::string series = it->key().ToString().substr(0, prefix.size() + 2);
    it->SeekForPrev(step_key(series, at));
    if (it->Valid() && it->key().starts_with(series)) {
      std::int64_t n = value_of(std::string_view(it->value().data(), it->value().size()));
      if (n) out[{Stage(std::uint8_t(series[prefix.size()])), std::int64_t(std::uint8_t(series[prefix.size() + 1]))}] = n;
    }
    it->Seek(series + std::string(4, '\xff') + '\xff');
  }
  return out;
}

}  // namespace annals
