package io.alignstream.local;

import io.alignstream.common.Replication;
import io.alignstream.common.TemporaryDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.Uuid;

/**
 * Three real brokers (one KRaft quorum, three replicas with two in sync by default) and one
 * embedded schema registry on them, for every test class of this JVM that needs a replicated
 * cluster, as {@link SharedTestBroker} is for one broker: started once per JVM, in this JVM (a
 * test that must kill a broker runs {@code bench chaos --brokers 3}, where each is a process),
 * each test class on topics of its own. Closed and deleted when the JVM ends.
 */
public final class SharedTestCluster {

  public static final int BROKERS = 3;

  private static List<EmbeddedKafkaBroker> brokers;
  private static String bootstrapServers;
  private static EmbeddedSchemaRegistry registry;

  private SharedTestCluster() {}

  public static synchronized String bootstrapServers() {
    if (brokers == null) {
      Path root;
      try {
        root = Files.createTempDirectory("alignstream-test-cluster");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      KafkaNodes nodes = KafkaNodes.of(Uuid.randomUuid().toString(), BROKERS, 0);
      // Together, a thread each: a node's start returns only once a majority of the controllers runs.
      ExecutorService threads = Executors.newFixedThreadPool(BROKERS);
      List<CompletableFuture<EmbeddedKafkaBroker>> starting = new ArrayList<>();
      for (KafkaNodes.Node node : nodes.nodes()) {
        starting.add(CompletableFuture.supplyAsync(
            () -> EmbeddedKafkaBroker.startNode(nodes, node.id(), BrokerProcesses.logDir(root, node.id())), threads));
      }
      List<EmbeddedKafkaBroker> started = starting.stream().map(CompletableFuture::join).toList();
      threads.shutdown();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        started.parallelStream().forEach(EmbeddedKafkaBroker::close);
        TemporaryDirectory.deleteTree(root);
      }, "shared-test-cluster-shutdown"));
      brokers = started;
      bootstrapServers = nodes.bootstrapServers();
    }
    return bootstrapServers;
  }

  /** The URL of a registry over real HTTP that keeps its schemas (three replicas) on the shared cluster. */
  public static synchronized String registryUrl() {
    if (registry == null) {
      EmbeddedSchemaRegistry started = EmbeddedSchemaRegistry.start(EmbeddedSchemaRegistry.Settings
          .of(bootstrapServers()).withPort(0).withReplication(Replication.forBrokers(BROKERS)));
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-test-cluster-registry-shutdown"));
      registry = started;
    }
    return registry.url();
  }
}
