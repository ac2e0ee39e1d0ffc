package io.alignstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.local.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chaos bench's client of the scorers' REST API: throughout the run it asks every live scorer
 * instance for every setting it has seen, both as one list ({@code /metrics}) and one by one
 * ({@code /metrics/{setting}}), and records, per setting, the spans of time in which no instance
 * answered it. A query answered 503 (or 404 for a setting that exists, or a list without it) is
 * unanswered; a connection refused is not a query (the instance is down: that is the kill).
 * Answers are counted by their {@code source} (the setting's owner, or the instance's view of
 * the published results). Each instance is asked from a thread of its own, so that one slow to
 * answer (a JVM starting on a loaded machine) does not hold back the answers of the others.
 */
final class ScorerQuerier implements AutoCloseable {

  /** What a scorer prints of its API's port, at every start (the port changes on restart: port 0). */
  private static final Pattern HTTP_PORT = Pattern.compile("scorer HTTP API on \\S+:(\\d+)");
  private static final long ROUND_MILLIS = 250;

  /** A span without an answer for one setting, from its last answer to its next (or the end). */
  record Gap(String setting, long fromNanos, long toNanos) {
    double seconds() {
      return (toNanos - fromNanos) / 1e9;
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ObjectMapper json = new ObjectMapper();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;
  /** Per setting seen, when some instance last answered it. Guarded by this. */
  private final Map<String, Long> lastAnswered = new TreeMap<>();
  private final List<Gap> gaps = new ArrayList<>();
  private final Map<String, Long> unansweredByReason = new TreeMap<>();
  private final Map<String, String> unansweredExamples = new TreeMap<>();
  private final Map<String, Long> answeredBySource = new TreeMap<>();
  private long queries;
  private long unanswered;

  ScorerQuerier(List<ServiceProcess> scorers) {
    for (ServiceProcess scorer : scorers) {
      Thread thread = new Thread(() -> run(scorer), "chaos-querier-" + threads.size());
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  private void run(ServiceProcess scorer) {
    while (running) {
      long round = System.nanoTime();
      if (scorer.alive()) {
        ask(scorer);
      }
      ServiceProcess.sleep(Math.max(0, ROUND_MILLIS - (System.nanoTime() - round) / 1_000_000));
    }
  }

  private void ask(ServiceProcess scorer) {
    int port = port(scorer);
    if (port < 0) {
      return;
    }
    String base = "http://127.0.0.1:" + port;
    JsonNode list = get(base + "/metrics");
    List<String> known;
    synchronized (this) {
      known = new ArrayList<>(lastAnswered.keySet());
    }
    if (list != null) {
      List<String> listed = new ArrayList<>();
      list.forEach(m -> {
        listed.add(m.get("setting").asText());
        answered(m);
      });
      known.stream().filter(s -> !listed.contains(s)).findFirst().ifPresent(s -> unanswered("list without a setting", s));
    }
    for (String setting : known) {
      JsonNode one = get(base + "/metrics/" + URLEncoder.encode(setting, StandardCharsets.UTF_8));
      if (one != null) {
        answered(one);
      }
    }
  }

  /** The answer's JSON when 200; null otherwise (counted unless the instance could not be reached). */
  private JsonNode get(String uri) {
    HttpResponse<String> response;
    try {
      response = http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null; // down or restarting: not a query
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    synchronized (this) {
      queries++;
    }
    try {
      if (response.statusCode() == 200) {
        return json.readTree(response.body());
      }
      JsonNode body = json.readTree(response.body());
      unanswered(response.statusCode() + (body.has("state") ? " " + body.get("state").asText() : ""),
          body.path("error").asText());
    } catch (IOException e) {
      unanswered(response.statusCode() + " unreadable", response.body());
    }
    return null;
  }

  /** Counts an unanswered query by reason, keeping the first message of each reason as an example. */
  private synchronized void unanswered(String reason, String message) {
    unanswered++;
    unansweredByReason.merge(reason, 1L, Long::sum);
    unansweredExamples.putIfAbsent(reason, message.length() > 300 ? message.substring(0, 300) : message);
  }

  private synchronized void answered(JsonNode metric) {
    answeredBySource.merge(metric.path("source").asText("none"), 1L, Long::sum);
    String setting = metric.get("setting").asText();
    long now = System.nanoTime();
    Long last = lastAnswered.put(setting, now);
    if (last != null) {
      gaps.add(new Gap(setting, last, now));
    }
  }

  /** The port the scorer printed last (its current run's), or -1 before it printed one. */
  private static int port(ServiceProcess scorer) {
    try {
      Matcher printed = HTTP_PORT.matcher(Files.readString(scorer.log()));
      int port = -1;
      while (printed.find()) {
        port = Integer.parseInt(printed.group(1));
      }
      return port;
    } catch (IOException e) {
      return -1;
    }
  }

  /** The longest span without an answer for any setting that overlaps [from, to). */
  synchronized double longestGap(long fromNanos, long toNanos) {
    return gaps().stream().filter(g -> g.fromNanos() < toNanos && g.toNanos() > fromNanos)
        .mapToDouble(Gap::seconds).max().orElse(0);
  }

  /** Every gap, the ones still open (no answer since) ending now. */
  private synchronized List<Gap> gaps() {
    List<Gap> all = new ArrayList<>(gaps);
    long now = System.nanoTime();
    lastAnswered.forEach((setting, last) -> all.add(new Gap(setting, last, now)));
    return all;
  }

  /** queries, unanswered (by reason), settings seen and the longest gap of the whole run. */
  synchronized Map<String, Object> summary() {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("queries", queries);
    summary.put("unanswered", unanswered);
    summary.put("unanswered_by_reason", new TreeMap<>(unansweredByReason));
    summary.put("unanswered_examples", new TreeMap<>(unansweredExamples));
    summary.put("answered_by_source", new TreeMap<>(answeredBySource));
    summary.put("settings", lastAnswered.size());
    summary.put("longest_gap_s", Thousandths.round(longestGap(Long.MIN_VALUE, Long.MAX_VALUE)));
    return summary;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread thread : threads) {
      thread.join(10_000);
    }
  }
}
