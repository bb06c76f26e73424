package annals.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.Stores;

/**
 * Runs the projection over the four Annals topics until it has processed --expect records, closes
 * Kafka Streams cleanly, and prints one JSON line: events, seconds, events_per_second, store_bytes.
 */
public final class Main {
  public static void main(String[] argv) throws Exception {
    Map<String, String> a = new HashMap<>(Map.of("--topic-prefix", "annals.", "--application-id", "annals-streams-peer",
        "--state-dir", "/tmp/annals-streams-peer", "--threads", "2", "--guarantee", StreamsConfig.EXACTLY_ONCE_V2,
        "--timeout-seconds", "1800", "--commit-interval-ms", "1000", "--cache-mb", "64",
        "--cached-stores", "contributions,figures"));
    for (int i = 0; i < argv.length; i += 2) {
      if (!argv[i].startsWith("--") || i + 1 >= argv.length) fail(2, "usage: --brokers HOST:PORT --expect N "
          + "[--topic-prefix P] [--application-id ID] [--state-dir DIR] [--threads T] "
          + "[--guarantee at_least_once|exactly_once_v2] [--timeout-seconds S] [--commit-interval-ms MS] [--cache-mb MB]"
          + " [--cached-stores all|none|STORE,...]");
      a.put(argv[i], argv[i + 1]);
    }
    if (!a.containsKey("--brokers") || !a.containsKey("--expect")) fail(2, "--brokers and --expect are required");
    String brokers = a.get("--brokers"), prefix = a.get("--topic-prefix"), guarantee = a.get("--guarantee");
    if (!Set.of(StreamsConfig.AT_LEAST_ONCE, StreamsConfig.EXACTLY_ONCE_V2).contains(guarantee))
      fail(2, "--guarantee must be at_least_once or exactly_once_v2");
    long expect = Long.parseLong(a.get("--expect"));
    long timeoutNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(a.get("--timeout-seconds")));
    Path stateDir = Path.of(a.get("--state-dir"));

    Map<String, Integer> topics = Map.of(prefix + "registry", Ev.REGISTRY, prefix + "personnel", Ev.PERSONNEL,
        prefix + "enrollment", Ev.ENROLLMENT, prefix + "finance", Ev.FINANCE);
    checkBroker(brokers, topics.keySet());

    Projector.Counters counters = new Projector.Counters();
    Topology topology = new Topology();
    topology.addSource(Topology.AutoOffsetReset.EARLIEST, "topics", Serdes.String().deserializer(),
        Serdes.ByteArray().deserializer(), topics.keySet().toArray(String[]::new));
    topology.addProcessor("project", () -> new Projector(topics, counters), "topics");
    // Caching only where keys are rewritten (contributions, figures); see README.md.
    Set<String> cached = Set.of(a.get("--cached-stores").split(","));
    for (String store : Projector.STORES) {
      var builder = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.Bytes(), Serdes.ByteArray());
      if (cached.contains("all") || cached.contains(store)) builder.withCachingEnabled();
      topology.addStateStore(builder, "project");  // logging (changelog topics) stays on
    }

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, a.get("--application-id"));
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(a.get("--threads")));
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);  // single-node test broker
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.parseLong(a.get("--cache-mb")) << 20);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.parseLong(a.get("--commit-interval-ms")));
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");  // changelog records

    KafkaStreams streams = new KafkaStreams(topology, p);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    streams.setUncaughtExceptionHandler(ex -> {
      failure.compareAndSet(null, ex);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    long t0 = System.nanoTime(), lastReport = t0, firstRecord = 0;
    streams.start();
    String error = null;
    while (counters.processed.get() < expect) {
      Thread.sleep(50);
      long now = System.nanoTime();
      if (firstRecord == 0 && counters.processed.get() > 0) {
        firstRecord = now;
        System.err.printf("first record processed %.1f s after start (rebalance, store and producer set-up)%n",
            (now - t0) / 1e9);
      }
      if (failure.get() != null || streams.state() == KafkaStreams.State.ERROR
          || streams.state() == KafkaStreams.State.NOT_RUNNING) {
        error = "Kafka Streams stopped: " + (failure.get() == null ? streams.state() : failure.get());
        break;
      }
      if (now - t0 > timeoutNanos) {
        error = "timed out after " + a.get("--timeout-seconds") + " s with " + counters.processed.get() + " of "
            + expect + " records processed";
        break;
      }
      if (now - lastReport > TimeUnit.SECONDS.toNanos(10)) {
        lastReport = now;
        System.err.printf("progress: %d/%d records (%d applied, %d duplicates, %d dead letters) in %.0f s, %s%n",
            counters.processed.get(), expect, counters.applied.get(), counters.duplicates.get(),
            counters.deadLetters.get(), (now - t0) / 1e9, streams.state());
      }
    }
    boolean closed = streams.close(Duration.ofMinutes(5));
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (error != null) fail(1, error);
    if (!closed) fail(1, "Kafka Streams did not close within 5 minutes");
    long events = counters.processed.get();
    System.err.printf("done: %d records (%d applied, %d duplicates, %d dead letters), %s, %d threads%n", events,
        counters.applied.get(), counters.duplicates.get(), counters.deadLetters.get(), guarantee,
        Integer.parseInt(a.get("--threads")));
    System.out.printf(Locale.ROOT, "{\"events\":%d,\"seconds\":%.3f,\"events_per_second\":%.1f,\"store_bytes\":%d}%n",
        events, seconds, events / seconds, sizeOf(stateDir));
    System.exit(0);
  }

  /** Exits with a message if the broker does not answer or a domain topic is missing. */
  private static void checkBroker(String brokers, Set<String> topics) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    try (Admin admin = Admin.create(p)) {
      admin.describeCluster().nodes().get(20, TimeUnit.SECONDS);
      Set<String> present = admin.listTopics().names().get(20, TimeUnit.SECONDS);
      for (String t : topics) if (!present.contains(t)) fail(1, "topic " + t + " does not exist at " + brokers);
    } catch (Exception e) {
      fail(1, "cannot reach the Kafka broker at " + brokers + ": " + e);
    }
  }

  private static long sizeOf(Path dir) throws IOException {
    if (!Files.exists(dir)) return 0;
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  private static void fail(int code, String message) {
    System.err.println("annals-streams-peer: " + message);
    System.exit(code);
  }
}
