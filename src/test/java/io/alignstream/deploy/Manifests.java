package io.alignstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Kubernetes objects as Jackson trees: an overlay rendered by {@code kubectl kustomize} (which needs
 * no cluster), or a plain YAML file such as a Job created on demand. {@link #where} names the
 * source in every failure message.
 */
record Manifests(String where, List<JsonNode> objects) {

  static final Path KUBERNETES = Path.of("deploy", "kubernetes");
  static final List<String> OVERLAYS = List.of("cpu", "gpu");
  /** Plain manifests, created with {@code kubectl create -f} rather than applied with an overlay. */
  static final List<Path> ON_DEMAND_JOBS = List.of(KUBERNETES.resolve("jobs/produce-model.yaml"),
      KUBERNETES.resolve("jobs/report.yaml"), KUBERNETES.resolve("jobs/fill-models.yaml"));

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Map<String, Manifests> RENDERED = new ConcurrentHashMap<>();

  /**
   * {@code kubectl kustomize deploy/kubernetes/overlays/NAME}, rendered once per test run (about a
   * second each); callers must not change the trees (copy them with {@code deepCopy()} first).
   */
  static Manifests overlay(String name) {
    return RENDERED.computeIfAbsent(name, Manifests::render);
  }

  private static Manifests render(String name) {
    Path dir = KUBERNETES.resolve("overlays").resolve(name);
    List<String> command = List.of("kubectl", "kustomize", dir.toString());
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kubectl (" + e.getMessage() + "): the deployment checks render the "
          + "overlays with `kubectl kustomize`, which needs no cluster; install kubectl (see docs/deployment.md)", e);
    }
    try {
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + new String(out, StandardCharsets.UTF_8));
      }
      return new Manifests("overlay " + name, parse(new String(out, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new IllegalStateException("reading " + String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static Manifests file(Path yaml) throws IOException {
    return new Manifests(yaml.toString(), parse(Files.readString(yaml)));
  }

  /**
   * Every document of a multi-document YAML stream (empty ones skipped), read with SnakeYAML, which
   * resolves anchors, aliases and merge keys ({@code <<: *cluster} in the compose file).
   */
  static List<JsonNode> parse(String yaml) {
    List<JsonNode> objects = new ArrayList<>();
    for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
      if (document != null) {
        objects.add(JSON.valueToTree(document));
      }
    }
    return objects;
  }

  List<JsonNode> all(String kind) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
  }

  Optional<JsonNode> find(String kind, String name) {
    return all(kind).stream().filter(o -> name(o).equals(name)).findFirst();
  }

  JsonNode one(String kind, String name) {
    return find(kind, name).orElseThrow(() -> new AssertionError(where + " has no " + kind + " " + name));
  }

  /** The namespace every namespaced object was rendered into (the overlays' one namespace). */
  String namespace() {
    return objects.stream().map(o -> o.at("/metadata/namespace").asText()).filter(s -> !s.isEmpty()).findFirst()
        .orElseThrow(() -> new AssertionError(where + " sets no namespace"));
  }

  static String name(JsonNode object) {
    String name = object.at("/metadata/name").asText();
    return name.isEmpty() ? object.at("/metadata/generateName").asText() : name;
  }

  static String describe(JsonNode object) {
    return object.path("kind").asText() + " " + name(object);
  }

  /** The pod template's spec of a Deployment, StatefulSet or Job. */
  static JsonNode podSpec(JsonNode workload) {
    return workload.at("/spec/template/spec");
  }

  /** The workloads (Deployments, StatefulSets, Jobs), whose pods run containers. */
  List<JsonNode> workloads() {
    return objects.stream().filter(o -> List.of("Deployment", "StatefulSet", "Job").contains(o.path("kind").asText()))
        .toList();
  }
}
