package io.alignstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.alignstream.Alignstream;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ConfigDefaults;
import io.alignstream.common.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * What one container built from this repository runs, resolved the way the container runtime and
 * the jar resolve it: the image's ENTRYPOINT and CMD with the manifest's command and args, the
 * image's ENV under the manifest's environment ({@code envFrom} ConfigMaps, then {@code env}, with
 * {@code $(VAR)} references expanded), and the {@code --config} file the image copied in. The
 * command line is then parsed by the application's own picocli model with its own
 * {@link ConfigDefaults}, so an option's value here is the value the service would run with.
 *
 * <p>Values the cluster supplies at run time stand in as samples: the pod's name and namespace,
 * {@code secret:NAME/KEY} for a Secret's key (listed in {@link #secrets}).
 */
final class ContainerCommand {

  /** A container's variable taken from a Secret. */
  record SecretRef(String variable, String secret, String key) {}

  private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
  private static final String JAR = "/app/alignstream.jar";
  private static final CommandLine CLI = Alignstream.commandLine(new ConfigDefaults(new Properties(), Map.of()));

  final String where;
  /** For a Kubernetes container: its workload and its own spec (null for compose services and bare images). */
  final JsonNode workload;
  final JsonNode spec;
  final List<SecretRef> secrets;
  private final Map<String, String> env;
  private final Properties configFile;
  /** "extract", "score", "produce requests", ... */
  final String subcommand;
  /** The subcommand's options by every name, with the values the command line resolved. */
  private final Map<String, Object> options;
  /** The variable each option reads (ALIGNSTREAM_MANAGEMENT_PORT for --management-port). */
  private final Set<String> optionVariables;

  private ContainerCommand(String where, JsonNode workload, JsonNode spec, Dockerfile image, List<String> args,
      Map<String, String> env, List<SecretRef> secrets) throws IOException {
    this.where = where;
    this.workload = workload;
    this.spec = spec;
    this.env = Map.copyOf(env);
    this.secrets = List.copyOf(secrets);
    this.configFile = configFile(image, args);
    Map<String, Object> values = new LinkedHashMap<>();
    Set<String> variables = new HashSet<>();
    CommandSpec leaf;
    synchronized (CLI) {
      // One command line serves every container (building one costs far more than a parse); the
      // values are copied out before the next parse resets them.
      CLI.setDefaultValueProvider(new ConfigDefaults(configFile, env));
      ParseResult parsed = CLI.parseArgs(args.toArray(String[]::new));
      while (parsed.hasSubcommand()) {
        parsed = parsed.subcommand();
      }
      leaf = parsed.commandSpec();
      for (OptionSpec option : leaf.options()) {
        for (String name : option.names()) {
          values.put(name, option.getValue());
        }
        variables.add(ConfigDefaults.environmentName(ConfigDefaults.fileKey(option.longestName())));
      }
    }
    this.subcommand = leaf.qualifiedName().substring(leaf.root().name().length() + 1);
    this.options = values;
    this.optionVariables = variables;
  }

  /**
   * A Kubernetes container of an image of this repository.
   *
   * @param manifests where its ConfigMaps are
   * @param podName the sample name of its pod
   */
  static ContainerCommand kubernetes(Manifests manifests, JsonNode workload, JsonNode container, String podName)
      throws IOException {
    String where = manifests.where() + ", " + Manifests.describe(workload) + ", container " + container.path("name").asText();
    Dockerfile image = Dockerfile.read(Dockerfile.forImage(container.path("image").asText()));
    Map<String, String> env = new LinkedHashMap<>(image.env());
    List<SecretRef> secrets = new ArrayList<>();
    for (JsonNode source : container.path("envFrom")) {
      String name = source.at("/configMapRef/name").asText();
      JsonNode configMap = manifests.find("ConfigMap", name)
          .orElseThrow(() -> new AssertionError(where + ": envFrom names a ConfigMap " + name + " that is not deployed"));
      configMap.path("data").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    }
    String namespace = workload.at("/metadata/namespace").asText(manifests.namespace());
    for (JsonNode variable : container.path("env")) {
      String name = variable.path("name").asText();
      JsonNode from = variable.path("valueFrom");
      if (from.has("secretKeyRef")) {
        SecretRef ref = new SecretRef(name, from.at("/secretKeyRef/name").asText(), from.at("/secretKeyRef/key").asText());
        secrets.add(ref);
        env.put(name, "secret:" + ref.secret() + "/" + ref.key());
      } else if (from.has("fieldRef")) {
        String field = from.at("/fieldRef/fieldPath").asText();
        env.put(name, switch (field) {
          case "metadata.name" -> podName;
          case "metadata.namespace" -> namespace;
          case "status.podIP" -> "10.0.0.1";
          default -> "sample-" + field.replaceAll("[^a-z0-9]+", "-");
        });
      } else {
        env.put(name, expand(variable.path("value").asText(), env));
      }
    }
    List<String> line = container.has("command") ? strings(container.get("command"))
        : new ArrayList<>(image.entrypoint());
    line.addAll(container.has("args") ? strings(container.get("args"))
        : container.has("command") ? List.of() : image.cmd());
    return new ContainerCommand(where, workload, container, image,
        alignstreamArgs(where, line.stream().map(a -> expand(a, env)).toList()), env, secrets);
  }

  /** A docker-compose service built from one of this repository's Dockerfiles. */
  static ContainerCommand compose(String service, JsonNode definition) throws IOException {
    String where = "docker-compose.yml service " + service;
    Dockerfile image = Dockerfile.read(Path.of(definition.at("/build/dockerfile").asText()));
    Map<String, String> env = new LinkedHashMap<>(image.env());
    definition.path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    List<String> line = new ArrayList<>(image.entrypoint());
    line.addAll(definition.has("command") ? strings(definition.get("command")) : image.cmd());
    return new ContainerCommand(where, null, null, image, alignstreamArgs(where, line), env, List.of());
  }

  /** What an image runs when nothing overrides its command or environment. */
  static ContainerCommand image(Dockerfile image) throws IOException {
    String where = image.path() + " alone";
    List<String> line = new ArrayList<>(image.entrypoint());
    line.addAll(image.cmd());
    return new ContainerCommand(where, null, null, image, alignstreamArgs(where, line), image.env(), List.of());
  }

  String subcommand() {
    return subcommand;
  }

  boolean hasOption(String name) {
    return options.containsKey(name);
  }

  /** The value the service runs with (flag, environment, --config file or default), typed as the option is. */
  @SuppressWarnings("unchecked")
  <T> T option(String name) {
    if (!options.containsKey(name)) {
      throw new AssertionError(where + ": " + subcommand + " has no option " + name);
    }
    return (T) options.get(name);
  }

  /** Kafka client properties passed through (ALIGNSTREAM_KAFKA_*, kafka.* in the config file). */
  Map<String, String> kafkaProperties() {
    return new ConfigDefaults(configFile, env).kafkaProperties();
  }

  /** The cluster configuration the command builds from its options, as the services do. */
  ClusterConfig cluster() {
    return new ClusterConfig(option("--bootstrap-servers"), option("--schema-registry-url"),
        new Topics(option("--topic-prefix")), kafkaProperties());
  }

  /**
   * ALIGNSTREAM_* variables that configure nothing in this command: neither an option of it
   * ({@code --max-image-pixels} = ALIGNSTREAM_MAX_IMAGE_PIXELS) nor a Kafka client, Kafka Streams or
   * schema registry serde property (ALIGNSTREAM_KAFKA_SASL_JAAS_CONFIG = sasl.jaas.config). Such a
   * variable is a typo or a setting that was renamed, and the service would silently ignore it.
   */
  List<String> ineffectiveVariables() {
    String kafka = ConfigDefaults.ENV_PREFIX + "KAFKA_";
    return env.keySet().stream()
        .filter(name -> name.startsWith(ConfigDefaults.ENV_PREFIX))
        .filter(name -> name.startsWith(kafka)
            ? !knownClientProperty(new ConfigDefaults(new Properties(), Map.of(name, "x")).kafkaProperties().keySet()
                .iterator().next())
            : !optionVariables.contains(name))
        .sorted()
        .toList();
  }

  private static boolean knownClientProperty(String key) {
    Set<String> known = new HashSet<>(ProducerConfig.configNames());
    known.addAll(ConsumerConfig.configNames());
    known.addAll(AdminClientConfig.configNames());
    known.addAll(StreamsConfig.configDef().names());
    // Kafka Streams passes main.consumer.X (and the like) to that one client.
    String unprefixed = key.replaceFirst("^(main\\.consumer|restore\\.consumer|global\\.consumer|consumer|producer|admin)\\.", "");
    // The serde's keys, as ClusterConfig picks them out of the pass-through.
    boolean serde = new ClusterConfig("b:1", "http://r", Topics.withDefaultPrefix(), Map.of(key, "x"))
        .serdeProperties().containsKey(key);
    return known.contains(key) || known.contains(unprefixed) || serde;
  }

  private static Properties configFile(Dockerfile image, List<String> args) throws IOException {
    Properties properties = new Properties();
    int at = args.indexOf("--config");
    if (at >= 0) {
      Path source = image.copies().get(args.get(at + 1));
      if (source == null) {
        throw new AssertionError(image.path() + " copies nothing to " + args.get(at + 1) + ", which --config names");
      }
      try (InputStream in = Files.newInputStream(source)) {
        properties.load(in);
      }
    }
    return properties;
  }

  /** The arguments after {@code java ... -jar /app/alignstream.jar}. */
  private static List<String> alignstreamArgs(String where, List<String> line) {
    int jar = line.indexOf(JAR);
    if (line.isEmpty() || !line.get(0).equals("java") || jar < 1 || !line.get(jar - 1).equals("-jar")) {
      throw new AssertionError(where + " does not run java -jar " + JAR + ": " + line);
    }
    return line.subList(jar + 1, line.size());
  }

  private static String expand(String value, Map<String, String> env) {
    Matcher m = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
    }
    return m.appendTail(out).toString();
  }

  private static List<String> strings(JsonNode array) {
    List<String> list = new ArrayList<>();
    array.forEach(item -> list.add(item.asText()));
    return list;
  }

  @Override
  public String toString() {
    return where;
  }
}
