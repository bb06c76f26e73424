package annals.peer;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Set;

/** One decoded event: the envelope fields the projection needs, its data, and the whole document. */
final class Ev {
  static final int REGISTRY = 0, PERSONNEL = 1, ENROLLMENT = 2, FINANCE = 3, PLATFORM = 4;
  static final String RETRACTED = "record.retracted";
  static final Set<String> TYPES = Set.of(
      "budget.appropriated", "cluster.created", "cluster.dissolved", "district.disabled_children_counted",
      "district.registered", "district.senior_high_quota_allocated", "funding.allocated", "record.retracted",
      "school.classes_counted", "school.closed", "school.construction_completed", "school.equipment_purchased",
      "school.facilities_surveyed", "school.joined_cluster", "school.left_cluster", "school.merged", "school.opened",
      "school.renamed", "school.split", "school.stages_changed", "student.enrolled", "student.flags_changed",
      "student.graduated", "student.promoted", "student.transferred", "student.withdrew", "teacher.hired",
      "teacher.honour_awarded", "teacher.honour_revoked", "teacher.left", "teacher.qualification_changed",
      "teacher.title_changed", "teacher.transferred");

  final String id, type, district;
  final int effective;  // days since 1970-01-01
  final JsonNode data, doc;
  private final String recordedText;
  private long recorded = Long.MIN_VALUE;

  private Ev(JsonNode doc) {
    this.doc = doc;
    id = required(doc, "id");
    type = required(doc, "type");
    district = required(doc, "district");
    effective = day(required(doc, "effective_date"));
    recordedText = required(doc, "recorded_at");
    data = doc.get("data");
    if (data == null || !data.isObject()) throw new IllegalArgumentException("/data: missing or not an object");
    if (!TYPES.contains(type)) throw new IllegalArgumentException("/type: unknown event type " + type);
  }

  static Ev of(JsonNode doc) {
    return new Ev(doc);
  }

  /** recorded_at in microseconds since the epoch (parsed on first use). */
  long recorded() {
    if (recorded == Long.MIN_VALUE) {
      Instant t = Instant.parse(recordedText);
      recorded = t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }
    return recorded;
  }

  int system() {
    return systemOf(type);
  }

  static int systemOf(String type) {
    if (type.equals(RETRACTED)) return PLATFORM;
    if (type.startsWith("student.")) return ENROLLMENT;
    if (type.startsWith("teacher.")) return PERSONNEL;
    if (type.startsWith("funding.") || type.startsWith("budget.")) return FINANCE;
    return REGISTRY;  // school.*, cluster.*, district.*
  }

  String text(String field) {
    JsonNode n = data.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  boolean flag(String field, boolean absent) {
    JsonNode n = data.get(field);
    return n == null || n.isNull() ? absent : n.asBoolean();
  }

  static int day(String yyyyMmDd) {
    if (yyyyMmDd.length() != 10) throw new IllegalArgumentException("not a date: " + yyyyMmDd);
    return (int) LocalDate.of(Integer.parseInt(yyyyMmDd, 0, 4, 10), Integer.parseInt(yyyyMmDd, 5, 7, 10),
        Integer.parseInt(yyyyMmDd, 8, 10, 10)).toEpochDay();
  }

  private static String required(JsonNode doc, String field) {
    JsonNode n = doc.get(field);
    if (n == null || !n.isTextual()) throw new IllegalArgumentException("/" + field + ": missing or not a string");
    return n.asText();
  }
}
