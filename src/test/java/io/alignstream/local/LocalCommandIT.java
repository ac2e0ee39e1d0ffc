package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.Alignstream;
import io.alignstream.CommandRun;
import io.alignstream.common.ManagementEndpoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LocalCommandIT {

  @Test
  void helpListsTheOptions() {
    StringWriter out = new StringWriter();
    CommandLine cli = Alignstream.commandLine(new String[] {"local", "--help"});
    cli.setOut(new PrintWriter(out, true));

    int exit = cli.execute("local", "--help");

    assertThat(exit).isZero();
    assertThat(out.toString()).contains("--data-dir", "--port", "--registry-port", "--partitions", "Ctrl-C");
  }

  @Test
  void runsUntilStoppedAndPrintsHowToJoin() throws Exception {
    String[] args = {"local", "--port", "0", "--registry-port", "0", "--partitions", "2", "--management-port", "0"};
    CommandLine cli = Alignstream.commandLine(args);
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(out, true));
    AtomicInteger exit = new AtomicInteger(-1);
    Thread running = new Thread(() -> exit.set(cli.execute(args)), "local-command-test");
    running.start();

    Matcher registry = waitFor(out, Pattern.compile("Schema registry URL +(http://127\\.0\\.0\\.1:\\d+)"), running);
    Matcher bootstrap = waitFor(out, Pattern.compile("Kafka bootstrap servers +(127\\.0\\.0\\.1:\\d+)"), running);
    String registryUrl = registry.group(1);
    String bootstrapServers = bootstrap.group(1);
    assertThat(out.toString()).contains(
        "--bootstrap-servers " + bootstrapServers + " --schema-registry-url " + registryUrl,
        "ALIGNSTREAM_BOOTSTRAP_SERVERS=" + bootstrapServers,
        "ALIGNSTREAM_SCHEMA_REGISTRY_URL=" + registryUrl);

    // Both addresses answer while it runs.
    HttpResponse<String> root = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(registryUrl + "/")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(root.statusCode()).isEqualTo(200);
    assertThat(root.body()).isEqualTo("{}");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      assertThat(admin.describeTopics(List.of("alignstream.embeddings")).allTopicNames().get()
          .get("alignstream.embeddings").partitions()).hasSize(2);
    }

    // The management port: health and readiness for docker-compose, a Prometheus scrape.
    Matcher operations = waitFor(out, Pattern.compile("management: http://127\\.0\\.0\\.1:(\\d+)/"), running);
    ManagementEndpoint management = new ManagementEndpoint(Integer.parseInt(operations.group(1)));
    assertThat(management.get("/health").statusCode()).isEqualTo(200);
    assertThat(management.get("/ready").statusCode()).isEqualTo(200);
    assertThat(ManagementEndpoint.sum(management.scrape(), "jvm_threads_live_threads", Map.of("service", "local")))
        .isGreaterThan(1);

    LocalCommand command = cli.getSubcommands().get("local").getCommand();
    command.stop();
    running.join(60_000);

    assertThat(running.isAlive()).isFalse();
    assertThat(exit.get()).isZero();
    assertThat(out.toString()).contains("alignstream local: stopped");
    int registryPort = URI.create(registryUrl).getPort();
    assertThat(portIsFree(registryPort)).as("registry port released").isTrue();
  }

  @Test
  void aRegistryUserIsRequiredOfEveryRequestAndNeverPrinted() throws Exception {
    String[] args = {"local", "--port", "0", "--registry-port", "0", "--partitions", "1",
        "--registry-user", "ops:s3cret-Pa55"};
    CommandLine cli = Alignstream.commandLine(args);
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(out, true));
    Thread running = new Thread(() -> cli.execute(args), "local-command-auth-test");
    running.start();

    String registryUrl = waitFor(out, Pattern.compile("Schema registry URL +(http://127\\.0\\.0\\.1:\\d+)"), running)
        .group(1);
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(registryUrl + "/subjects")).build(),
        HttpResponse.BodyHandlers.ofString());
    String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("ops:s3cret-Pa55".getBytes());
    HttpResponse<String> authenticated = http.send(HttpRequest.newBuilder(URI.create(registryUrl + "/subjects"))
        .header("Authorization", basic).build(), HttpResponse.BodyHandlers.ofString());
    LocalCommand command = cli.getSubcommands().get("local").getCommand();
    command.stop();
    running.join(60_000);

    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(authenticated.statusCode()).isEqualTo(200);
    assertThat(out.toString()).contains("(basic auth required)", "-X basic.auth.user.info=ops:<password>")
        .doesNotContain("s3cret-Pa55");
  }

  @Test
  void aSecuredListenerWithoutItsUsersOrKeyStoreIsAUsageError() {
    String[] ports = {"local", "--port", "0", "--registry-port", "0", "--secured-port", "0"};
    for (String[] options : List.of(new String[] {"--secured-listener", "SASL_SSL"},
        new String[] {"--secured-listener", "TLS"}, new String[] {"--sasl-users", "users.txt"})) {
      String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(ports), java.util.Arrays.stream(options))
          .toArray(String[]::new);
      CommandRun local = CommandRun.run(args);
      assertThat(local.code()).as(String.join(" ", args)).isEqualTo(CommandLine.ExitCode.USAGE);
      assertThat(local.err()).contains("--secured-listener");
    }
  }

  @Test
  void aTakenPortIsAClearErrorBeforeAnythingStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      String[] args = {"local", "--port", "0", "--registry-port", String.valueOf(taken.getLocalPort())};
      CommandRun local = CommandRun.run(args);

      assertThat(local.code()).isEqualTo(CommandLine.ExitCode.USAGE);
      assertThat(local.err()).contains("schema registry port " + taken.getLocalPort() + " on 127.0.0.1 is already in use",
          "--registry-port");
    }
  }

  private static Matcher waitFor(StringWriter out, Pattern pattern, Thread running) throws InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      boolean alive = running.isAlive();
      Matcher matcher = pattern.matcher(out.toString());
      if (matcher.find()) {
        return matcher;
      }
      if (!alive) {
        break;
      }
      Thread.sleep(100);
    }
    throw new AssertionError((running.isAlive() ? "not printed within 120 s: " : "the command ended without printing: ")
        + pattern + "\n" + out);
  }

  private static boolean portIsFree(int port) {
    try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
