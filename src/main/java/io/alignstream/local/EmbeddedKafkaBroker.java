package io.alignstream.local;

import io.alignstream.common.Replication;
import io.alignstream.common.TemporaryDirectory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Kafka broker in KRaft mode (combined broker + controller), in this JVM, listening on
 * 127.0.0.1 only: a cluster of one node, or one node of a cluster of several ({@link KafkaNodes}).
 * Internal topics are replicated as {@link Replication#forBrokers} says for the cluster's size,
 * so that a single node can run transactions and Kafka Streams exactly_once_v2 (replication
 * factor 1, min ISR 1) and three nodes survive the loss of one (3 and 2).
 * With a data directory the log survives restarts (it is formatted only once); without one a
 * temporary directory is used and deleted on {@link #close()}.
 *
 * <p>Besides its PLAINTEXT listener (which the broker itself and local tools use), it can open a
 * {@link SecuredListener}: SASL (PLAIN and SCRAM-SHA-256/512, the same users for each), SSL, or
 * both, so that clients' security settings can be tried against a real broker.
 */
public final class EmbeddedKafkaBroker implements KafkaBrokers {

  private static final String HOST = KafkaNodes.HOST;
  /** A broker unheard of for this long is fenced and its partitions led elsewhere (clusters of several nodes). */
  static final int BROKER_SESSION_TIMEOUT_MS = 2000;
  /** A controller quorum follower that hears nothing from its leader for this long starts an election. */
  static final int QUORUM_FETCH_TIMEOUT_MS = 1000;
  /** How long a candidate waits for votes before it tries again (randomised up to twice this). */
  static final int QUORUM_ELECTION_TIMEOUT_MS = 500;
  private static final List<String> SASL_MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

  private final KafkaRaftServer server;
  private final Path logDir;
  private final boolean temporary;
  private final int port;
  private final int securedPort;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedKafkaBroker(KafkaRaftServer server, Path logDir, boolean temporary, int port, int securedPort) {
    this.server = server;
    this.logDir = logDir;
    this.temporary = temporary;
    this.port = port;
    this.securedPort = securedPort;
  }

  /**
   * Formats (first time only) and starts a one-node cluster.
   *
   * @param dataDir where the log lives (its {@code kafka} folder), or null for a temporary directory
   * @param port the client port, or 0 for any free port
   */
  public static EmbeddedKafkaBroker start(Path dataDir, int port) {
    return start(dataDir, port, null);
  }

  /**
   * A second client listener on 127.0.0.1 that requires authentication, encryption, or both.
   *
   * @param protocol SASL_PLAINTEXT, SSL or SASL_SSL
   * @param port its port, or 0 for any free one
   * @param users user name to password, for PLAIN and SCRAM (SASL protocols)
   * @param keyStore PKCS12 key store holding the broker's certificate (SSL protocols)
   * @param keyStorePassword password of the key store and its key
   */
  public record SecuredListener(String protocol, int port, Map<String, String> users, Path keyStore,
      String keyStorePassword) {

    public static final List<String> PROTOCOLS = List.of("SASL_PLAINTEXT", "SSL", "SASL_SSL");

    public SecuredListener {
      if (!PROTOCOLS.contains(protocol)) {
        throw new IllegalArgumentException("secured listener protocol must be one of " + PROTOCOLS + ", not "
            + protocol);
      }
      users = Map.copyOf(users);
      if (protocol.startsWith("SASL") && users.isEmpty()) {
        throw new IllegalArgumentException(protocol + " needs at least one user");
      }
      if (protocol.endsWith("SSL") && (keyStore == null || keyStorePassword == null)) {
        throw new IllegalArgumentException(protocol + " needs a key store and its password");
      }
    }

    boolean sasl() {
      return protocol.startsWith("SASL");
    }

    boolean ssl() {
      return protocol.endsWith("SSL");
    }

    @Override
    public String toString() { // never the passwords
      return "SecuredListener[" + protocol + " on port " + port + ", users " + users.keySet() + "]";
    }
  }

  /**
   * Formats (first time only) and starts a one-node cluster, with a secured listener when one is
   * given. SCRAM credentials of the listener's users are created once the broker runs.
   */
  public static EmbeddedKafkaBroker start(Path dataDir, int port, SecuredListener secured) {
    int brokerPort = port == 0 ? FreePorts.any() : FreePorts.require(port, "Kafka");
    int securedPort = secured == null ? -1 : secured.port() == 0 ? FreePorts.any()
        : FreePorts.require(secured.port(), "secured Kafka listener");
    boolean temporary = dataDir == null;
    Path logDir;
    try {
      logDir = temporary ? Files.createTempDirectory("alignstream-kafka") : dataDir.resolve("kafka");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the embedded Kafka log directory", e);
    }
    KafkaNodes nodes = new KafkaNodes(clusterIdOf(logDir), List.of(new KafkaNodes.Node(1, brokerPort, FreePorts.any())));
    EmbeddedKafkaBroker broker = start(nodes, 1, logDir, temporary, secured, securedPort);
    if (secured != null && secured.sasl()) {
      broker.createScramCredentials(secured.users());
    }
    return broker;
  }

  /**
   * Formats (first time only) and starts node {@code id} of a cluster of several nodes in this
   * JVM; it serves once a majority of the controllers runs, so the others must start meanwhile
   * (in other processes or threads). The log directory is kept.
   */
  public static EmbeddedKafkaBroker startNode(KafkaNodes nodes, int id, Path logDir) {
    return start(nodes, id, logDir, false, null, -1);
  }

  private static EmbeddedKafkaBroker start(KafkaNodes nodes, int id, Path logDir, boolean temporary,
      SecuredListener secured, int securedPort) {
    KafkaNodes.Node node = nodes.node(id);
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the embedded Kafka log directory " + logDir, e);
    }
    Properties properties = serverProperties(logDir, nodes, node);
    if (secured != null) {
      addSecuredListener(properties, secured, securedPort);
    }
    KafkaConfig config = KafkaConfig.fromProps(properties);
    format(logDir, nodes.clusterId(), id);
    KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    try {
      server.startup();
    } catch (RuntimeException e) {
      server.shutdown(); // a half-started server keeps non-daemon threads that would hold the JVM
      server.awaitShutdown();
      if (temporary) {
        TemporaryDirectory.deleteTree(logDir);
      }
      throw new IllegalStateException("the embedded Kafka broker on " + node.bootstrap() + " failed to start: "
          + e.getMessage(), e);
    }
    return new EmbeddedKafkaBroker(server, logDir, temporary, node.port(), securedPort);
  }

  @Override
  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  @Override
  public List<String> describe() {
    return List.of("broker on " + bootstrapServers() + " in this process");
  }

  /** {@code 127.0.0.1:PORT} of the secured listener; only when the broker was started with one. */
  public String securedBootstrapServers() {
    if (securedPort < 0) {
      throw new IllegalStateException("this broker has no secured listener");
    }
    return HOST + ":" + securedPort;
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

  private static Properties serverProperties(Path logDir, KafkaNodes nodes, KafkaNodes.Node node) {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(node.id()));
    p.put("controller.quorum.voters", nodes.voters());
    p.put("listeners", "PLAINTEXT://" + HOST + ":" + node.port() + ",CONTROLLER://" + HOST + ":" + node.controllerPort());
    p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + node.port());
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    // The internal topics (offsets, transactions) and topics created without a replication
    // factor get the cluster's: one replica on one node (which is what lets a single node run
    // transactions and exactly_once_v2 at all), three with two in sync on three or more.
    Replication replication = nodes.replication();
    String factor = String.valueOf(replication.factor());
    String minInsync = String.valueOf(replication.minInsync());
    p.put("offsets.topic.replication.factor", factor);
    p.put("offsets.topic.num.partitions", "4");
    p.put("transaction.state.log.replication.factor", factor);
    p.put("transaction.state.log.min.isr", minInsync);
    p.put("transaction.state.log.num.partitions", "4");
    p.put("share.coordinator.state.topic.replication.factor", factor);
    p.put("share.coordinator.state.topic.min.isr", minInsync);
    p.put("default.replication.factor", factor);
    p.put("min.insync.replicas", minInsync);
    if (nodes.size() > 1) {
      // A killed broker holds back every acks=all write to a partition whose ISR it is in, and
      // every transaction it coordinates or leads a partition of, until the controller fences it,
      // after this long without a heartbeat (Kafka's default is 9 s, with heartbeats every 2 s):
      // that wait is most of a broker loss's stall. 2 s (heartbeats every 500 ms) made the
      // longest commit gap after a kill 1.8-2.3 s where 4 s gave 3.6-3.7 s (bench chaos, quiet
      // VM, docs/benchmarks.md). Too short and a broker that pauses longer (a long GC, a starved
      // host) is fenced although alive: its leaders move, a stall like a loss's, and it rejoins
      // at its next heartbeat.
      p.put("broker.session.timeout.ms", String.valueOf(BROKER_SESSION_TIMEOUT_MS));
      p.put("broker.heartbeat.interval.ms", String.valueOf(BROKER_SESSION_TIMEOUT_MS / 4));
      // Each node is a controller too (combined mode): when the active one is killed, the others
      // elect a new one after the fetch timeout (Kafka's 2 s) and a randomised election timeout
      // (1 s), and the new controller starts every broker's session afresh before it fences the
      // lost one. Halved, the election took 0.5-0.9 s instead of 1.8 s, and fencing the killed
      // controller 2.7-3.1 s instead of 5.9 s. An election for nothing (a follower's fetch late
      // by more than 1 s) only moves the controller: no broker is fenced by it.
      p.put("controller.quorum.fetch.timeout.ms", String.valueOf(QUORUM_FETCH_TIMEOUT_MS));
      p.put("controller.quorum.election.timeout.ms", String.valueOf(QUORUM_ELECTION_TIMEOUT_MS));
    }
    // Topics are created explicitly (PipelineTopics), so a typo fails instead of creating a stray topic.
    p.put("auto.create.topics.enable", "false");
    p.put("group.initial.rebalance.delay.ms", "0");
    // A killed client's open transaction blocks read_committed readers (and the offsets of the
    // group it was in) until the broker aborts it: look for timed-out ones every second, not 10 s.
    p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
    p.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
    return p;
  }

  /**
   * The secured listener, named after its protocol. The JAAS entries are per listener and
   * mechanism: PLAIN checks the {@code user_NAME="password"} entries, SCRAM the credentials
   * stored in the cluster metadata ({@link #createScramCredentials}).
   */
  private static void addSecuredListener(Properties p, SecuredListener secured, int securedPort) {
    String name = secured.protocol();
    String prefix = "listener.name." + name.toLowerCase(Locale.ROOT) + ".";
    p.put("listeners", p.get("listeners") + "," + name + "://" + HOST + ":" + securedPort);
    p.put("advertised.listeners", p.get("advertised.listeners") + "," + name + "://" + HOST + ":" + securedPort);
    p.put("listener.security.protocol.map", p.get("listener.security.protocol.map") + "," + name + ":" + name);
    if (secured.sasl()) {
      p.put(prefix + "sasl.enabled.mechanisms", String.join(",", SASL_MECHANISMS));
      StringBuilder plain = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
      secured.users().forEach((user, password) -> plain.append(" user_").append(user).append("=\"")
          .append(password.replace("\\", "\\\\").replace("\"", "\\\"")).append('"'));
      p.put(prefix + "plain.sasl.jaas.config", plain.append(';').toString());
      for (String scram : List.of("scram-sha-256", "scram-sha-512")) {
        p.put(prefix + scram + ".sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
      }
    }
    if (secured.ssl()) {
      p.put(prefix + "ssl.keystore.type", "PKCS12");
      p.put(prefix + "ssl.keystore.location", secured.keyStore().toString());
      p.put(prefix + "ssl.keystore.password", secured.keyStorePassword());
      p.put(prefix + "ssl.key.password", secured.keyStorePassword());
    }
  }

  /**
   * SCRAM users live in the cluster metadata: created through the plaintext listener once the
   * broker runs, one request per mechanism (a request may alter a user only once).
   */
  private void createScramCredentials(Map<String, String> users) {
    try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
      for (ScramMechanism mechanism : List.of(ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512)) {
        List<UserScramCredentialAlteration> upserts = new ArrayList<>();
        users.forEach((user, password) -> upserts.add(
            new UserScramCredentialUpsertion(user, new ScramCredentialInfo(mechanism, 4096), password)));
        admin.alterUserScramCredentials(upserts).all().get(60, TimeUnit.SECONDS);
      }
    } catch (ExecutionException | TimeoutException e) {
      close();
      throw new IllegalStateException("cannot create the SCRAM users of the secured listener: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException("interrupted while creating SCRAM users", e);
    }
  }

  /** The cluster id a log directory was formatted with, or a new one when it was not formatted yet. */
  static String clusterIdOf(Path logDir) {
    Path meta = logDir.resolve("meta.properties");
    if (Files.exists(meta)) {
      Properties properties = new Properties();
      try (var in = Files.newInputStream(meta)) {
        properties.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + meta, e);
      }
      String id = properties.getProperty("cluster.id");
      if (id != null) {
        return id;
      }
    }
    return Uuid.randomUuid().toString();
  }

  private static void format(Path logDir, String clusterId, int nodeId) {
    // A kept data dir is formatted once and reused. The Formatter's ignoreFormatted does not
    // cover this: it still compares the directory's cluster id with the new one and fails.
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return;
    }
    try {
      new Formatter()
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
          .setNodeId(nodeId)
          .setClusterId(clusterId)
          .setDirectories(List.of(logDir.toString()))
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setControllerListenerName("CONTROLLER")
          .run();
    } catch (Exception e) {
      throw new IllegalStateException("cannot format the embedded Kafka log directory " + logDir + ": "
          + e.getMessage(), e);
    }
  }
}
