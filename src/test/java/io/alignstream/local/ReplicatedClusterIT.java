package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.CommandRun;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.PipelineTopics;
import io.alignstream.common.TopicLayout;
import io.alignstream.common.Topics;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.scorer.BatchReference;
import io.alignstream.scorer.BrokerFixture;
import io.alignstream.scorer.ScorerService;
import io.alignstream.scorer.SyntheticData;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.jobs.AnalysisConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on a replicated cluster: three brokers, every topic (pipeline, Kafka Streams'
 * changelogs and broadcast topic) with three replicas and two in sync, the scorer's counts equal
 * to the batch computation; a broker of {@code local --brokers 3} killed while a producer writes;
 * and the start-up errors that refuse to run on less than was asked for.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReplicatedClusterIT {

  @Test
  void everyTopicOfThePipelineHasThreeReplicasTwoInSyncAndTheCountsEqualTheBatch(@TempDir Path dir) throws Exception {
    SyntheticData data = SyntheticData.generate(31, 30, 600, new int[] {5, 8});
    String app = "replicated-" + UUID.randomUUID();
    try (BrokerFixture kafka = new BrokerFixture(SharedTestCluster.bootstrapServers(), SharedTestCluster.registryUrl(),
        app + ".");
        ScorerService scorer = ScorerService.start(kafka.cluster, ScorerConfig.defaults(dir)
            .withStreams(s -> s.withApplicationId(app)).withHttp(h -> h.withPort(0))
            .withTopics(t -> t.withPartitions(2)).withWindows(w -> w.withEmitInterval(Duration.ofMillis(200)))
            .withAnalysis(AnalysisConfig.defaults().withThreads(0)))) {
      assertThat(scorer.awaitRunning(Duration.ofSeconds(120))).isTrue();
      List<Object> inputs = new ArrayList<>(data.triplets);
      inputs.addAll(data.embeddings());
      kafka.send(inputs);
      Map<String, BatchReference.Score> expected = new LinkedHashMap<>();
      data.settings.keySet().forEach(k -> expected.put(k, BatchReference.score(data.vectors.get(k), data.triplets, true)));
      Map<String, AlignmentMetric> latest = kafka.awaitMetrics(l -> expected.entrySet().stream().allMatch(e ->
          l.containsKey(e.getKey()) && l.get(e.getKey()).getCorrect() == e.getValue().correct()
              && l.get(e.getKey()).getTotal() == e.getValue().total()), Duration.ofSeconds(120));
      expected.forEach((key, score) -> {
        assertThat(latest.get(key).getCorrect()).as(key).isEqualTo(score.correct());
        assertThat(latest.get(key).getTotal()).as(key).isEqualTo(score.total());
      });

      try (Admin admin = Admin.create(kafka.cluster.clientProperties("replicated-check"))) {
        List<String> ours = admin.listTopics().names().get().stream()
            .filter(t -> t.startsWith(app + ".") || t.startsWith(app + "-")).toList();
        // pipeline topics, the broadcast topic and every changelog
        assertThat(ours).contains(kafka.topics.embeddings(), kafka.topics.oooa(), app + "-vectors-changelog",
            app + "-triplets-broadcast-repartition");
        Map<String, TopicDescription> described = admin.describeTopics(ours).allTopicNames().get();
        for (TopicDescription topic : described.values()) {
          for (TopicPartitionInfo partition : topic.partitions()) {
            assertThat(partition.replicas()).as("replicas of %s-%d", topic.name(), partition.partition()).hasSize(3);
          }
        }
        List<ConfigResource> resources = ours.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
        configs.forEach((resource, config) -> assertThat(config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value())
            .as("min.insync.replicas of %s", resource.name()).isEqualTo("2"));
      }
    }
  }

  @Test
  void anExistingTopicWithFewerReplicasStopsTheCommandNamingTheTopicAndTheFix() throws Exception {
    String prefix = "one-replica-" + UUID.randomUUID() + ".";
    Topics topics = new Topics(prefix);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", SharedTestCluster.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topics.triplets(), 2, (short) 1))).all().get();
    }

    CommandRun run = CommandRun.run("produce", "triplets", "--dataset", "synthetic",
        "--bootstrap-servers", SharedTestCluster.bootstrapServers(), "--schema-registry-url", SharedTestCluster.registryUrl(),
        "--topic-prefix", prefix);

    assertThat(run.code()).as(run.err()).isEqualTo(2);
    assertThat(run.err().lines().toList()).hasSize(1);
    assertThat(run.err()).contains("topic " + topics.triplets() + " has 1 replica per partition, fewer than the 3 expected",
        "--replication-factor 1");
    // nothing was created beside it, nothing written to it
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", SharedTestCluster.bootstrapServers()))) {
      assertThat(admin.listTopics().names().get()).doesNotContain(topics.embeddings());
    }

    CommandRun accepted = CommandRun.run("produce", "triplets", "--dataset", "synthetic", "--replication-factor", "1",
        "--bootstrap-servers", SharedTestCluster.bootstrapServers(), "--schema-registry-url", SharedTestCluster.registryUrl(),
        "--topic-prefix", prefix);
    assertThat(accepted.code()).as(accepted.err()).isZero();
  }

  @Test
  void anExistingTopicWithFewerPartitionsThanAskedForStopsTheCommand() {
    String prefix = "two-partitions-" + UUID.randomUUID() + ".";
    ClusterConfig cluster = ClusterConfig.of(SharedTestCluster.bootstrapServers(), SharedTestCluster.registryUrl())
        .withTopics(new Topics(prefix));
    PipelineTopics.ensure(cluster, TopicLayout.ofPartitions(2));

    CommandRun run = CommandRun.run("produce", "triplets", "--dataset", "synthetic", "--partitions", "4",
        "--bootstrap-servers", SharedTestCluster.bootstrapServers(), "--schema-registry-url", SharedTestCluster.registryUrl(),
        "--topic-prefix", prefix);

    assertThat(run.code()).as(run.err()).isEqualTo(2);
    assertThat(run.err()).contains("has 2 partitions, fewer than the 4 asked for", "--partitions 2");
    // unasked, the existing partitions are used as they are
    assertThat(CommandRun.run("produce", "triplets", "--dataset", "synthetic",
        "--bootstrap-servers", SharedTestCluster.bootstrapServers(), "--schema-registry-url", SharedTestCluster.registryUrl(),
        "--topic-prefix", prefix).code()).isZero();
  }

  @Test
  void aReplicationFactorAboveTheBrokerCountStopsTheCommand() {
    CommandRun run = CommandRun.run("produce", "triplets", "--dataset", "synthetic", "--replication-factor", "3",
        "--bootstrap-servers", SharedTestBroker.bootstrapServers(), "--schema-registry-url", SharedTestBroker.registryUrl(),
        "--topic-prefix", "rf3-on-one-" + UUID.randomUUID() + ".");

    assertThat(run.code()).as(run.err()).isEqualTo(2);
    assertThat(run.err()).contains("has 1 broker, fewer than the replication factor 3 asked for",
        "local --brokers 3", "--replication-factor 1");
  }

  @Test
  void localWithThreeBrokersRunsEachInItsOwnProcessAndWritesGoOnWhileOneIsKilled() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(LocalCluster.Settings.defaults().withBrokers(3).withPartitions(2))) {
      assertThat(cluster.bootstrapServers().split(",")).hasSize(3);
      List<Long> pids = pidsOf(cluster);
      assertThat(pids).hasSize(3).doesNotHaveDuplicates().doesNotContain(ProcessHandle.current().pid());
      try (Admin admin = Admin.create(cluster.clusterConfig().clientProperties("local-3-check"))) {
        assertThat(admin.describeCluster().nodes().get()).hasSize(3);
        TopicDescription embeddings = admin.describeTopics(Set.of(cluster.clusterConfig().topics().embeddings()))
            .allTopicNames().get().values().iterator().next();
        assertThat(embeddings.partitions()).hasSize(2).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
      }

      Map<String, Object> props = cluster.clusterConfig().producerProperties("local-3-writer");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
          new StringSerializer())) {
        String topic = cluster.clusterConfig().topics().triplets();
        producer.send(new ProducerRecord<>(topic, "before", "x")).get(60, TimeUnit.SECONDS);
        // SIGKILL the broker leading partition 0; acks=all with two of three in sync still commits
        ProcessHandle.of(pids.get(leaderOf(cluster, topic) - 1)).orElseThrow().destroyForcibly();
        for (int i = 0; i < 20; i++) {
          producer.send(new ProducerRecord<>(topic, "during-" + i, "x")).get(60, TimeUnit.SECONDS);
        }
      }
      // the supervisor starts the killed broker again, as a new process
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (pidsOf(cluster).equals(pids) && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      List<Long> now = pidsOf(cluster);
      assertThat(now).hasSize(3);
      assertThat(now.stream().filter(pids::contains)).hasSize(2);
    }
  }

  private static int leaderOf(LocalCluster cluster, String topic) throws Exception {
    try (Admin admin = Admin.create(cluster.clusterConfig().clientProperties("local-3-leader"))) {
      return admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic).partitions().get(0).leader().id();
    }
  }

  private static List<Long> pidsOf(LocalCluster cluster) {
    return cluster.brokers().stream().map(line -> Long.parseLong(line.replaceAll(".*, pid (\\d+),.*", "$1"))).toList();
  }
}
