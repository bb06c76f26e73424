// How the audit API writes the record as JSON: a school, its figures, a cluster, a teacher,
// an event, a change of figures, the recorded time asked for, and `consistent_to`. Every
// route renders through these, so that the same thing reads the same in every answer. The
// parts a large answer repeats (schools, figures, clusters) are written with a JsonWriter;
// their objects' keys come in the order a document dumps them (sorted), so either way the
// text is the same.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/event.h"
#include "services/history/district_diff.h"
#include "services/history/people.h"
#include "services/history/registry_state.h"
#include "services/http/json_writer.h"
#include "services/views/view_store.h"

namespace annals {

// A school's figures per section ("primary", "junior", "whole"; a section without any figure
// left out), each non-zero measure in its natural unit: counts by the measure's name, areas
// and money as "<measure>_<unit>" in m² and yuan. Written as one value.
void write_figures(JsonWriter& out, const Figures& figures);
nlohmann::json figures_json(const Figures& figures);  // the same, as a document

// A school's record: id, name, stages, kind, ownership, location, boarding, opened_on,
// township and split_from when known, what it absorbed and its clusters (id -> role). With
// `figures`, also "students" (total, by_stage, by_grade) and "figures" (write_figures).
// Written as one value.
void write_school(JsonWriter& out, const SchoolRecord& school, const Figures* figures);
nlohmann::json school_json(const SchoolRecord& school, const Figures* figures);  // as a document

// A cluster's record: id, name, kind, created_on, members (school_id and role),
// cycle_years and dissolved_on when set. Written as one value.
void write_cluster(JsonWriter& out, const ClusterRecord& cluster);
nlohmann::json cluster_json(const ClusterRecord& cluster);  // the same, as a document

// A teacher on a date: "employed", and once ever hired, where and what they teach, their
// post school, honours, the return of a rotation and their leaving.
nlohmann::json teacher_json(const TeacherRecord& teacher);

// An event as published (events/json_codec.h: the canonical JSON), with "retracted_at" when
// `retracted_at` is set.
nlohmann::json event_json(const Event& event, std::optional<Timestamp> retracted_at = {});

// Changes of figures, each as {section, measure, unit, before, after, change}, the values in
// natural units as figures_json shows them. Written as one value (an array).
void write_figure_changes(JsonWriter& out, const std::vector<FigureChange>& changes);
nlohmann::json figure_changes_json(const std::vector<FigureChange>& changes);  // as a document

// A recorded time asked for: null for "everything recorded so far" (Timestamp::max()),
// otherwise its RFC 3339 text.
nlohmann::json recorded_json(Timestamp as_of);

// `consistent_to`: how far the views reflect the log, one {topic, partition, next_offset}
// per partition (Reader::offsets).
nlohmann::json consistent_to_json(const std::vector<views::PartitionOffset>& offsets);

}  // namespace annals
