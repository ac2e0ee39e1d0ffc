package io.alignstream.local;

import static io.alignstream.CommandRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.alignstream.CommandRun;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.UserInfo;
import io.alignstream.extractor.ExtractorOptions;
import io.alignstream.extractor.ExtractorService;
import io.alignstream.extractor.PixelBaseline;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.ScorerService;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Security settings against a real broker and registry: a SASL_SSL listener (PLAIN and SCRAM
 * users, a certificate made here with the JDK's keytool), a registry that requires basic auth,
 * every service's clients configured only through {@code -X} pass-through, and no secret in
 * what the services print or log.
 */
class SecurityIT {

  private static final String KAFKA_PASSWORD = "kafka-Pa55-xyzzy";
  private static final String REGISTRY_PASSWORD = "registry-Pa55-plugh";
  private static final String STORE_PASSWORD = "store-Pa55-frotz";
  private static final List<String> SECRETS = List.of(KAFKA_PASSWORD, REGISTRY_PASSWORD, STORE_PASSWORD);

  private static Path dir;
  private static Path trustStore;
  private static LocalCluster cluster;
  private static ListAppender<ILoggingEvent> logs;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("alignstream-security");
    Path keyStore = dir.resolve("broker.p12");
    trustStore = dir.resolve("trust.p12");
    keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
        "-keystore", keyStore.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
    Path certificate = dir.resolve("broker.crt");
    keytool("-exportcert", "-alias", "broker", "-keystore", keyStore.toString(), "-storepass", STORE_PASSWORD,
        "-file", certificate.toString());
    keytool("-importcert", "-noprompt", "-alias", "broker", "-file", certificate.toString(), "-storetype", "PKCS12",
        "-keystore", trustStore.toString(), "-storepass", STORE_PASSWORD);

    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);

    cluster = LocalCluster.start(LocalCluster.Settings.defaults().withPartitions(2)
        .withRegistryUser(new UserInfo("registry", REGISTRY_PASSWORD))
        .withSecuredListener(new EmbeddedKafkaBroker.SecuredListener("SASL_SSL", 0,
            Map.of("alice", KAFKA_PASSWORD), keyStore, STORE_PASSWORD)));
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    cluster.close();
    io.alignstream.common.TemporaryDirectory.deleteTree(dir);
  }

  /** The client settings a user passes with -X (or kafka.* in --config) for SASL_SSL as alice. */
  private static Map<String, String> clientSecurity(String mechanism, String password) {
    String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    Map<String, String> settings = new HashMap<>(Map.of(
        "security.protocol", "SASL_SSL",
        "sasl.mechanism", mechanism,
        "sasl.jaas.config", module + " required username=\"alice\" password=\"" + password + "\";",
        "ssl.truststore.location", trustStore.toString(),
        "ssl.truststore.type", "PKCS12",
        "ssl.truststore.password", STORE_PASSWORD));
    settings.putAll(new UserInfo("registry", REGISTRY_PASSWORD).registryClientProperties());
    return settings;
  }

  private static String[] command(Map<String, String> security, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--bootstrap-servers", cluster.securedBootstrapServers(),
        "--schema-registry-url", cluster.registryUrl()));
    security.forEach((key, value) -> all.addAll(List.of("-X", key + "=" + value)));
    return all.toArray(String[]::new);
  }

  @Test
  void everyServiceRunsOverSaslSslWithScramOrPlainAndNothingPrintsASecret() throws Exception {
    Map<String, String> scram = clientSecurity("SCRAM-SHA-256", KAFKA_PASSWORD);
    CommandRun triplets =
        run(command(scram, "produce", "triplets", "--dataset", "synthetic", "--topic-prefix", "sec."));
    assertThat(triplets.code()).as(triplets.err()).isZero();
    CommandRun requests = run(command(clientSecurity("PLAIN", KAFKA_PASSWORD), "produce", "requests", "--dataset",
        "synthetic", "--resolution", "16", "--noise-levels", "0", "--conditionings", "none", "--topic-prefix", "sec."));
    assertThat(requests.code()).as(requests.err()).isZero();
    assertThat(requests.out()).contains("published 108 requests");

    ClusterConfig secured = new ClusterConfig(cluster.securedBootstrapServers(), cluster.registryUrl(),
        new io.alignstream.common.Topics("sec."), scram);
    ScorerConfig scorerConfig = ScorerConfig.defaults(dir.resolve("scorer"))
        .withStreams(s -> s.withApplicationId("secured-scorer").withInMemoryStores(true))
        .withHttp(h -> h.withPort(0))
        .withNewTopics(t -> t.withPartitions(2))
        .withWindows(w -> w.withEmitInterval(Duration.ofMillis(200)));
    try (ExtractorService extractor = new ExtractorService(secured, new PixelBaseline("pixels", 4),
            new ExtractorOptions("a", 16, Duration.ofMillis(100), Duration.ofMinutes(1)));
        ScorerService scorer = ScorerService.start(secured, scorerConfig)) {
      extractor.start();
      assertThat(scorer.awaitRunning(Duration.ofSeconds(60))).isTrue();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      // The synthetic set's 2,520 responses, scored under both pixel layers.
      while (System.nanoTime() < deadline && !allScored(scorer, 2, 2_520)) {
        Thread.sleep(250);
      }
      assertThat(allScored(scorer, 2, 2_520)).as("both pixel settings score every synthetic triplet").isTrue();
      assertThat(extractor.imagesExtracted()).isEqualTo(108);
    }

    String everything = triplets.out() + triplets.err() + requests.out() + requests.err() + loggedText();
    for (String secret : SECRETS) {
      assertThat(everything).doesNotContain(secret);
    }
  }

  private static boolean allScored(ScorerService scorer, int settings, long triplets) {
    try {
      var metrics = scorer.metrics();
      return metrics.size() == settings && metrics.stream().allMatch(m -> m.total() == triplets);
    } catch (IllegalStateException rebalancing) {
      return false;
    }
  }

  @Test
  void aWrongPasswordIsRefusedByTheBrokerAndTheErrorDoesNotRepeatIt() {
    String wrong = "wrong-Pa55-grue";
    Map<String, String> security = clientSecurity("SCRAM-SHA-512", wrong);
    CommandRun result = run(command(security, "produce", "triplets", "--dataset", "synthetic", "--topic-prefix",
        "refused."));
    assertThat(result.code()).isNotZero();
    assertThat(result.err()).containsIgnoringCase("authentication").doesNotContain(wrong).doesNotContain(STORE_PASSWORD);
    assertThat(loggedText()).doesNotContain(wrong);
  }

  @Test
  void theRegistryAnswersOnlyItsUser() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI subjects = URI.create(cluster.registryUrl() + "/subjects");
    assertThat(http.send(HttpRequest.newBuilder(subjects).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(401);
    String wrong = "Basic " + Base64.getEncoder().encodeToString("registry:nope".getBytes(StandardCharsets.UTF_8));
    assertThat(http.send(HttpRequest.newBuilder(subjects).header("Authorization", wrong).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    HttpRequest delete = HttpRequest.newBuilder(URI.create(cluster.registryUrl() + "/config"))
        .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"NONE\"}"))
        .header("Content-Type", "application/vnd.schemaregistry.v1+json").build();
    assertThat(http.send(delete, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    String right = "Basic " + Base64.getEncoder()
        .encodeToString(("registry:" + REGISTRY_PASSWORD).getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> allowed = http.send(HttpRequest.newBuilder(subjects).header("Authorization", right).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.body()).startsWith("[");
  }

  @Test
  void theScorerListensOnLoopbackWhateverItAdvertises() throws Exception {
    String advertised = InetAddress.getLocalHost().getHostAddress().startsWith("127.") ? "192.0.2.10"
        : InetAddress.getLocalHost().getHostAddress();
    ScorerConfig config = ScorerConfig.defaults(dir.resolve("advertised"))
        .withStreams(s -> s.withApplicationId("advertised-scorer").withInMemoryStores(true))
        .withHttp(h -> h.withPort(0).withAdvertisedHost(advertised))
        .withNewTopics(t -> t.withPartitions(2));
    try (ScorerService scorer = ScorerService.start(cluster.clusterConfig(), config)) {
      assertThat(scorer.httpAddress().getAddress().isLoopbackAddress()).isTrue();
      assertThat(scorer.baseUri().getHost()).isEqualTo(advertised);
    }
  }

  @Test
  void helpShowsNoSecretFromTheConfigurationFile() throws IOException {
    Path config = dir.resolve("secrets.properties");
    Files.writeString(config, String.join("\n",
        "schema.registry.url=http://registry:" + REGISTRY_PASSWORD + "@127.0.0.1:8081",
        "registry.user=registry:" + REGISTRY_PASSWORD,
        "ssl.key.store.password=" + STORE_PASSWORD,
        "kafka.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\""
            + " password=\"" + KAFKA_PASSWORD + "\";"));
    for (String[] help : List.of(new String[] {"local", "--help"}, new String[] {"score", "--help"},
        new String[] {"extract", "--help"}, new String[] {"produce", "requests", "--help"})) {
      List<String> args = new ArrayList<>(List.of(help));
      args.addAll(List.of("--config", config.toString()));
      CommandRun result = run(args.toArray(String[]::new));
      assertThat(result.code()).as(String.join(" ", help)).isZero();
      for (String secret : SECRETS) {
        assertThat(result.out() + result.err()).as(String.join(" ", help)).doesNotContain(secret);
      }
    }
  }

  private static String loggedText() {
    return logs.list.stream().map(e -> e.getFormattedMessage()
            + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage()))
        .collect(Collectors.joining("\n"));
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as(output).isZero();
  }
}
