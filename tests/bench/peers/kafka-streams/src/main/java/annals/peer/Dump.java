package annals.peer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * Prints the figures of every school of a district on a date, read from the state directory of a
 * closed run, to compare with `annals state DISTRICT --at DATE`:
 * java -cp target/annals-streams-peer.jar annals.peer.Dump STATE_DIR DISTRICT YYYY-MM-DD
 */
public final class Dump {
  private static final List<String> MEASURES = List.of("students", "migrant_students", "disabled_students",
      "boarding_students", "teachers", "qualified_teachers", "backbone_teachers", "pe_music_art_teachers",
      "senior_title_teachers", "floor_area", "sports_area", "equipment_value", "multimedia_classrooms", "computers",
      "books");
  private static final List<String> SECTIONS = List.of("primary", "junior", "whole");

  public static void main(String[] args) throws Exception {
    byte[] prefix = (args[1] + "\0").getBytes(StandardCharsets.UTF_8);
    int at = (int) LocalDate.parse(args[2]).toEpochDay();
    Map<String, TreeMap<String, Long>> out = new TreeMap<>();
    RocksDB.loadLibrary();
    List<Path> dbs;
    try (Stream<Path> s = Files.walk(Path.of(args[0]))) {
      dbs = s.filter(p -> p.endsWith(Path.of("rocksdb", Projector.FIGURES))).toList();
    }
    for (Path dir : dbs) {
      try (Options o = new Options(); RocksDB db = RocksDB.openReadOnly(o, dir.toString());
           RocksIterator it = db.newIterator()) {
        for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
          byte[] k = it.key();
          int day = ByteBuffer.wrap(k, k.length - 4, 4).getInt() ^ Integer.MIN_VALUE;
          if (day > at) continue;  // keys of a school ascend by date: the last one <= at wins
          String school = new String(k, prefix.length, k.length - 5 - prefix.length, StandardCharsets.UTF_8);
          TreeMap<String, Long> f = new TreeMap<>();
          ByteBuffer v = ByteBuffer.wrap(it.value());
          while (v.remaining() >= 12) {
            int series = v.getInt();
            long n = v.getLong();
            int measure = series >> 8 & 0xff, grade = series & 0xff;
            String name = SECTIONS.get(series >> 16) + "." + (measure < MEASURES.size() ? MEASURES.get(measure)
                : "funds." + Folds.CATEGORIES.get(measure - Folds.FUNDS));
            f.merge(name, n, Long::sum);  // students are kept by grade: summed here
            if (grade != 0) f.merge(name + ".grade" + grade, n, Long::sum);
          }
          out.put(school, f);
        }
      }
    }
    out.forEach((school, f) -> System.out.println(school + " " + f));
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length && java.util.Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }
}
