package io.alignstream.local;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import io.alignstream.common.Replication;
import io.alignstream.common.UserInfo;
import io.alignstream.common.registry.InMemorySchemaRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Confluent-compatible schema registry served over HTTP (on 127.0.0.1 unless told otherwise), keeping its state in
 * a compacted Kafka topic (as Confluent's own keeps {@code _schemas}): the rules are
 * {@link InMemorySchemaRegistry}'s, each change is committed to the topic before it is applied
 * or answered, and on start the topic is replayed, so the registry survives restarts whenever
 * the broker keeps its data. One registry per topic: a second one fences the first's writes.
 *
 * <p>With {@link Settings#withUser a user}, every request needs HTTP basic auth with that user,
 * as Confluent's registry with basic authentication does; clients send it with Confluent's keys
 * {@code basic.auth.credentials.source=USER_INFO} and {@code basic.auth.user.info=USER:PASSWORD}.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

  public static final String DEFAULT_TOPIC = "_alignstream_schemas";
  private static final String LOOPBACK = "127.0.0.1";
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);

  /**
   * Where the registry listens and keeps its state.
   *
   * @param host the address the HTTP port binds (127.0.0.1 by default; 0.0.0.0 for every interface)
   * @param port HTTP port, or 0 for any free one
   * @param topic the compacted topic holding every change
   * @param replication replication factor of that topic when it is created
   * @param writeTimeout how long a change may take to commit; past it the request gets 50001
   * @param kafkaProperties client properties passed through (security settings and the like)
   * @param user the one user every request must authenticate as, or null for no authentication
   */
  public record Settings(String bootstrapServers, String host, int port, String topic, short replication,
      Duration writeTimeout, Map<String, String> kafkaProperties, UserInfo user) {

    public Settings {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("the schema registry needs Kafka bootstrap servers");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("schema registry port " + port + " is not in 0..65535");
      }
      if (topic == null || topic.isBlank()) {
        throw new IllegalArgumentException("the schema registry needs a topic name");
      }
      if (replication < 1) {
        throw new IllegalArgumentException("replication factor must be at least 1, not " + replication);
      }
      if (writeTimeout.isNegative() || writeTimeout.isZero()) {
        throw new IllegalArgumentException("write timeout must be positive, not " + writeTimeout);
      }
      kafkaProperties = Map.copyOf(kafkaProperties);
    }

    /** 127.0.0.1, any free port, topic {@value #DEFAULT_TOPIC} with one replica, 30 s per write, no auth. */
    public static Settings of(String bootstrapServers) {
      return new Settings(bootstrapServers, LOOPBACK, 0, DEFAULT_TOPIC, (short) 1, Duration.ofSeconds(30), Map.of(),
          null);
    }

    public Settings withHost(String newHost) {
      return new Settings(bootstrapServers, newHost, port, topic, replication, writeTimeout, kafkaProperties, user);
    }

    public Settings withPort(int newPort) {
      return new Settings(bootstrapServers, host, newPort, topic, replication, writeTimeout, kafkaProperties, user);
    }

    public Settings withTopic(String newTopic) {
      return new Settings(bootstrapServers, host, port, newTopic, replication, writeTimeout, kafkaProperties, user);
    }

    public Settings withWriteTimeout(Duration newTimeout) {
      return new Settings(bootstrapServers, host, port, topic, replication, newTimeout, kafkaProperties, user);
    }

    public Settings withReplication(Replication newReplication) {
      return new Settings(bootstrapServers, host, port, topic, newReplication.factor(), writeTimeout, kafkaProperties,
          user);
    }

    public Settings withUser(UserInfo newUser) {
      return new Settings(bootstrapServers, host, port, topic, replication, writeTimeout, kafkaProperties, newUser);
    }

    Map<String, Object> clientProperties() {
      Map<String, Object> props = new HashMap<>(kafkaProperties);
      props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      return props;
    }
  }

  private final HttpServer server;
  private final ExecutorService workers;
  private final KafkaSchemaStore store;
  private final int replayedRecords;
  private final String host;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedSchemaRegistry(HttpServer server, ExecutorService workers, KafkaSchemaStore store,
      int replayedRecords, String host) {
    this.server = server;
    this.workers = workers;
    this.store = store;
    this.replayedRecords = replayedRecords;
    this.host = host;
  }

  /**
   * Binds the port, creates the topic if missing, replays it, then serves.
   *
   * @throws IllegalStateException when the port is taken or the topic cannot be created or read
   */
  public static EmbeddedSchemaRegistry start(Settings settings) {
    // Bind first: a taken port is the likeliest failure and the cheapest to report.
    HttpServer server = bind(settings.host(), settings.port());
    KafkaSchemaStore store = new KafkaSchemaStore(settings.clientProperties(), settings.topic(),
        settings.writeTimeout());
    try {
      long start = System.nanoTime();
      store.ensureTopic(settings.replication());
      long topicReady = System.nanoTime();
      InMemorySchemaRegistry registry = new InMemorySchemaRegistry(store);
      int replayed = store.open(registry, Duration.ofSeconds(60));
      long replayedAt = System.nanoTime();
      ExecutorService workers = Executors.newFixedThreadPool(4, daemonThreads());
      HttpContext api = server.createContext("/", new SchemaRegistryHttpApi(registry, () -> store.catchUp(registry)));
      if (settings.user() != null) {
        api.setAuthenticator(settings.user().authenticator("alignstream schema registry"));
      }
      server.setExecutor(workers);
      server.start();
      LOG.info("schema registry on {}:{} ({}): topic {} ready in {} ms, {} record(s) replayed in {} ms",
          settings.host(), server.getAddress().getPort(),
          settings.user() == null ? "no authentication" : "basic auth as " + settings.user().name(), settings.topic(),
          (topicReady - start) / 1_000_000, replayed, (replayedAt - topicReady) / 1_000_000);
      return new EmbeddedSchemaRegistry(server, workers, store, replayed, settings.host());
    } catch (RuntimeException e) {
      server.stop(0);
      store.close();
      throw e;
    }
  }

  /**
   * The base URL clients on this machine use, e.g. {@code http://127.0.0.1:8081} (the loopback
   * address when the registry listens on every interface).
   */
  public String url() {
    boolean everyInterface = server.getAddress().getAddress().isAnyLocalAddress();
    return "http://" + (everyInterface ? LOOPBACK : host) + ":" + port();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** How many records of the topic were replayed on start. */
  public int replayedRecords() {
    return replayedRecords;
  }

  /** Stops serving and closes the store's clients; safe to call twice. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      server.stop(0);
      workers.shutdown();
      store.close();
    }
  }

  private static HttpServer bind(String host, int port) {
    try {
      return HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 0);
    } catch (BindException e) {
      throw new IllegalStateException("schema registry port " + port + " on " + host + " is already in use", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the schema registry port " + port + " on " + host, e);
    }
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, "schema-registry-http-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
