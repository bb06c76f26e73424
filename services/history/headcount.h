// Students per school, stage and grade on any date.
//
// Each student's timeline gives the intervals in which it counted at a school in a stage and
// grade. The projector keeps those intervals per student and, per (school, stage, grade),
// the count as a step function of the date; when a student's history changes (a late
// record, a retraction) only the difference between its old and new intervals is applied.
// A question about a date is then one seek per series, whatever the length of the history.
// The counts follow current knowledge; "as recorded at T" for counts is not kept yet.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "services/views/view_store.h"

namespace annals {

struct Enrolment {
  std::string school_id;
  Stage stage{};
  std::int64_t grade = 0;
  Date from;
  std::optional<Date> to;  // exclusive; none while still enrolled
  auto operator<=>(const Enrolment&) const = default;
  template <class Archive>
  void serialize(Archive& ar) { ar(school_id, stage, grade, from, to); }
};

// The intervals of one student's timeline (entries in apply order; retracted ones skipped).
std::vector<Enrolment> enrolments_of(const std::vector<views::ViewEntry>& timeline);

// Recomputes `student`'s intervals from its timeline (read through `batch`) and stages the
// change of the headcounts into `batch`.
void restate_student(views::ViewStore& store, rocksdb::WriteBatchWithIndex& batch, const std::string& district,
                     const std::string& student);

using Headcount = std::map<std::pair<Stage, std::int64_t>, std::int64_t>;  // (stage, grade) -> students

// Students at `school` (its own id only; a caller adds absorbed schools) on `at`.
Headcount headcount_on(views::Reader reader, const std::string& district, const std::string& school, Date at);

}  // namespace annals
