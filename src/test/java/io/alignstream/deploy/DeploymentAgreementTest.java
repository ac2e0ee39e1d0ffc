package io.alignstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ManagementServer;
import io.alignstream.common.PipelineTopics;
import io.alignstream.common.Topics;
import io.alignstream.extractor.ExtractorMeters;
import io.alignstream.extractor.ExtractorService;
import io.alignstream.extractor.FleetService;
import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusNamingConvention;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The deployment files say what the code says. Every expected value is read from the code (topic
 * definitions, option defaults and the environment mapping, group names, meter names, paths) or
 * from another deployment file it must match (a Service's port, a Secret's name), never written
 * here a second time; so a change on either side that the other does not follow fails here, and a
 * changed default (a port, a partition count) needs no change here.
 *
 * <p>Each overlay is rendered with {@code kubectl kustomize}; the on-demand Jobs of
 * {@code deploy/kubernetes/jobs} are checked with each overlay's objects (their ConfigMaps).
 */
class DeploymentAgreementTest {

  private static final Path DEPLOYMENT_DOC = Path.of("docs", "deployment.md");
  private static final String ANY_INTERFACE = "0.0.0.0";

  /** An overlay's objects with the on-demand Jobs, and every container of this repository's images in them. */
  private record Deployment(Manifests manifests, List<ContainerCommand> containers) {}

  private static final Map<String, Deployment> DEPLOYMENTS = new ConcurrentHashMap<>();

  /** Rendered and resolved once per test run. */
  private static Deployment deployment(String overlay) {
    return DEPLOYMENTS.computeIfAbsent(overlay, DeploymentAgreementTest::resolve);
  }

  /** The on-demand Jobs are created in the overlay's namespace, beside its ConfigMaps. */
  private static Deployment resolve(String overlay) {
    try {
      Manifests rendered = Manifests.overlay(overlay);
      List<JsonNode> objects = new ArrayList<>(rendered.objects());
      for (Path job : Manifests.ON_DEMAND_JOBS) {
        objects.addAll(Manifests.file(job).objects());
      }
      Manifests manifests = new Manifests(rendered.where() + " with " + Manifests.KUBERNETES.resolve("jobs"), objects);
      List<ContainerCommand> containers = new ArrayList<>();
      for (JsonNode workload : manifests.workloads()) {
        for (JsonNode container : Manifests.podSpec(workload).path("containers")) {
          if (Dockerfile.ours(container.path("image").asText())) {
            containers.add(ContainerCommand.kubernetes(manifests, workload, container, samplePodName(workload)));
          }
        }
      }
      return new Deployment(manifests, List.copyOf(containers));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String samplePodName(JsonNode workload) {
    String name = Manifests.name(workload);
    return switch (workload.path("kind").asText()) {
      case "StatefulSet" -> name + "-0";
      case "Job" -> name.endsWith("-") ? name + "x7k2p" : name + "-x7k2p";
      default -> name + "-7c9d8f6b5-x7k2p";
    };
  }

  /** A ScaledObject, the extractor container of the Deployment it scales, and its one trigger. */
  private record Scaled(JsonNode object, ContainerCommand target, JsonNode trigger) {}

  private static Scaled scaled(String overlay, String name) {
    Deployment deployment = deployment(overlay);
    JsonNode object = deployment.manifests().one("ScaledObject", name);
    ContainerCommand target = container(deployment, "Deployment", object.at("/spec/scaleTargetRef/name").asText());
    assertThat(target.subcommand()).isEqualTo("extract");
    return new Scaled(object, target, single(stream(object.at("/spec/triggers")).toList()));
  }

  /** The (first) container of the named workload. */
  private static ContainerCommand container(Deployment deployment, String kind, String name) {
    return deployment.containers().stream()
        .filter(c -> Manifests.describe(c.workload).equals(kind + " " + name)).findFirst()
        .orElseThrow(() -> new AssertionError(deployment.manifests().where() + " runs no container of ours in " + kind + " "
            + name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void everyAlignstreamVariableConfiguresAnOptionOrAClient(String overlay) {
    List<ContainerCommand> containers = deployment(overlay).containers();
    assertThat(containers).extracting(ContainerCommand::subcommand)
        .contains("extract", "score", "produce requests", "produce triplets", "produce model", "report");
    for (ContainerCommand container : containers) {
      assertThat(container.ineffectiveVariables()).as(container + " (" + container.subcommand() + ")").isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void kafkaTopicsAreThePipelinesTopicsWithTheirPartitionsReplicasAndConfigs(String overlay) {
    Manifests manifests = deployment(overlay).manifests();
    List<ContainerCommand> creators = deployment(overlay).containers().stream()
        .filter(c -> c.hasOption("--partitions")).toList();
    assertThat(creators).isNotEmpty();
    // Every service that creates missing topics would create them as the KafkaTopics declare them.
    String prefix = single(creators, c -> c.option("--topic-prefix"), "--topic-prefix");
    int partitions = single(creators, c -> c.option("--partitions"), "--partitions");
    short replication = single(creators, c -> c.option("--replication-factor"), "--replication-factor");

    Map<String, String> expected = new TreeMap<>();
    for (NewTopic topic : PipelineTopics.definitions(new Topics(prefix), partitions, replication)) {
      expected.put(topic.name(), topic.numPartitions() + " partitions, " + topic.replicationFactor() + " replicas, "
          + new TreeMap<>(topic.configs()));
    }
    JsonNode registry = manifests.one("Deployment", "schema-registry");
    String registryTopic = variable(Manifests.podSpec(registry).at("/containers/0"), "SCHEMA_REGISTRY_KAFKASTORE_TOPIC");
    Map<String, String> declared = new TreeMap<>();
    for (JsonNode topic : manifests.all("KafkaTopic")) {
      String name = topic.at("/spec/topicName").asText(Manifests.name(topic));
      if (!name.equals(registryTopic)) {
        Map<String, String> configs = new TreeMap<>();
        topic.at("/spec/config").fields().forEachRemaining(e -> configs.put(e.getKey(), e.getValue().asText()));
        declared.put(name, topic.at("/spec/partitions").asInt() + " partitions, " + topic.at("/spec/replicas").asInt()
            + " replicas, " + configs);
      }
    }
    assertThat(declared).isEqualTo(expected);
    assertThat(brokers(manifests)).as("replicas = brokers").isEqualTo(replication);
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void everyServiceReachesKafkaThroughTheScramListenerAsAKafkaUser(String overlay) {
    Manifests manifests = deployment(overlay).manifests();
    JsonNode kafka = single(manifests.all("Kafka"));
    JsonNode listener = single(stream(kafka.at("/spec/kafka/listeners"))
        .filter(l -> l.at("/authentication/type").asText().equals("scram-sha-512")).toList());
    assertThat(listener.path("tls").asBoolean()).isTrue();
    Set<String> users = names(manifests.all("KafkaUser"));
    for (ContainerCommand container : deployment(overlay).containers()) {
      assertThat((String) container.option("--bootstrap-servers")).as(container.where)
          .isEqualTo(Manifests.name(kafka) + "-kafka-bootstrap:" + listener.path("port").asInt());
      Map<String, String> client = container.kafkaProperties();
      assertThat(client).as(container.where)
          .containsEntry("security.protocol", "SASL_SSL")
          .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
          .containsEntry("ssl.truststore.type", "PEM");
      ContainerCommand.SecretRef jaas = secretOf(container, "sasl.jaas.config");
      assertThat(users).as(container.where).contains(jaas.secret());
      assertThat(jaas.key()).isEqualTo("sasl.jaas.config");
      assertThat(mountedSecretFile(container, client.get("ssl.truststore.location")))
          .as(container.where + " truststore").isEqualTo(Manifests.name(kafka) + "-cluster-ca-cert/ca.crt");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void everyServiceReachesTheRegistryServiceWithBasicAuthFromASecret(String overlay) {
    Manifests manifests = deployment(overlay).manifests();
    for (ContainerCommand container : deployment(overlay).containers()) {
      URI url = URI.create(container.option("--schema-registry-url"));
      JsonNode service = manifests.one("Service", url.getHost());
      JsonNode port = single(stream(service.at("/spec/ports")).filter(p -> p.path("port").asInt() == url.getPort()).toList());
      JsonNode registry = selectedWorkload(manifests, service);
      assertThat(containerPort(Manifests.podSpec(registry).at("/containers/0"), port.path("targetPort")))
          .as(container.where + ": " + url + " reaches the registry's port").isEqualTo(variablePort(registry));
      assertThat(container.cluster().serdeProperties()).as(container.where)
          .containsEntry("basic.auth.credentials.source", "USER_INFO")
          .containsKey("basic.auth.user.info");
      assertThat(secretOf(container, "basic.auth.user.info").secret()).isNotBlank();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void probesAndScrapingUseTheManagementPortTheServicesListenOn(String overlay) {
    Manifests manifests = deployment(overlay).manifests();
    JsonNode podMonitor = single(manifests.all("PodMonitor"));
    JsonNode endpoint = single(stream(podMonitor.at("/spec/podMetricsEndpoints")).toList());
    assertThat(endpoint.path("path").asText()).isEqualTo(ManagementServer.PROMETHEUS_PATH);
    List<String> services = new ArrayList<>();
    for (ContainerCommand container : deployment(overlay).containers()) {
      if (!Set.of("extract", "score").contains(container.subcommand())) {
        continue; // producers and reports run and exit: no management port
      }
      services.add(container.where);
      JsonNode spec = container.spec;
      int port = container.option("--management-port");
      assertThat((String) container.option("--management-host")).as(container.where).isEqualTo(ANY_INTERFACE);
      assertThat(namedPort(spec, endpoint.path("port").asText())).as(container.where + " scraped port").isEqualTo(port);
      for (String probe : List.of("startupProbe", "livenessProbe")) {
        assertThat(spec.at("/" + probe + "/httpGet/path").asText()).as(container.where + " " + probe)
            .isEqualTo(ManagementServer.HEALTH_PATH);
        assertThat(containerPort(spec, spec.at("/" + probe + "/httpGet/port"))).isEqualTo(port);
      }
      assertThat(spec.at("/readinessProbe/httpGet/path").asText()).isEqualTo(ManagementServer.READY_PATH);
      assertThat(containerPort(spec, spec.at("/readinessProbe/httpGet/port"))).isEqualTo(port);
      assertThat(selects(podMonitor.at("/spec/selector"), container.workload.at("/spec/template/metadata/labels")))
          .as("the PodMonitor scrapes " + container.where).isTrue();
    }
    assertThat(services).hasSizeGreaterThanOrEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void scorerPodsKeepTheirStateAndReachEachOtherByName(String overlay) {
    Manifests manifests = deployment(overlay).manifests();
    JsonNode scorer = single(manifests.all("StatefulSet"));
    ContainerCommand command = container(deployment(overlay), "StatefulSet", Manifests.name(scorer));
    assertThat(command.subcommand()).isEqualTo("score");
    JsonNode spec = command.spec;
    int http = command.option("--http-port");
    assertThat((String) command.option("--http-host")).isEqualTo(ANY_INTERFACE);
    assertThat(namedPort(spec, "http")).isEqualTo(http);

    // Queries are forwarded to the advertised host: this pod's name under the headless Service.
    JsonNode headless = manifests.one("Service", scorer.at("/spec/serviceName").asText());
    assertThat(headless.at("/spec/clusterIP").asText()).isEqualTo("None");
    assertThat(selects(headless.at("/spec/selector"), scorer.at("/spec/template/metadata/labels"))).isTrue();
    assertThat((String) command.option("--advertised-host")).isEqualTo(samplePodName(scorer) + "."
        + Manifests.name(headless) + "." + manifests.namespace() + ".svc");
    // The dashboard and REST API: a Service in front of the http port.
    JsonNode api = manifests.one("Service", Manifests.name(scorer));
    assertThat(containerPort(spec, single(stream(api.at("/spec/ports")).toList()).path("targetPort"))).isEqualTo(http);

    // The state directory is a volume of its own per pod.
    Path stateDir = command.option("--state-dir");
    String claim = single(stream(scorer.at("/spec/volumeClaimTemplates")).toList()).at("/metadata/name").asText();
    JsonNode mount = single(stream(spec.path("volumeMounts")).filter(m -> m.path("name").asText().equals(claim)).toList());
    assertThat(mount.path("mountPath").asText()).isEqualTo(stateDir.toString());
    // A standby needs another pod to live in.
    int standbys = Integer.parseInt(command.kafkaProperties().get("num.standby.replicas"));
    assertThat(scorer.at("/spec/replicas").asInt()).isGreaterThan(standbys);
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void extractorsScaleOnTheLagOfTheGroupTheyJoin(String overlay) {
    Manifests manifests = deployment(overlay).manifests();
    Scaled scaled = scaled(overlay, "alignstream-extractor");
    ContainerCommand extractor = scaled.target();
    JsonNode trigger = scaled.trigger();
    String modelId = extractor.option("--model-id");
    assertThat(modelId).as("the model id names the group; set it (ALIGNSTREAM_MODEL_ID) where a ScaledObject watches it")
        .isNotBlank();
    ClusterConfig cluster = extractor.cluster();
    JsonNode kafka = single(manifests.all("Kafka"));
    assertThat(trigger.path("type").asText()).isEqualTo("kafka");
    assertThat(trigger.at("/metadata/consumerGroup").asText()).isEqualTo(ExtractorService.groupId(modelId));
    assertThat(trigger.at("/metadata/topic").asText()).isEqualTo(cluster.topics().requests());
    assertThat(trigger.at("/metadata/offsetResetPolicy").asText()).as("a group without offsets counts from where it starts")
        .isEqualTo(cluster.consumerProperties("client", "group").get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG));
    assertThat(trigger.at("/metadata/allowIdleConsumers").asText("false")).isEqualTo("false");
    assertThat(scaled.object().at("/spec/maxReplicaCount").asInt()).as("replicas beyond the partitions would idle")
        .isLessThanOrEqualTo(partitionsOf(manifests, cluster.topics().requests()));
    // KEDA runs in its own namespace: the bootstrap service by its full name, the pods' listener.
    String bootstrap = extractor.option("--bootstrap-servers");
    assertThat(trigger.at("/metadata/bootstrapServers").asText()).isEqualTo(bootstrap.replace(":",
        "." + manifests.namespace() + ".svc:"));
    // KEDA's names of the SASL mechanisms it speaks.
    Map<String, String> keda = Map.of("PLAIN", "plaintext", "SCRAM-SHA-256", "scram_sha256", "SCRAM-SHA-512", "scram_sha512");
    assertThat(trigger.at("/metadata/sasl").asText()).isEqualTo(keda.get(extractor.kafkaProperties().get("sasl.mechanism")));
    assertThat(trigger.at("/metadata/tls").asText()).isEqualTo("enable");

    // It logs in as the user whose JAAS configuration the extractors use, trusting the cluster CA.
    String user = secretOf(extractor, "sasl.jaas.config").secret();
    JsonNode auth = manifests.one("TriggerAuthentication", trigger.at("/authenticationRef/name").asText());
    Map<String, String> parameters = new HashMap<>();
    for (JsonNode ref : auth.at("/spec/secretTargetRef")) {
      parameters.put(ref.path("parameter").asText(), "secret " + ref.path("name").asText() + "/" + ref.path("key").asText());
    }
    for (JsonNode ref : auth.at("/spec/configMapTargetRef")) {
      parameters.put(ref.path("parameter").asText(), "value " + manifests.one("ConfigMap", ref.path("name").asText())
          .at("/data/" + ref.path("key").asText()).asText());
    }
    assertThat(parameters).containsEntry("username", "value " + user)
        .containsEntry("password", "secret " + user + "/password")
        .containsEntry("ca", "secret " + Manifests.name(kafka) + "-cluster-ca-cert/ca.crt");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void theFleetScalesOnTheRequestsItsReplicasReportWaiting(String overlay) {
    Manifests manifests = deployment(overlay).manifests();
    Scaled scaled = scaled(overlay, "alignstream-fleet");
    ContainerCommand fleet = scaled.target();
    JsonNode trigger = scaled.trigger();
    assertThat((Boolean) fleet.option("--fleet")).isTrue();
    assertThat(trigger.path("type").asText()).isEqualTo("prometheus");
    String metric = new PrometheusNamingConvention().name(ExtractorMeters.QUEUE_DEPTH, Meter.Type.GAUGE);
    assertThat(trigger.at("/metadata/query").asText())
        .contains(metric + "{")
        .contains("service=\"" + FleetService.SERVICE + "\"")
        .contains("namespace=\"" + manifests.namespace() + "\"");
    assertThat(scaled.object().at("/spec/maxReplicaCount").asInt())
        .isLessThanOrEqualTo(partitionsOf(manifests, fleet.cluster().topics().requests()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void credentialsComeOnlyFromSecretsThatStrimziOrTheDeploymentGuideCreates(String overlay) throws IOException {
    Manifests manifests = deployment(overlay).manifests();
    assertThat(manifests.all("Secret")).as("no Secret (and so no credential) in the manifests").isEmpty();
    JsonNode kafka = single(manifests.all("Kafka"));
    Map<String, Set<String>> available = new TreeMap<>(createdByTheGuide());
    for (String user : names(manifests.all("KafkaUser"))) {
      available.put(user, Set.of("password", "sasl.jaas.config"));
    }
    available.put(Manifests.name(kafka) + "-cluster-ca-cert", Set.of("ca.crt"));

    Set<String> used = new TreeSet<>();
    for (JsonNode workload : manifests.workloads()) {
      JsonNode pod = Manifests.podSpec(workload);
      for (JsonNode container : pod.path("containers")) {
        for (JsonNode variable : container.path("env")) {
          String name = variable.path("name").asText();
          JsonNode ref = variable.at("/valueFrom/secretKeyRef");
          if (ClusterConfig.isSecret(name.replace('_', '.'))) {
            assertThat(ref.isMissingNode()).as(Manifests.describe(workload) + " " + name + " must come from a Secret")
                .isFalse();
          }
          if (!ref.isMissingNode()) {
            used.add(ref.path("name").asText() + "/" + ref.path("key").asText());
          }
        }
      }
      for (JsonNode volume : pod.path("volumes")) {
        for (JsonNode item : volume.at("/secret/items")) {
          used.add(volume.at("/secret/secretName").asText() + "/" + item.path("key").asText());
        }
      }
    }
    for (JsonNode auth : manifests.all("TriggerAuthentication")) {
      auth.at("/spec/secretTargetRef").forEach(r -> used.add(r.path("name").asText() + "/" + r.path("key").asText()));
    }
    for (String secretKey : used) {
      String[] parts = secretKey.split("/", 2);
      assertThat(available.getOrDefault(parts[0], Set.of())).as(secretKey + " is neither Strimzi's nor created in "
          + DEPLOYMENT_DOC).contains(parts[1]);
    }
  }

  @Test
  void imagesAreBuiltFromTheRepositorysJarAsNonRootWithTheServicesPortsAndHealthChecks() throws IOException {
    Set<Path> referenced = new TreeSet<>();
    for (String overlay : Manifests.OVERLAYS) {
      for (JsonNode workload : deployment(overlay).manifests().workloads()) {
        Manifests.podSpec(workload).path("containers").forEach(c -> {
          if (Dockerfile.ours(c.path("image").asText())) {
            referenced.add(Dockerfile.forImage(c.path("image").asText()));
          }
        });
      }
    }
    assertThat(referenced).containsExactlyInAnyOrder(Path.of("extractor/Dockerfile"), Path.of("extractor/Dockerfile.cuda"),
        Path.of("scorer/Dockerfile"), Path.of("producer/Dockerfile"));
    for (Path path : referenced) {
      Dockerfile image = Dockerfile.read(path);
      assertThat(image.copies()).as(path.toString()).containsValue(Path.of("target/alignstream.jar"));
      assertThat(image.user()).as(path + " USER").matches("[1-9][0-9]*");
      ContainerCommand defaults = ContainerCommand.image(image);
      if (Set.of("extract", "score").contains(defaults.subcommand())) {
        int management = defaults.option("--management-port");
        assertThat(image.exposed()).as(path.toString()).contains(management);
        assertThat(image.env()).as(path + ": the health check asks the port this variable names")
            .containsKey("ALIGNSTREAM_MANAGEMENT_PORT");
        String check = String.join(" ", image.healthcheck());
        assertThat(check).as(path + " HEALTHCHECK")
            .contains("/dev/tcp/127.0.0.1/${ALIGNSTREAM_MANAGEMENT_PORT}")
            .containsAnyOf("GET " + ManagementServer.HEALTH_PATH + " ", "GET " + ManagementServer.READY_PATH + " ");
      }
      if (defaults.subcommand().equals("score")) {
        assertThat(image.exposed()).as(path.toString()).contains((Integer) defaults.option("--http-port"));
        assertThat(image.volumes()).contains(defaults.option("--state-dir").toString());
      }
      if (defaults.subcommand().equals("extract")) {
        // Models come from a mount: the hub cache lies in a declared volume.
        String hub = image.env().get("HF_HUB_CACHE");
        assertThat(hub).as(path + " HF_HUB_CACHE").isNotNull();
        assertThat(image.volumes()).as(path.toString()).anyMatch(v -> hub.equals(v) || hub.startsWith(v + "/"));
      }
    }
    // The CUDA image's base is the CUDA release the cuda profile's natives are built for.
    String natives = cudaProfileNatives();
    Matcher cu = Pattern.compile("pytorch-native-cu(\\d+)(\\d)").matcher(natives);
    assertThat(cu.matches()).as(natives).isTrue();
    assertThat(Dockerfile.read(Path.of("extractor/Dockerfile.cuda")).from())
        .anyMatch(base -> base.matches("nvidia/cuda:" + cu.group(1) + "\\." + cu.group(2) + "(\\.\\d+)?-runtime-.*"));
  }

  @Test
  void composeServicesUseOptionsTheirCommandsHaveAndReachTheComposeKafkaAndRegistry() throws IOException {
    JsonNode compose = Manifests.file(Path.of("docker-compose.yml")).objects().get(0);
    JsonNode services = compose.path("services");
    List<String> built = new ArrayList<>();
    for (var entry : (Iterable<Map.Entry<String, JsonNode>>) services::fields) {
      if (!entry.getValue().has("build")) {
        continue;
      }
      ContainerCommand command = ContainerCommand.compose(entry.getKey(), entry.getValue());
      built.add(command.subcommand());
      assertThat(command.ineffectiveVariables()).as(command.where).isEmpty();
      for (String server : ((String) command.option("--bootstrap-servers")).split(",")) {
        assertThat(services.has(server.split(":")[0])).as(command.where + ": " + server + " is a compose service").isTrue();
      }
      URI registry = URI.create(command.option("--schema-registry-url"));
      assertThat(services.path(registry.getHost()).at("/environment/SCHEMA_REGISTRY_LISTENERS").asText())
          .as(command.where + ": " + registry).endsWith(":" + registry.getPort());
      if (command.subcommand().equals("score")) {
        assertThat(services.has((String) command.option("--advertised-host"))).isTrue();
      }
    }
    assertThat(built).contains("extract", "score", "produce requests", "produce triplets");
  }

  // --- helpers -------------------------------------------------------------------------------

  /** The natives the `cuda` Maven profile selects (property pytorch.native). */
  private static String cudaProfileNatives() {
    try {
      var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
      NodeList profiles = pom.getElementsByTagName("profile");
      for (int i = 0; i < profiles.getLength(); i++) {
        Element profile = (Element) profiles.item(i);
        if (profile.getElementsByTagName("id").item(0).getTextContent().equals("cuda")) {
          return profile.getElementsByTagName("pytorch.native").item(0).getTextContent().strip();
        }
      }
    } catch (Exception e) {
      throw new AssertionError("reading pom.xml: " + e.getMessage(), e);
    }
    throw new AssertionError("pom.xml has no cuda profile");
  }

  /** Secret names and keys that docs/deployment.md creates with `kubectl create secret generic NAME --from-literal=KEY=...`. */
  private static Map<String, Set<String>> createdByTheGuide() throws IOException {
    String text = Files.readString(DEPLOYMENT_DOC).replace("\\\n", " ");
    Map<String, Set<String>> secrets = new TreeMap<>();
    Matcher command = Pattern.compile("create secret generic (\\S+)([^\\n]*)").matcher(text);
    while (command.find()) {
      Matcher key = Pattern.compile("--from-(?:literal|file)=([^=\\s]+)=").matcher(command.group(2));
      Set<String> keys = new TreeSet<>();
      while (key.find()) {
        keys.add(key.group(1));
      }
      secrets.put(command.group(1), keys);
    }
    return secrets;
  }

  /** The Secret a container's pass-through client property comes from. */
  private static ContainerCommand.SecretRef secretOf(ContainerCommand container, String property) {
    String variable = "ALIGNSTREAM_KAFKA_" + property.toUpperCase().replace('.', '_');
    return container.secrets.stream().filter(s -> s.variable().equals(variable)).findFirst()
        .orElseThrow(() -> new AssertionError(container.where + ": " + variable + " does not come from a Secret"));
  }

  /** "SECRET/KEY" of the secret volume item mounted at {@code file} in the container, or what is mounted there. */
  private static String mountedSecretFile(ContainerCommand command, String file) {
    JsonNode pod = Manifests.podSpec(command.workload);
    for (JsonNode mount : command.spec.path("volumeMounts")) {
      String dir = mount.path("mountPath").asText();
      if (file.startsWith(dir + "/")) {
        String relative = file.substring(dir.length() + 1);
        for (JsonNode volume : pod.path("volumes")) {
          if (volume.path("name").asText().equals(mount.path("name").asText())) {
            for (JsonNode item : volume.at("/secret/items")) {
              if (item.path("path").asText().equals(relative)) {
                return volume.at("/secret/secretName").asText() + "/" + item.path("key").asText();
              }
            }
          }
        }
      }
    }
    return "nothing mounted at " + file;
  }

  /** The workload whose pods a Service selects (exactly one). */
  private static JsonNode selectedWorkload(Manifests manifests, JsonNode service) {
    return single(manifests.workloads().stream()
        .filter(w -> selects(service.at("/spec/selector"), w.at("/spec/template/metadata/labels"))).toList());
  }

  /** Whether a selector (a Service's map, or matchLabels / matchExpressions with In) matches the labels. */
  private static boolean selects(JsonNode selector, JsonNode labels) {
    JsonNode matchLabels = selector.has("matchLabels") || selector.has("matchExpressions") ? selector.path("matchLabels")
        : selector;
    for (var e : (Iterable<Map.Entry<String, JsonNode>>) matchLabels::fields) {
      if (!labels.path(e.getKey()).asText().equals(e.getValue().asText())) {
        return false;
      }
    }
    for (JsonNode expression : selector.path("matchExpressions")) {
      assertThat(expression.path("operator").asText()).as("selector operators these checks read").isEqualTo("In");
      if (stream(expression.path("values")).noneMatch(v -> v.asText().equals(labels.path(expression.path("key").asText())
          .asText()))) {
        return false;
      }
    }
    return !selector.isMissingNode();
  }

  /** A port given by number or by the name of one of the container's ports. */
  private static int containerPort(JsonNode container, JsonNode port) {
    return port.isInt() ? port.asInt() : namedPort(container, port.asText());
  }

  private static int namedPort(JsonNode container, String name) {
    return single(stream(container.path("ports")).filter(p -> p.path("name").asText().equals(name)).toList())
        .path("containerPort").asInt();
  }

  /** The registry's listener port, from its SCHEMA_REGISTRY_LISTENERS. */
  private static int variablePort(JsonNode registry) {
    return URI.create(variable(Manifests.podSpec(registry).at("/containers/0"), "SCHEMA_REGISTRY_LISTENERS")).getPort();
  }

  private static String variable(JsonNode container, String name) {
    return single(stream(container.path("env")).filter(v -> v.path("name").asText().equals(name)).toList())
        .path("value").asText();
  }

  private static int partitionsOf(Manifests manifests, String topic) {
    return single(manifests.all("KafkaTopic").stream()
        .filter(t -> t.at("/spec/topicName").asText(Manifests.name(t)).equals(topic)).toList())
        .at("/spec/partitions").asInt();
  }

  private static int brokers(Manifests manifests) {
    return manifests.all("KafkaNodePool").stream()
        .filter(pool -> stream(pool.at("/spec/roles")).anyMatch(r -> r.asText().equals("broker")))
        .mapToInt(pool -> pool.at("/spec/replicas").asInt()).sum();
  }

  private static Set<String> names(List<JsonNode> objects) {
    return objects.stream().map(Manifests::name).collect(Collectors.toCollection(TreeSet::new));
  }

  private static <T> T single(List<ContainerCommand> containers, java.util.function.Function<ContainerCommand, T> value,
      String what) {
    Set<T> values = containers.stream().map(value).collect(Collectors.toSet());
    assertThat(values).as("every container agrees on " + what + ": " + containers).hasSize(1);
    return values.iterator().next();
  }

  private static <T> T single(List<T> items) {
    assertThat(items).hasSize(1);
    return items.get(0);
  }

  private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
    List<JsonNode> items = new ArrayList<>();
    array.forEach(items::add);
    return items.stream();
  }
}
