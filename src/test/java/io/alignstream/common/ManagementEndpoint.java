package io.alignstream.common;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A service's management port as Prometheus and docker-compose see it: plain HTTP GETs. */
public final class ManagementEndpoint {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** One sample line of the Prometheus text format: name, optional {labels}, value. */
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)$");

  private final String base;

  public ManagementEndpoint(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  public String scrape() throws IOException, InterruptedException {
    HttpResponse<String> response = get("/prometheus");
    if (response.statusCode() != 200) {
      throw new AssertionError("/prometheus answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  /**
   * The sum of the samples named {@code name} whose labels include {@code labels}; NaN when
   * there is none (so that a missing meter fails any comparison).
   */
  public static double sum(String scrape, String name, Map<String, String> labels) {
    double total = 0;
    boolean found = false;
    for (String line : scrape.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches() || !m.group(1).equals(name)) {
        continue;
      }
      String text = m.group(3) == null ? "" : m.group(3);
      boolean all = labels.entrySet().stream().allMatch(e -> text.contains(e.getKey() + "=\"" + e.getValue() + "\""));
      if (all) {
        total += Double.parseDouble(m.group(4));
        found = true;
      }
    }
    return found ? total : Double.NaN;
  }

  /** A counter not yet created (nothing counted since the registry was added) reads as 0. */
  public static double orZero(double value) {
    return Double.isNaN(value) ? 0 : value;
  }
}
