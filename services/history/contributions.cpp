// How students, teachers and schools contribute to the figures of schools over time.
#include <algorithm>
#include <map>
#include <sstream>

#include <cereal/archives/binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>

#include "services/history/figures.h"
#include "services/history/people.h"
#include "services/history/timeline.h"

namespace annals {

void Segments::at(Date on, const Cells& cells) {
  for (auto it = open_.begin(); it != open_.end();) {
    auto now = cells.find(it->first);
    if (now != cells.end() && now->second == it->second.first) {
      ++it;
      continue;
    }
    // An interval that would end where it began is none.
    const auto& [value, since] = it->second;
    if (since < on) closed_.push_back({it->first.first, it->first.second, since, on, value});
    it = open_.erase(it);
  }
  for (const auto& [key, value] : cells)
    if (value != 0 && !open_.count(key)) open_[key] = {value, on};
}

std::vector<Contribution> Segments::finished() const {
  std::vector<Contribution> out = closed_;
  for (const auto& [key, open] : open_)
    out.push_back({key.first, key.second, open.second, std::nullopt, open.first});
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

Segments::Cells student_cells(const StudentRecord& s) {
  Segments::Cells c;
  if (!s.enrolled) return c;
  Section sec = section_of(s.stage);
  c[{s.school_id, {sec, Measure::students, std::uint8_t(s.grade)}}] = 1;
  if (s.migrant) c[{s.school_id, {sec, Measure::migrant_students}}] = 1;
  if (s.disability != Disability::none) c[{s.school_id, {sec, Measure::disabled_students}}] = 1;
  if (s.boarding) c[{s.school_id, {sec, Measure::boarding_students}}] = 1;
  if (s.grade == 1 || s.grade == 7)
    c[{s.school_id, {sec, Measure::entry_admissions, std::uint8_t(s.admission)}}] = 1;
  return c;
}

Segments::Cells teacher_cells(const TeacherRecord& t) {
  Segments::Cells c;
  if (!t.employed || !t.full_time) return c;
  Section sec = section_of(t.stage);
  auto count = [&](Measure m, bool yes) {
    if (yes) c[{t.school_id, {sec, m}}] = 1;
  };
  count(Measure::teachers, true);
  count(Measure::qualified_teachers,
        t.qualification >=
            (t.stage == Stage::primary ? Qualification::associate : Qualification::bachelor));
  count(Measure::backbone_teachers, t.backbone());
  count(Measure::pe_music_art_teachers,
        t.subject == Subject::pe || t.subject == Subject::music || t.subject == Subject::fine_art);
  count(Measure::senior_title_teachers, t.title >= Title::intermediate);
  // The rotation base, at the school holding the post (the home school during a rotation).
  if (t.post_school) {
    const std::string& home = *t.post_school;
    const std::uint8_t since = year_byte(school_year_of(t.post_since));
    c[{home, {Section::whole, Measure::posted_teachers, since}}] = 1;
    if (t.backbone()) c[{home, {Section::whole, Measure::posted_backbone_teachers, since}}] = 1;
    for (const auto& [year, backbone] : t.rotations) {
      c[{home, {Section::whole, Measure::rotations_started, year_byte(year)}}] = 1;
      if (backbone)
        c[{home, {Section::whole, Measure::backbone_rotations_started, year_byte(year)}}] = 1;
    }
  }
  return c;
}

// Ends a teacher's rotation or support teaching due on or before `until`, in `segments` too.
void settle(TeacherRecord& t, Segments& segments, Date until) {
  if (!t.returns || t.returns->first > until) return;
  Date back = t.returns->first;
  t.settle_return(back);
  segments.at(back, teacher_cells(t));
}

// A school's facilities by section, as its registry events leave them.
struct Facilities {
  std::map<Section, std::array<std::int64_t, 6>>
      by_section;  // floor, sports, equipment, multimedia, computers, books
  // The latest classes count of each stage: grade -> classes, largest class (0: not given).
  std::map<Section, std::map<std::uint8_t, std::pair<std::int64_t, std::int64_t>>> classes;
  bool standing = false;
  std::optional<std::string> merged_into;

  static Section section(const std::optional<Stage>& s) {
    return s ? section_of(*s) : Section::whole;
  }
  void add_areas(Section s, const BuildingAreas& a) {
    by_section[s][0] += a.floor_area_m2.centi;
    by_section[s][1] += a.sports_area_m2.centi;
  }
  void add_equipment(Section s, const EquipmentCounts& e) {
    auto& f = by_section[s];
    f[2] += e.equipment_value_fen;
    f[3] += e.multimedia_classrooms;
    f[4] += e.computers;
    f[5] += e.books;
  }
  // An absorbed school's facilities and classes join the survivor's (its largest class is the
  // larger of the two).
  void add(const Facilities& other) {
    for (const auto& [s, f] : other.by_section)
      for (std::size_t i = 0; i < f.size(); ++i) by_section[s][i] += f[i];
    for (const auto& [s, grades] : other.classes)
      for (const auto& [g, n] : grades) {
        auto& mine = classes[s][g];
        mine = {mine.first + n.first, std::max(mine.second, n.second)};
      }
  }
  Segments::Cells cells(const std::string& school) const {
    Segments::Cells c;
    if (!standing) return c;
    static constexpr Measure kMeasures[] = {
        Measure::floor_area,      Measure::sports_area,
        Measure::equipment_value, Measure::multimedia_classrooms,
        Measure::computers,       Measure::books};
    for (const auto& [s, f] : by_section)
      for (std::size_t i = 0; i < f.size(); ++i)
        if (f[i]) c[{school, {s, kMeasures[i]}}] = f[i];
    for (const auto& [s, grades] : classes)
      for (const auto& [g, n] : grades) {
        if (n.first) c[{school, {s, Measure::classes, g}}] = n.first;
        if (n.second) c[{school, {s, Measure::largest_class, g}}] = n.second;
      }
    return c;
  }
};

Facilities fold_facilities(views::Reader reader, const std::string& district,
                           const std::string& school, const std::vector<views::ViewEntry>& timeline,
                           Timestamp as_of, Segments* segments,
                           const std::string& stop_at_event = {},
                           std::vector<std::string>* path = nullptr);

// The facilities of `absorbed` just before the merger `merger_id` took effect on `on`.
Facilities facilities_before_merger(views::Reader reader, const std::string& district,
                                    const std::string& absorbed, const std::string& merger_id,
                                    Date on, Timestamp as_of, std::vector<std::string>& path) {
  // A school already on the path is a merger cycle only hand-made records can create.
  if (path.size() > 8 || std::find(path.begin(), path.end(), absorbed) != path.end()) return {};
  path.push_back(absorbed);
  auto entries = timeline(reader, district, EntityKind::school, absorbed, on, as_of);
  Facilities f =
      fold_facilities(reader, district, absorbed, entries, as_of, nullptr, merger_id, &path);
  path.pop_back();
  return f;
}

Facilities fold_facilities(views::Reader reader, const std::string& district,
                           const std::string& school, const std::vector<views::ViewEntry>& timeline,
                           Timestamp as_of, Segments* segments, const std::string& stop_at_event,
                           std::vector<std::string>* path) {
  std::vector<std::string> own{school};
  if (!path) path = &own;
  Facilities f;
  for (const auto& entry : timeline) {
    if (entry.event.envelope.id == stop_at_event) break;
    const Date on = entry.event.envelope.effective_date;
    std::visit(
        [&](const auto& d) {
          using T = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<T, SchoolOpened>) {
            if (d.school_id == school) f.standing = true;
          } else if constexpr (std::is_same_v<T, SchoolSplit>) {
            if (d.source_id == school && d.source_closes) f.standing = false;
            else if (d.source_id != school) f.standing = true;  // one of the new schools
          } else if constexpr (std::is_same_v<T, SchoolClosed>) {
            f.standing = false;
          } else if constexpr (std::is_same_v<T, SchoolFacilitiesSurveyed>) {
            auto& s = f.by_section[Facilities::section(d.stage)];
            s = {};
            f.add_areas(Facilities::section(d.stage), d);
            f.add_equipment(Facilities::section(d.stage), d);
          } else if constexpr (std::is_same_v<T, SchoolConstructionCompleted>) {
            f.add_areas(Facilities::section(d.stage), d);
          } else if constexpr (std::is_same_v<T, SchoolEquipmentPurchased>) {
            f.add_equipment(Facilities::section(d.stage), d);
          } else if constexpr (std::is_same_v<T, SchoolClassesCounted>) {
            auto& grades = f.classes[section_of(d.stage)];
            grades.clear();
            for (const auto& g : d.grades)
              grades[std::uint8_t(g.grade)] = {g.classes, g.largest_class.value_or(0)};
          } else if constexpr (std::is_same_v<T, SchoolMerged>) {
            if (d.surviving_id == school) {
              if (d.facilities_move.value_or(true))
                for (const auto& a : d.absorbed_ids)
                  if (a != school)
                    f.add(facilities_before_merger(reader, district, a, entry.event.envelope.id, on,
                                                   as_of, *path));
            } else {
              f.standing = false;
              f.merged_into = d.surviving_id;
            }
          }
        },
        entry.event.data);
    if (segments) segments->at(on, f.cells(school));
  }
  return f;
}

}  // namespace

void PersonFold::apply(const Event& event) {
  const Date on = event.envelope.effective_date;
  if (kind_ == EntityKind::student) {
    student_.apply(event);
    segments_.at(on, student_cells(student_));
  } else {
    settle(teacher_, segments_, on);
    teacher_.apply(event);
    segments_.at(on, teacher_cells(teacher_));
  }
}

std::vector<Contribution> PersonFold::contributions() const {
  if (kind_ == EntityKind::teacher && teacher_.returns) {  // the pending return, settled
    TeacherRecord t = teacher_;
    Segments segments = segments_;
    settle(t, segments, t.returns->first);
    return segments.finished();
  }
  return segments_.finished();
}

// The cereal layouts of a fold: its fields in this order, never reordered (they are on disk:
// services/views/format.h, the contributions family).
struct SegmentsLayout {
  template <class Archive>
  static void serialize(Archive& ar, Segments& s) {
    ar(s.open_, s.closed_);
  }
};

struct PersonFoldLayout {
  template <class Archive>
  static void serialize(Archive& ar, PersonFold& f) {
    ar(f.kind_, f.last, f.latest, f.clean);
    SegmentsLayout::serialize(ar, f.segments_);
    if (f.kind_ == EntityKind::student) {
      StudentRecord& s = f.student_;
      ar(s.enrolled, s.ever_enrolled, s.school_id, s.stage, s.grade, s.admission, s.migrant,
         s.disability, s.boarding, s.hardship_tier, s.exit);
    } else {
      TeacherRecord& t = f.teacher_;
      ar(t.employed, t.ever_hired, t.hired_on, t.school_id, t.stage, t.subject, t.qualification,
         t.title, t.full_time, t.post_school, t.post_since, t.rotations, t.honours, t.returns,
         t.left, t.left_on);
    }
  }
};

std::string encode_person_fold(const PersonFold& fold) {
  std::ostringstream out;
  {
    cereal::BinaryOutputArchive ar(out);
    PersonFoldLayout::serialize(ar, const_cast<PersonFold&>(fold));
  }
  return std::move(out).str();
}

std::optional<PersonFold> decode_person_fold(std::string_view bytes) {
  PersonFold fold;
  try {
    std::istringstream in{std::string(bytes)};
    cereal::BinaryInputArchive ar(in);
    PersonFoldLayout::serialize(ar, fold);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (fold.kind() != EntityKind::student && fold.kind() != EntityKind::teacher) return std::nullopt;
  return fold;
}

std::vector<Contribution> contributions_of(views::Reader reader, const std::string& district,
                                           const EntityRef& entity,
                                           const std::vector<views::ViewEntry>& timeline,
                                           Timestamp as_of) {
  switch (entity.kind) {
    case EntityKind::student:
    case EntityKind::teacher: {
      PersonFold fold(entity.kind);
      for (const auto& entry : timeline) fold.apply(entry.event);
      return fold.contributions();
    }
    case EntityKind::school: {
      Segments segments;
      fold_facilities(reader, district, entity.id, timeline, as_of, &segments);
      // Allocations count for their whole fiscal year, whatever the day they were made.
      std::vector<Contribution> funds;
      for (const auto& entry : timeline)
        if (const auto* f = std::get_if<FundingAllocated>(&entry.event.data);
            f && f->school_id == entity.id)
          funds.push_back(
              {entity.id,
               {Section::whole, Measure(int(Measure::operating_funds) + int(f->category))},
               Date::from_ymd(int(f->fiscal_year), 1, 1),
               Date::from_ymd(int(f->fiscal_year) + 1, 1, 1),
               f->amount_fen});
      auto out = segments.finished();
      out.insert(out.end(), funds.begin(), funds.end());
      return out;
    }
    case EntityKind::cluster: break;
  }
  return {};
}

}  // namespace annals
