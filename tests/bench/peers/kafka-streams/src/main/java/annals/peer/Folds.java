package annals.peer;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How students, teachers and schools contribute to the figures of schools over time: the rules
 * of services/history/contributions.cpp and people.cpp, folded over an entity's timeline.
 */
final class Folds {
  private Folds() {}

  // A series is section << 16 | measure << 8 | grade. Sections: primary, junior, whole school.
  static final int PRIMARY = 0, JUNIOR = 1, WHOLE = 2;
  static final int STUDENTS = 0, MIGRANT = 1, DISABLED = 2, BOARDING = 3, TEACHERS = 4, QUALIFIED = 5,
      BACKBONE = 6, PE_MUSIC_ART = 7, SENIOR_TITLE = 8, FLOOR_AREA = 9, FUNDS = 15;  // + funding category
  static final int OPEN = Integer.MAX_VALUE;  // a contribution that has not ended
  static final List<String> QUALIFICATIONS = List.of("secondary", "associate", "bachelor", "master", "doctor");
  static final List<String> TITLES = List.of("none", "junior", "intermediate", "senior");
  static final List<String> LEVELS = List.of("school", "district", "city", "province", "national");
  static final List<String> CATEGORIES =
      List.of("per_student_operating", "earmarked", "construction", "training", "student_subsidy");

  static int series(int section, int measure, int grade) {
    return section << 16 | measure << 8 | grade;
  }

  static int section(String stage) {
    return stage == null ? WHOLE : stage.equals("junior") ? JUNIOR : PRIMARY;
  }

  /** From `from` until `to` (exclusive; OPEN if it has not ended), `school` counts `value` in `series`. */
  record Contribution(String school, int series, int from, int to, long value) implements Comparable<Contribution> {
    public int compareTo(Contribution o) {
      int c = school.compareTo(o.school);
      if (c == 0) c = Integer.compare(series, o.series);
      if (c == 0) c = Integer.compare(from, o.from);
      if (c == 0) c = Integer.compare(to, o.to);
      return c != 0 ? c : Long.compare(value, o.value);
    }
  }

  record Cell(String school, int series) {}

  /** Turns an entity's successive states into contributions (Segments in contributions.cpp). */
  static final class Segments {
    private record Open(long value, int since) {}
    private final Map<Cell, Open> open = new HashMap<>();
    private final List<Contribution> out = new ArrayList<>();

    /** From `on`, the entity contributes exactly `cells`. */
    void at(int on, Map<Cell, Long> cells) {
      for (Iterator<Map.Entry<Cell, Open>> it = open.entrySet().iterator(); it.hasNext();) {
        Map.Entry<Cell, Open> e = it.next();
        Long now = cells.get(e.getKey());
        if (now != null && now == e.getValue().value) continue;
        if (e.getValue().since < on)
          out.add(new Contribution(e.getKey().school, e.getKey().series, e.getValue().since, on, e.getValue().value));
        it.remove();
      }
      cells.forEach((cell, value) -> {
        if (value != 0 && !open.containsKey(cell)) open.put(cell, new Open(value, on));
      });
    }

    List<Contribution> finish() {
      open.forEach((c, o) -> out.add(new Contribution(c.school, c.series, o.since, OPEN, o.value)));
      open.clear();
      Collections.sort(out);
      return out;
    }
  }

  static List<Contribution> student(List<Ev> timeline) {
    Segments segments = new Segments();
    boolean enrolled = false, migrant = false, disabled = false, boarding = false;
    String school = null;
    int grade = 1, section = PRIMARY;
    for (Ev e : timeline) {
      switch (e.type) {
        case "student.enrolled" -> {
          enrolled = true;
          school = e.text("school_id");
          section = section(e.text("stage"));
          grade = e.data.path("grade").asInt(1);
          migrant = e.flag("migrant", false);
          disabled = !"none".equals(e.text("disability"));
          boarding = e.flag("boarding", false);
        }
        case "student.transferred" -> {
          school = e.text("to_school_id");
          grade = e.data.path("grade").asInt(grade);
          section = grade >= 7 ? JUNIOR : PRIMARY;
        }
        case "student.promoted" -> {
          grade = e.data.path("grade").asInt(grade);
          section = grade >= 7 ? JUNIOR : PRIMARY;
        }
        case "student.graduated", "student.withdrew" -> enrolled = false;
        case "student.flags_changed" -> {
          migrant = e.flag("migrant", migrant);
          if (e.text("disability") != null) disabled = !"none".equals(e.text("disability"));
          boarding = e.flag("boarding", boarding);
        }
        default -> {}
      }
      Map<Cell, Long> cells = new HashMap<>();
      if (enrolled && school != null) {
        cells.put(new Cell(school, series(section, STUDENTS, grade)), 1L);
        if (migrant) cells.put(new Cell(school, series(section, MIGRANT, 0)), 1L);
        if (disabled) cells.put(new Cell(school, series(section, DISABLED, 0)), 1L);
        if (boarding) cells.put(new Cell(school, series(section, BOARDING, 0)), 1L);
      }
      segments.at(e.effective, cells);
    }
    return segments.finish();
  }

  /** A teacher's record as their events leave it (TeacherRecord in people.cpp). */
  private static final class Teacher {
    boolean employed, fullTime;
    String school, subject, returnsTo;
    int section, qualification, title, returnsOn = OPEN;
    final Set<String> honours = new HashSet<>();  // level digit + honour

    void apply(Ev e) {
      switch (e.type) {
        case "teacher.hired" -> {
          employed = true;
          school = e.text("school_id");
          section = section(e.text("stage"));
          subject = e.text("subject");
          qualification = QUALIFICATIONS.indexOf(e.text("qualification"));
          title = TITLES.indexOf(e.text("title"));
          fullTime = e.flag("full_time", true);
        }
        case "teacher.transferred" -> {
          String kind = e.text("kind"), end = e.text("end_date");
          boolean temporary = kind != null && !kind.equals("permanent") && end != null;
          returnsOn = temporary ? Ev.day(end) : OPEN;
          returnsTo = temporary ? school : null;
          school = e.text("to_school_id");
          if (e.text("to_stage") != null) section = section(e.text("to_stage"));
        }
        case "teacher.qualification_changed" -> qualification = QUALIFICATIONS.indexOf(e.text("qualification"));
        case "teacher.title_changed" -> title = TITLES.indexOf(e.text("title"));
        case "teacher.honour_awarded" -> honours.add(LEVELS.indexOf(e.text("level")) + e.text("honour"));
        case "teacher.honour_revoked" -> honours.remove(LEVELS.indexOf(e.text("level")) + e.text("honour"));
        case "teacher.left" -> {
          employed = false;
          returnsOn = OPEN;
        }
        default -> {}
      }
    }

    /** A rotation or support teaching that has ended by `until` brings the teacher back. */
    boolean settle(int until) {
      if (returnsOn == OPEN || returnsOn > until) return false;
      school = returnsTo;
      returnsOn = OPEN;
      return true;
    }

    Map<Cell, Long> cells() {
      Map<Cell, Long> c = new HashMap<>();
      if (!employed || !fullTime || school == null) return c;
      c.put(new Cell(school, series(section, TEACHERS, 0)), 1L);
      if (qualification >= (section == PRIMARY ? 1 : 2)) c.put(new Cell(school, series(section, QUALIFIED, 0)), 1L);
      if (honours.stream().anyMatch(h -> h.charAt(0) >= '1')) c.put(new Cell(school, series(section, BACKBONE, 0)), 1L);
      if ("pe".equals(subject) || "music".equals(subject) || "fine_art".equals(subject))
        c.put(new Cell(school, series(section, PE_MUSIC_ART, 0)), 1L);
      if (title >= 2) c.put(new Cell(school, series(section, SENIOR_TITLE, 0)), 1L);
      return c;
    }
  }

  static List<Contribution> teacher(List<Ev> timeline) {
    Segments segments = new Segments();
    Teacher t = new Teacher();
    for (Ev e : timeline) {
      int back = t.returnsOn;
      if (t.settle(e.effective)) segments.at(back, t.cells());
      t.apply(e);
      segments.at(e.effective, t.cells());
    }
    int back = t.returnsOn;
    if (t.settle(back)) segments.at(back, t.cells());
    return segments.finish();
  }

  /** The timeline of a school up to a date (for the facilities an absorbed school brings along). */
  interface Timelines {
    List<Ev> school(String id, int upTo);
  }

  /** A school's facilities by section: floor, sports, equipment, multimedia, computers, books. */
  static final class Facilities {
    final TreeMap<Integer, long[]> bySection = new TreeMap<>();
    boolean standing;

    long[] of(int section) {
      return bySection.computeIfAbsent(section, s -> new long[6]);
    }

    void add(int section, JsonNode d, boolean areas, boolean equipment) {
      long[] f = of(section);
      if (areas) {
        f[0] += Math.round(d.path("floor_area_m2").asDouble() * 100);
        f[1] += Math.round(d.path("sports_area_m2").asDouble() * 100);
      }
      if (equipment) {
        f[2] += d.path("equipment_value_fen").asLong();
        f[3] += d.path("multimedia_classrooms").asLong();
        f[4] += d.path("computers").asLong();
        f[5] += d.path("books").asLong();
      }
    }

    Map<Cell, Long> cells(String school) {
      Map<Cell, Long> c = new HashMap<>();
      if (!standing) return c;
      bySection.forEach((s, f) -> {
        for (int i = 0; i < f.length; ++i)
          if (f[i] != 0) c.put(new Cell(school, series(s, FLOOR_AREA + i, 0)), f[i]);
      });
      return c;
    }
  }

  static Facilities facilities(Timelines timelines, String school, List<Ev> timeline, Segments segments,
                               String stopAt, List<String> path) {
    Facilities f = new Facilities();
    for (Ev e : timeline) {
      if (e.id.equals(stopAt)) break;
      switch (e.type) {
        case "school.opened" -> f.standing |= school.equals(e.text("school_id"));
        case "school.split" -> {
          if (!school.equals(e.text("source_id"))) f.standing = true;  // one of the new schools
          else if (e.flag("source_closes", false)) f.standing = false;
        }
        case "school.closed" -> f.standing = false;
        case "school.facilities_surveyed" -> {
          f.bySection.remove(section(e.text("stage")));
          f.add(section(e.text("stage")), e.data, true, true);
        }
        case "school.construction_completed" -> f.add(section(e.text("stage")), e.data, true, false);
        case "school.equipment_purchased" -> f.add(section(e.text("stage")), e.data, false, true);
        case "school.merged" -> {
          if (!school.equals(e.text("surviving_id"))) {
            f.standing = false;
          } else if (e.flag("facilities_move", true)) {
            for (JsonNode a : e.data.path("absorbed_ids")) {
              String absorbed = a.asText();
              // A school already on the path is a merger cycle only hand-made records can create.
              if (absorbed.equals(school) || path.size() > 8 || path.contains(absorbed)) continue;
              path.add(absorbed);
              Facilities before = facilities(timelines, absorbed, timelines.school(absorbed, e.effective), null, e.id, path);
              path.remove(path.size() - 1);
              before.bySection.forEach((s, g) -> {
                long[] mine = f.of(s);
                for (int i = 0; i < g.length; ++i) mine[i] += g[i];
              });
            }
          }
        }
        default -> {}
      }
      if (segments != null) segments.at(e.effective, f.cells(school));
    }
    return f;
  }

  static List<Contribution> school(Timelines timelines, String school, List<Ev> timeline) {
    Segments segments = new Segments();
    List<String> path = new ArrayList<>(List.of(school));
    facilities(timelines, school, timeline, segments, null, path);
    List<Contribution> out = segments.finish();
    // Allocations count for their whole fiscal year, whatever the day they were made.
    for (Ev e : timeline) {
      if (!e.type.equals("funding.allocated") || !school.equals(e.text("school_id"))) continue;
      int year = e.data.path("fiscal_year").asInt();
      out.add(new Contribution(school, series(WHOLE, FUNDS + CATEGORIES.indexOf(e.text("category")), 0),
          (int) LocalDate.of(year, 1, 1).toEpochDay(), (int) LocalDate.of(year + 1, 1, 1).toEpochDay(),
          e.data.path("amount_fen").asLong()));
    }
    Collections.sort(out);
    return out;
  }
}
