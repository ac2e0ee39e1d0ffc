package io.alignstream.local;

import io.alignstream.common.TemporaryDirectory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Kafka broker in KRaft mode (combined broker + controller, one node), in this JVM,
 * listening on 127.0.0.1 only. Configured so that a single node can run transactions and
 * Kafka Streams exactly_once_v2: every internal topic has replication factor 1 and min ISR 1.
 * With a data directory the log survives restarts (it is formatted only once); without one a
 * temporary directory is used and deleted on {@link #close()}.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

  private static final String HOST = "127.0.0.1";
  private static final int NODE_ID = 1;

  private final KafkaRaftServer server;
  private final Path logDir;
  private final boolean temporary;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedKafkaBroker(KafkaRaftServer server, Path logDir, boolean temporary, int port) {
    this.server = server;
    this.logDir = logDir;
    this.temporary = temporary;
    this.port = port;
  }

  /**
   * Formats (first time only) and starts a broker.
   *
   * @param dataDir where the log lives, or null for a temporary directory
   * @param port the client port, or 0 for any free port
   */
  public static EmbeddedKafkaBroker start(Path dataDir, int port) {
    try {
      // Kafka reports a taken port only after seconds, with an opaque message, and leaves its
      // threads running: check it first.
      int brokerPort = port == 0 ? freePort() : requireFree(port);
      int controllerPort = freePort();
      boolean temporary = dataDir == null;
      Path logDir = temporary ? Files.createTempDirectory("alignstream-kafka") : dataDir.resolve("kafka");
      Files.createDirectories(logDir);
      KafkaConfig config = KafkaConfig.fromProps(serverProperties(logDir, brokerPort, controllerPort));
      format(logDir);
      KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
      try {
        server.startup();
      } catch (RuntimeException e) {
        server.shutdown(); // a half-started server keeps non-daemon threads that would hold the JVM
        server.awaitShutdown();
        if (temporary) {
          TemporaryDirectory.deleteTree(logDir);
        }
        throw new IllegalStateException("the embedded Kafka broker on " + HOST + ":" + brokerPort
            + " failed to start: " + e.getMessage(), e);
      }
      return new EmbeddedKafkaBroker(server, logDir, temporary, brokerPort);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the embedded Kafka log directory", e);
    }
  }

  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  public Path logDir() {
    return logDir;
  }

  /** Stops the broker (and deletes a temporary log directory); safe to call twice. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.shutdown();
    server.awaitShutdown();
    if (temporary) {
      TemporaryDirectory.deleteTree(logDir);
    }
  }

  private static Properties serverProperties(Path logDir, int brokerPort, int controllerPort) {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    p.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    // One node: every internal topic must live with a single replica.
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "4");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "4");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    // Topics are created explicitly (PipelineTopics), so a typo fails instead of creating a stray topic.
    p.put("auto.create.topics.enable", "false");
    p.put("group.initial.rebalance.delay.ms", "0");
    // A killed client's open transaction blocks read_committed readers (and the offsets of the
    // group it was in) until the broker aborts it: look for timed-out ones every second, not 10 s.
    p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
    p.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
    return p;
  }

  private static void format(Path logDir) {
    // A kept data dir is formatted once and reused. The Formatter's ignoreFormatted does not
    // cover this: it still compares the directory's cluster id with the new one and fails.
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return;
    }
    try {
      new Formatter()
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
          .setNodeId(NODE_ID)
          .setClusterId(Uuid.randomUuid().toString())
          .setDirectories(List.of(logDir.toString()))
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setControllerListenerName("CONTROLLER")
          .run();
    } catch (Exception e) {
      throw new IllegalStateException("cannot format the embedded Kafka log directory " + logDir + ": "
          + e.getMessage(), e);
    }
  }

  private static int requireFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("Kafka port " + port + " on " + HOST + " is already in use", e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    }
  }

}
