package annals.peer;

import annals.peer.Folds.Contribution;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.smile.SmileFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The projection of services/projector/projection.cpp as one Kafka Streams processor: per record,
 * decode, de-duplicate, store, append to the district log and the timelines, mark retractions,
 * and restate the contributions and the per-school figures of the entities the record touches.
 * Keys are built so that the stores' byte order is the order of the views (see README.md).
 */
final class Projector implements Processor<String, byte[], Void, Void> {
  static final String EVENTS = "events", LOG = "district-log", REGISTRY = "registry", TIMELINES = "timelines",
      RETRACTIONS = "retractions", CONTRIBUTIONS = "contributions", FIGURES = "figures";
  static final List<String> STORES = List.of(EVENTS, LOG, REGISTRY, TIMELINES, RETRACTIONS, CONTRIBUTIONS, FIGURES);
  static final int SCHOOL = 0, TEACHER = 1, STUDENT = 2, CLUSTER = 3;
  static final int POS = 13;            // log position: system (1), partition (4), offset (8)
  static final long NOT_RETRACTED = Long.MIN_VALUE;

  /** Counters shared by every task of every stream thread. */
  static final class Counters {
    final AtomicLong processed = new AtomicLong(), applied = new AtomicLong(), duplicates = new AtomicLong(),
        deadLetters = new AtomicLong();
  }

  record Ref(int kind, String id) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper SMILE = new ObjectMapper(new SmileFactory());
  private final Map<String, Integer> topicSystems;
  private final Counters counters;
  private ProcessorContext<Void, Void> context;
  private KeyValueStore<Bytes, byte[]> events, log, registry, timelines, retractions, contributions, figures;

  Projector(Map<String, Integer> topicSystems, Counters counters) {
    this.topicSystems = topicSystems;
    this.counters = counters;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    events = context.getStateStore(EVENTS);
    log = context.getStateStore(LOG);
    registry = context.getStateStore(REGISTRY);
    timelines = context.getStateStore(TIMELINES);
    retractions = context.getStateStore(RETRACTIONS);
    contributions = context.getStateStore(CONTRIBUTIONS);
    figures = context.getStateStore(FIGURES);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    RecordMetadata meta = context.recordMetadata().orElseThrow();
    String reason;
    try {
      reason = apply(record.key(), record.value(), meta);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (reason != null && counters.deadLetters.incrementAndGet() <= 10)
      System.err.printf("dead letter %s-%d@%d: %s%n", meta.topic(), meta.partition(), meta.offset(), reason);
    counters.processed.incrementAndGet();
  }

  /** Applies one record; returns null or the reason it is a dead letter. */
  private String apply(String key, byte[] value, RecordMetadata meta) throws IOException {
    Integer topicSystem = topicSystems.get(meta.topic());
    if (topicSystem == null) return "record on a topic that is not an Annals domain topic";
    if (value == null) return "record without a value";
    Ev e;
    try {
      e = Ev.of(JSON.readTree(value));
      e.recorded();  // a malformed recorded_at is a dead letter, not a failure later on
    } catch (RuntimeException | IOException ex) {
      return "invalid event: " + ex.getMessage();
    }
    if (e.system() != topicSystem && e.system() != Ev.PLATFORM)
      return "event type " + e.type + " does not belong on " + meta.topic();
    if (!e.district.equals(key)) return "record key '" + key + "' is not the event's district '" + e.district + "'";
    final boolean retraction = e.type.equals(Ev.RETRACTED);
    final String targetId = retraction ? e.text("event_id") : null;
    if (retraction && (targetId == null || targetId.equals(e.id))) return "an event cannot retract itself";

    Bytes id = idKey(e.id);
    if (events.get(id) != null) {
      counters.duplicates.incrementAndGet();
      return null;
    }
    Bytes target = retraction ? idKey(targetId) : null;
    byte[] targetStored = retraction ? events.get(target) : null;
    Ev targetEvent = null;
    if (targetStored != null) {
      targetEvent = Ev.of(SMILE.readTree(targetStored, POS, targetStored.length - POS));
      if (targetEvent.type.equals(Ev.RETRACTED))
        return "retracting a retraction is not supported: publish the event again under a new id";
      if (!targetEvent.district.equals(e.district))
        return "the retracted event belongs to district '" + targetEvent.district + "', not '" + e.district + "'";
    }
    byte[] pos = ByteBuffer.allocate(POS).put((byte) (int) topicSystem).putInt(meta.partition())
        .putLong(meta.offset()).array();
    byte[] binary = SMILE.writeValueAsBytes(e.doc);
    events.put(id, concat(pos, binary));
    log.put(orderKey(e, pos), id.get());

    // When was this event retracted, if a retraction arrived first? One from another district is void.
    long retractedAt = NOT_RETRACTED;
    byte[] when = retractions.get(id);
    if (when != null && new String(when, 8, when.length - 8, StandardCharsets.UTF_8).equals(e.district))
      retractedAt = ByteBuffer.wrap(when).getLong();
    byte[] entry = concat(longBytes(retractedAt), binary);
    for (KeyValue<KeyValueStore<Bytes, byte[]>, Bytes> view : viewKeys(e, pos)) view.key.put(view.value, entry);
    List<Ref> restate = timelineEntities(e);

    if (retraction) {
      long first = e.recorded();
      byte[] earlier = retractions.get(target);
      if (earlier != null) first = Math.min(first, ByteBuffer.wrap(earlier).getLong());
      retractions.put(target, concat(longBytes(first), e.district.getBytes(StandardCharsets.UTF_8)));
      if (targetEvent != null) {  // mark the target wherever the views hold it
        byte[] marked = concat(longBytes(first), Arrays.copyOfRange(targetStored, POS, targetStored.length));
        for (var view : viewKeys(targetEvent, Arrays.copyOf(targetStored, POS))) view.key.put(view.value, marked);
        restate = timelineEntities(targetEvent);
      }
    }
    Map<String, TreeMap<Integer, Map<Integer, Long>>> changes = new HashMap<>();
    for (Ref ref : restate) restate(e.district, ref, changes, new HashSet<>());
    writeFigures(e.district, changes);
    counters.applied.incrementAndGet();
    return null;
  }

  /** The students, teachers, schools and clusters whose timelines hold the event (views::timeline_entities). */
  static List<Ref> timelineEntities(Ev e) {
    List<Ref> out = new ArrayList<>();
    switch (e.type) {
      case "school.merged" -> {
        for (JsonNode a : e.data.path("absorbed_ids")) out.add(new Ref(SCHOOL, a.asText()));
        out.add(new Ref(SCHOOL, e.text("surviving_id")));
      }
      case "school.split" -> {
        out.add(new Ref(SCHOOL, e.text("source_id")));
        for (JsonNode n : e.data.path("new_schools")) out.add(new Ref(SCHOOL, n.path("school_id").asText()));
      }
      case "cluster.created", "cluster.dissolved" -> out.add(new Ref(CLUSTER, e.text("cluster_id")));
      case "school.joined_cluster", "school.left_cluster" -> {
        out.add(new Ref(SCHOOL, e.text("school_id")));
        out.add(new Ref(CLUSTER, e.text("cluster_id")));
      }
      case "teacher.transferred", "student.transferred" -> {
        out.add(new Ref(e.type.startsWith("teacher") ? TEACHER : STUDENT,
            e.text(e.type.startsWith("teacher") ? "teacher_id" : "student_id")));
        out.add(new Ref(SCHOOL, e.text("from_school_id")));
        out.add(new Ref(SCHOOL, e.text("to_school_id")));
      }
      default -> {
        if (e.text("teacher_id") != null) out.add(new Ref(TEACHER, e.text("teacher_id")));
        else if (e.text("student_id") != null) out.add(new Ref(STUDENT, e.text("student_id")));
        if (e.text("school_id") != null && (out.isEmpty() || e.type.endsWith(".hired") || e.type.endsWith(".enrolled")))
          out.add(new Ref(SCHOOL, e.text("school_id")));
      }
    }
    // Personnel and enrollment events reach schools through the figures, not the school's timeline.
    if (e.system() == Ev.PERSONNEL || e.system() == Ev.ENROLLMENT) out.removeIf(r -> r.kind == SCHOOL);
    out.removeIf(r -> r.id == null);
    return out.stream().distinct().toList();
  }

  /** Where the views hold the event: the registry view (roster-shaping registry events) and the timelines. */
  private List<KeyValue<KeyValueStore<Bytes, byte[]>, Bytes>> viewKeys(Ev e, byte[] pos) {
    List<KeyValue<KeyValueStore<Bytes, byte[]>, Bytes>> out = new ArrayList<>();
    boolean facilities = e.type.equals("school.facilities_surveyed") || e.type.equals("school.construction_completed")
        || e.type.equals("school.equipment_purchased");
    if (e.system() == Ev.REGISTRY && !facilities) out.add(KeyValue.pair(registry, orderKey(e, pos)));
    for (Ref ref : timelineEntities(e))
      out.add(KeyValue.pair(timelines, key(e.district, (byte) ref.kind, ref.id, e.effective, e.recorded(), pos)));
    return out;
  }

  /** Recomputes an entity's contributions from its timeline; what differs goes into `changes`. */
  private void restate(String district, Ref entity, Map<String, TreeMap<Integer, Map<Integer, Long>>> changes,
                       Set<String> restated) throws IOException {
    if (entity.kind == CLUSTER) return;
    // Each school once per call: hand-made records can make mergers that go round in circles.
    if (entity.kind == SCHOOL && !restated.add(entity.id)) return;
    Bytes key = key(district, (byte) entity.kind, entity.id);
    List<Contribution> before = decodeContributions(contributions.get(key));
    List<Ev> timeline = timeline(district, entity, Folds.OPEN);
    List<Contribution> after = switch (entity.kind) {
      case STUDENT -> Folds.student(timeline);
      case TEACHER -> Folds.teacher(timeline);
      default -> Folds.school((school, upTo) -> timeline(district, new Ref(SCHOOL, school), upTo), entity.id, timeline);
    };
    if (!before.equals(after)) {
      // Only what differs: a promotion ends one interval and starts another; the rest stays.
      Set<Contribution> gone = new HashSet<>(before), came = new HashSet<>(after);
      after.forEach(gone::remove);
      before.forEach(came::remove);
      for (Contribution c : gone) change(changes, c, -1);
      for (Contribution c : came) change(changes, c, +1);
      if (after.isEmpty()) contributions.delete(key);
      else contributions.put(key, encodeContributions(after));
    }
    // The facilities of an absorbed school moved to the survivor: restate it too.
    if (entity.kind == SCHOOL)
      for (Ev e : timeline)
        if (e.type.equals("school.merged") && !entity.id.equals(e.text("surviving_id")))
          restate(district, new Ref(SCHOOL, e.text("surviving_id")), changes, restated);
  }

  private static void change(Map<String, TreeMap<Integer, Map<Integer, Long>>> changes, Contribution c, long sign) {
    TreeMap<Integer, Map<Integer, Long>> school = changes.computeIfAbsent(c.school(), s -> new TreeMap<>());
    school.computeIfAbsent(c.from(), d -> new HashMap<>()).merge(c.series(), sign * c.value(), Long::sum);
    if (c.to() != Folds.OPEN)
      school.computeIfAbsent(c.to(), d -> new HashMap<>()).merge(c.series(), -sign * c.value(), Long::sum);
  }

  /** The entity's visible (not retracted) events with effective date <= upTo, in timeline order. */
  private List<Ev> timeline(String district, Ref entity, int upTo) {
    byte[] last = new byte[8 + POS];
    Arrays.fill(last, (byte) 0xff);
    Bytes from = key(district, (byte) entity.kind, entity.id), to = key(district, (byte) entity.kind, entity.id, upTo, last);
    List<Ev> out = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = timelines.range(from, to)) {
      while (it.hasNext()) {
        byte[] v = it.next().value;
        if (v != null && ByteBuffer.wrap(v).getLong() == NOT_RETRACTED) out.add(Ev.of(SMILE.readTree(v, 8, v.length - 8)));
      }
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out;
  }

  /**
   * figures: "<district>\0<school>\0<date>" -> every series of the school from that date on (4 bytes of
   * series, 8 of value, per non-zero series). One step per date on which anything of the school changed;
   * no step equals the one before. A school on a date is one reverse seek (FigureChanges::write).
   */
  private void writeFigures(String district, Map<String, TreeMap<Integer, Map<Integer, Long>>> changes) {
    for (var school : changes.entrySet()) {
      TreeMap<Integer, Map<Integer, Long>> deltas = school.getValue();
      deltas.values().forEach(d -> d.values().removeIf(n -> n == 0));
      deltas.values().removeIf(Map::isEmpty);
      if (deltas.isEmpty()) continue;
      int start = deltas.firstKey();
      // The figures in force just before the first change; they stay.
      TreeMap<Integer, Long> before = new TreeMap<>();
      try (var it = figures.reverseRange(figuresKey(district, school.getKey(), Integer.MIN_VALUE),
          figuresKey(district, school.getKey(), start - 1))) {
        while (it.hasNext()) {  // (the store cache can show a deleted step as a null value)
          byte[] v = it.next().value;
          if (v != null) {
            before = decodeFigures(v);
            break;
          }
        }
      }
      // Every step from the first change on, as stored.
      TreeMap<Integer, TreeMap<Integer, Long>> stored = new TreeMap<>();
      try (var it = figures.range(figuresKey(district, school.getKey(), start),
          figuresKey(district, school.getKey(), Integer.MAX_VALUE))) {
        while (it.hasNext()) {
          var kv = it.next();
          if (kv.value == null) continue;
          byte[] k = kv.key.get();
          stored.put(ByteBuffer.wrap(k, k.length - 4, 4).getInt() ^ Integer.MIN_VALUE, decodeFigures(kv.value));
        }
      }
      // Walk the union of stored steps and changes: the old figures plus the changes so far.
      TreeSet<Integer> dates = new TreeSet<>(stored.keySet());
      dates.addAll(deltas.keySet());
      TreeMap<Integer, Long> old = before, previous = before;
      Map<Integer, Long> added = new HashMap<>();
      for (int d : dates) {
        TreeMap<Integer, Long> s = stored.get(d);
        if (s != null) old = s;
        Map<Integer, Long> c = deltas.get(d);
        if (c != null) c.forEach((series, n) -> added.merge(series, n, Long::sum));
        TreeMap<Integer, Long> now = new TreeMap<>(old);
        added.forEach((series, n) -> now.merge(series, n, Long::sum));
        now.values().removeIf(n -> n == 0);
        Bytes key = figuresKey(district, school.getKey(), d);
        if (now.equals(previous)) {
          if (s != null) figures.delete(key);  // no longer a step
        } else if (s == null || !s.equals(now)) {
          figures.put(key, encodeFigures(now));
        }
        previous = now;
      }
    }
  }

  // ---- keys and values --------------------------------------------------------------------------

  /**
   * A key: a string as UTF-8 and a 0 byte; an int or a long big-endian with the sign bit flipped, so
   * that bytes sort as numbers; a byte or a byte array as is.
   */
  private static Bytes key(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    for (Object part : parts) {
      if (part instanceof String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
      } else if (part instanceof Integer i) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(i ^ Integer.MIN_VALUE).array());
      } else if (part instanceof Long l) {
        out.writeBytes(longBytes(l ^ Long.MIN_VALUE));
      } else if (part instanceof Byte b) {
        out.write(b);
      } else {
        out.writeBytes((byte[]) part);
      }
    }
    return Bytes.wrap(out.toByteArray());
  }

  private static Bytes idKey(String uuid) {
    try {
      UUID u = UUID.fromString(uuid);
      return Bytes.wrap(ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array());
    } catch (IllegalArgumentException notUuid) {
      return Bytes.wrap(uuid.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** district_log and registry keys: district, effective date, recorded_at, log position. */
  private static Bytes orderKey(Ev e, byte[] pos) {
    return key(e.district, e.effective, e.recorded(), pos);
  }

  private static Bytes figuresKey(String district, String school, int day) {
    return key(district, school, day);
  }

  private static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] encodeFigures(TreeMap<Integer, Long> f) {
    ByteBuffer b = ByteBuffer.allocate(12 * f.size());
    f.forEach((series, n) -> b.putInt(series).putLong(n));
    return b.array();
  }

  private static TreeMap<Integer, Long> decodeFigures(byte[] v) {
    TreeMap<Integer, Long> f = new TreeMap<>();
    ByteBuffer b = ByteBuffer.wrap(v);
    while (b.remaining() >= 12) f.put(b.getInt(), b.getLong());
    return f;
  }

  private static byte[] encodeContributions(List<Contribution> cs) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 * cs.size());
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(cs.size());
    for (Contribution c : cs) {
      out.writeUTF(c.school());
      out.writeInt(c.series());
      out.writeInt(c.from());
      out.writeInt(c.to());
      out.writeLong(c.value());
    }
    return bytes.toByteArray();
  }

  private static List<Contribution> decodeContributions(byte[] v) throws IOException {
    if (v == null) return List.of();
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(v));
    int n = in.readInt();
    List<Contribution> out = new ArrayList<>(n);
    for (int i = 0; i < n; ++i)
      out.add(new Contribution(in.readUTF(), in.readInt(), in.readInt(), in.readInt(), in.readLong()));
    return out;
  }
}
