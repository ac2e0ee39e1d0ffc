package io.alignstream.local;

import io.alignstream.common.ManagementOptions;
import io.alignstream.common.ManagementServer;
import io.alignstream.common.PipelineTopics;
import io.alignstream.common.Topics;
import io.alignstream.common.UserInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code alignstream local}: a Kafka broker and a schema registry in this process on 127.0.0.1,
 * with the pipeline topics created, until stopped. Other alignstream processes on the machine
 * join with the printed flags, so producers, extractors and scorers can be run and scaled as
 * separate processes without Docker.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
    description = {
        "Runs a Kafka broker (KRaft) and a Confluent-compatible schema registry in this process, on 127.0.0.1"
            + " unless --http-host says otherwise, and creates the pipeline topics; stop with Ctrl-C.",
        "Other processes join with the printed --bootstrap-servers and --schema-registry-url."})
public final class LocalCommand implements Callable<Integer> {

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Keep topics and schemas here, across restarts (default: a temporary directory, deleted on exit).")
  Path dataDir;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "9092",
      description = "Kafka port on 127.0.0.1; 0 for any free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--registry-port", paramLabel = "PORT", defaultValue = "8081",
      description = "Schema registry HTTP port on 127.0.0.1; 0 for any free one (default: ${DEFAULT-VALUE}).")
  int registryPort;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "" + PipelineTopics.DEFAULT_PARTITIONS,
      description = "Partitions of each keyed pipeline topic, the most instances of a service that share work"
          + " (default: ${DEFAULT-VALUE}); topics that already exist keep theirs.")
  int partitions;

  @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = Topics.DEFAULT_PREFIX,
      description = "Prefix of the pipeline topics to create (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(names = "--http-host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address the schema registry's HTTP port binds; 0.0.0.0 for every interface (default: 127.0.0.1)."
          + " Kafka listens on 127.0.0.1 whatever this says.")
  String httpHost;

  @Option(names = "--registry-user", paramLabel = "USER:PASSWORD",
      description = "Require HTTP basic auth as this user on every registry request (prefer the environment,"
          + " ALIGNSTREAM_REGISTRY_USER, or registry.user in --config: a flag shows in the process list).")
  String registryUser;

  @Option(names = "--secured-listener", paramLabel = "PROTOCOL",
      description = "Also open a Kafka listener that requires SASL_PLAINTEXT, SSL or SASL_SSL, to try clients'"
          + " security settings (-X security.protocol=...) against a real broker.")
  String securedProtocol;

  @Option(names = "--secured-port", paramLabel = "PORT", defaultValue = "9093",
      description = "Port of the secured listener on 127.0.0.1; 0 for any free one (default: ${DEFAULT-VALUE}).")
  int securedPort;

  @Option(names = "--sasl-users", paramLabel = "FILE",
      description = "Properties file of USER=PASSWORD lines: the users of a SASL listener, for PLAIN and"
          + " SCRAM-SHA-256/512 alike.")
  Path saslUsers;

  @Option(names = "--ssl-key-store", paramLabel = "FILE",
      description = "PKCS12 key store with the broker's key and certificate, for an SSL listener.")
  Path keyStore;

  @Option(names = "--ssl-key-store-password", paramLabel = "PASSWORD",
      description = "Password of the key store and its key (prefer ALIGNSTREAM_SSL_KEY_STORE_PASSWORD).")
  String keyStorePassword;

  @Mixin
  ManagementOptions management;

  @Spec
  CommandSpec spec;

  private final CountDownLatch stopped = new CountDownLatch(1);

  @Override
  public Integer call() {
    validate();
    UserInfo user = registryUser == null ? null : parseUser();
    EmbeddedKafkaBroker.SecuredListener secured = securedListener();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LocalCluster cluster;
    try {
      cluster = LocalCluster.start(LocalCluster.Settings.defaults()
          .withDataDir(dataDir).withPorts(port, registryPort).withPartitions(partitions)
          .withTopics(new Topics(topicPrefix)).withHttpHost(httpHost).withRegistryUser(user).withSecuredListener(secured));
    } catch (RuntimeException e) {
      err.println("alignstream local: cannot start: " + e.getMessage());
      err.flush();
      return 1;
    }
    ManagementServer server;
    try {
      server = management.start(ManagementOptions.Service.LOCAL, cluster.bootstrapServers(), ManagementServer.Status::running);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    Thread hook = new Thread(() -> {
      out.println("alignstream local: stopping");
      out.flush();
      closeQuietly(server);
      cluster.close();
      out.println("alignstream local: stopped");
      out.flush();
    }, "alignstream-local-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.print(banner(cluster, server));
    out.flush();
    boolean interrupted = false;
    try {
      stopped.await(); // until Ctrl-C (the hook closes the cluster), stop() or an interrupt
    } catch (InterruptedException e) {
      interrupted = true; // closing below must not see the flag: Kafka's shutdown would cut short
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
      closeQuietly(server);
      cluster.close();
      out.println("alignstream local: stopped");
      out.flush();
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook is closing the cluster
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static void closeQuietly(ManagementServer server) {
    if (server != null) {
      server.close();
    }
  }

  /** Ends a running {@link #call()} (as Ctrl-C does, without ending the JVM). */
  public void stop() {
    stopped.countDown();
  }

  private void validate() {
    if (partitions < 1) {
      throw new ParameterException(spec.commandLine(), "--partitions must be at least 1, not " + partitions);
    }
    requireFree("--port", port, "Kafka");
    requireFree("--registry-port", registryPort, "schema registry");
    if (port != 0 && port == registryPort) {
      throw new ParameterException(spec.commandLine(), "--port and --registry-port must differ (both " + port + ")");
    }
  }

  private UserInfo parseUser() {
    try {
      return UserInfo.parse(registryUser);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--registry-user: " + e.getMessage());
    }
  }

  private EmbeddedKafkaBroker.SecuredListener securedListener() {
    if (securedProtocol == null) {
      if (saslUsers != null || keyStore != null) {
        throw new ParameterException(spec.commandLine(), "--sasl-users and --ssl-key-store need --secured-listener");
      }
      return null;
    }
    if (securedPort != 0) {
      requireFree("--secured-port", securedPort, "secured Kafka listener");
    }
    Map<String, String> users = new TreeMap<>();
    if (saslUsers != null) {
      Properties file = new Properties();
      try (var in = Files.newInputStream(saslUsers)) {
        file.load(in);
      } catch (IOException e) {
        throw new ParameterException(spec.commandLine(), "--sasl-users " + saslUsers + ": cannot read it ("
            + e.getMessage() + ")");
      }
      file.stringPropertyNames().forEach(name -> users.put(name, file.getProperty(name)));
    }
    try {
      return new EmbeddedKafkaBroker.SecuredListener(securedProtocol, securedPort, users, keyStore, keyStorePassword);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--secured-listener: " + e.getMessage()
          + " (--sasl-users FILE for SASL, --ssl-key-store FILE and --ssl-key-store-password for SSL)");
    }
  }

  /** Checked before anything starts: the broker takes seconds to report a taken port. */
  private void requireFree(String option, int value, String what) {
    if (value < 0 || value > 65535) {
      throw new ParameterException(spec.commandLine(), option + " " + value + " is not a port (0..65535)");
    }
    if (value == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket(value, 1, InetAddress.getByName("127.0.0.1"))) {
      probe.getLocalPort();
    } catch (IOException e) {
      throw new ParameterException(spec.commandLine(), String.format(Locale.ROOT,
          "%s port %d on 127.0.0.1 is already in use (another alignstream local, Kafka or registry?);"
              + " stop it, or pass %s with another port, or 0 for any free one", what, value, option));
    }
  }

  private String banner(LocalCluster cluster, ManagementServer server) {
    LocalCluster.StartupTimes times = cluster.startupTimes();
    String bootstrap = cluster.bootstrapServers();
    String registry = cluster.registryUrl();
    boolean customPrefix = !topicPrefix.equals(Topics.DEFAULT_PREFIX);
    StringBuilder text = new StringBuilder();
    text.append(String.format(Locale.ROOT,
        "alignstream local: Kafka and the schema registry are running (started in %.1f s: broker %.1f s,"
            + " registry %.1f s, topics %.1f s)%n",
        seconds(times.total()), seconds(times.broker()), seconds(times.registry()), seconds(times.topics())));
    text.append("  Kafka bootstrap servers  ").append(bootstrap).append('\n');
    if (cluster.securedBootstrapServers() != null) {
      text.append("  Secured Kafka listener   ").append(cluster.securedBootstrapServers()).append(" (")
          .append(securedProtocol).append(")\n");
    }
    text.append("  Schema registry URL      ").append(registry)
        .append(registryUser == null ? "" : " (basic auth required)").append('\n');
    text.append("  Data directory           ").append(cluster.dataDir() == null
        ? "none: a temporary directory, deleted on exit (keep data with --data-dir DIR)"
        : cluster.dataDir().toAbsolutePath() + " (kept across restarts)").append('\n');
    text.append("  Topics                   ").append(topicPrefix).append("* (").append(partitions)
        .append(" partitions), schemas in ").append(EmbeddedSchemaRegistry.DEFAULT_TOPIC).append('\n');
    if (server != null) {
      text.append("  Operations               ").append(server.describe()).append('\n');
    }
    text.append("Join from another process with the flags\n");
    text.append("  --bootstrap-servers ").append(bootstrap).append(" --schema-registry-url ").append(registry)
        .append(customPrefix ? " --topic-prefix " + topicPrefix : "")
        .append(registryUser == null ? "" : " -X basic.auth.credentials.source=USER_INFO -X basic.auth.user.info="
            + parseUser().name() + ":<password>").append('\n');
    text.append("or the environment\n");
    text.append("  export ALIGNSTREAM_BOOTSTRAP_SERVERS=").append(bootstrap)
        .append(" ALIGNSTREAM_SCHEMA_REGISTRY_URL=").append(registry)
        .append(customPrefix ? " ALIGNSTREAM_TOPIC_PREFIX=" + topicPrefix : "")
        .append(registryUser == null ? "" : " ALIGNSTREAM_KAFKA_BASIC_AUTH_CREDENTIALS_SOURCE=USER_INFO"
            + " ALIGNSTREAM_KAFKA_BASIC_AUTH_USER_INFO=" + parseUser().name() + ":<password>").append('\n');
    text.append("Stop with Ctrl-C.\n");
    return text.toString();
  }

  private static double seconds(Duration duration) {
    return duration.toMillis() / 1000.0;
  }
}
