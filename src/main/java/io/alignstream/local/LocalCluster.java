package io.alignstream.local;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.PipelineTopics;
import io.alignstream.common.Replication;
import io.alignstream.common.TopicLayout;
import io.alignstream.common.Topics;
import io.alignstream.common.UserInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A whole cluster: Kafka with the pipeline's topics and an {@link EmbeddedSchemaRegistry}
 * keeping its schemas in Kafka, all on 127.0.0.1 (the registry on another address only when
 * {@link Settings#httpHost} says so). One broker runs in this process
 * ({@link EmbeddedKafkaBroker}); several run each in its own process ({@link BrokerProcesses},
 * which says why), with the topics replicated three times, two copies in sync
 * ({@link Replication#forBrokers}).
 * With a data directory, topics and schemas (ids, versions, compatibility levels) survive a
 * restart on the same directory; without one everything is deleted on {@link #close()}.
 */
public final class LocalCluster implements AutoCloseable {

  /**
   * @param dataDir where the broker keeps its log (and so the registry its topic), or null
   *     for a temporary directory
   * @param kafkaPort the (first) broker's client port, 0 for any free one; further brokers take the next ports
   * @param registryPort the registry's HTTP port, 0 for any free one
   * @param partitions partitions of each keyed pipeline topic (the unit of parallelism); null
   *     for {@value PipelineTopics#DEFAULT_PARTITIONS} in new topics and any in existing ones
   * @param brokers Kafka brokers: 1 in this process, or several each in its own process
   * @param httpHost the address the registry's HTTP port binds
   * @param registryUser the user the registry requires (basic auth), or null for none
   * @param securedListener a second Kafka listener requiring SASL and/or SSL, or null for none
   */
  public record Settings(Path dataDir, int kafkaPort, int registryPort, Integer partitions, int brokers, Topics topics,
      String schemasTopic, String httpHost, UserInfo registryUser, EmbeddedKafkaBroker.SecuredListener securedListener) {

    public Settings {
      if (partitions != null && partitions < 1) {
        throw new IllegalArgumentException("partitions must be at least 1, not " + partitions);
      }
      if (brokers < 1) {
        throw new IllegalArgumentException("a cluster needs at least one broker, not " + brokers);
      }
      if (brokers > 1 && securedListener != null) {
        throw new IllegalArgumentException("a secured listener is offered on a one-broker cluster only");
      }
      if (topics == null) {
        throw new IllegalArgumentException("topics must be set");
      }
      if (schemasTopic == null || schemasTopic.isBlank()) {
        throw new IllegalArgumentException("schemas topic must be set");
      }
    }

    /** Temporary, any free ports, one broker, the default partition count and topic names. */
    public static Settings defaults() {
      return new Settings(null, 0, 0, null, 1, Topics.withDefaultPrefix(),
          EmbeddedSchemaRegistry.DEFAULT_TOPIC, "127.0.0.1", null, null);
    }

    public Settings withDataDir(Path newDataDir) {
      return new Settings(newDataDir, kafkaPort, registryPort, partitions, brokers, topics, schemasTopic,
          httpHost, registryUser, securedListener);
    }

    public Settings withPorts(int newKafkaPort, int newRegistryPort) {
      return new Settings(dataDir, newKafkaPort, newRegistryPort, partitions, brokers, topics, schemasTopic,
          httpHost, registryUser, securedListener);
    }

    public Settings withPartitions(Integer newPartitions) {
      return new Settings(dataDir, kafkaPort, registryPort, newPartitions, brokers, topics, schemasTopic,
          httpHost, registryUser, securedListener);
    }

    public Settings withTopics(Topics newTopics) {
      return new Settings(dataDir, kafkaPort, registryPort, partitions, brokers, newTopics, schemasTopic,
          httpHost, registryUser, securedListener);
    }

    public Settings withHttpHost(String newHttpHost) {
      return new Settings(dataDir, kafkaPort, registryPort, partitions, brokers, topics, schemasTopic,
          newHttpHost, registryUser, securedListener);
    }

    public Settings withRegistryUser(UserInfo newRegistryUser) {
      return new Settings(dataDir, kafkaPort, registryPort, partitions, brokers, topics, schemasTopic, httpHost,
          newRegistryUser,
          securedListener);
    }

    public Settings withBrokers(int count) {
      return new Settings(dataDir, kafkaPort, registryPort, partitions, count, topics, schemasTopic, httpHost,
          registryUser, securedListener);
    }

    public Settings withSecuredListener(EmbeddedKafkaBroker.SecuredListener listener) {
      return new Settings(dataDir, kafkaPort, registryPort, partitions, brokers, topics, schemasTopic, httpHost,
          registryUser, listener);
    }
  }

  /** How long each part of {@link #start} took. */
  public record StartupTimes(Duration broker, Duration registry, Duration topics) {
    public Duration total() {
      return broker.plus(registry).plus(topics);
    }
  }

  private final KafkaBrokers kafka;
  private final EmbeddedSchemaRegistry registry;
  private final Settings settings;
  private final StartupTimes startupTimes;
  private final AtomicBoolean closed = new AtomicBoolean();

  private LocalCluster(KafkaBrokers kafka, EmbeddedSchemaRegistry registry, Settings settings,
      StartupTimes startupTimes) {
    this.kafka = kafka;
    this.registry = registry;
    this.settings = settings;
    this.startupTimes = startupTimes;
  }

  /** Starts the broker(s), then the registry (which replays its topic) and the pipeline topics. */
  public static LocalCluster start(Settings settings) {
    long t0 = System.nanoTime();
    KafkaBrokers kafka = settings.brokers() == 1
        ? EmbeddedKafkaBroker.start(settings.dataDir(), settings.kafkaPort(), settings.securedListener())
        : BrokerProcesses.start(settings.dataDir(), settings.brokers(), settings.kafkaPort());
    long t1 = System.nanoTime();
    EmbeddedSchemaRegistry registry = null;
    try {
      registry = EmbeddedSchemaRegistry.start(EmbeddedSchemaRegistry.Settings.of(kafka.bootstrapServers())
          .withHost(settings.httpHost()).withPort(settings.registryPort()).withTopic(settings.schemasTopic())
          .withReplication(Replication.forBrokers(settings.brokers())).withUser(settings.registryUser()));
      long t2 = System.nanoTime();
      ClusterConfig cluster = config(kafka, registry, settings);
      PipelineTopics.ensure(cluster, new TopicLayout(settings.partitions(), null));
      long t3 = System.nanoTime();
      StartupTimes times = new StartupTimes(Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1),
          Duration.ofNanos(t3 - t2));
      return new LocalCluster(kafka, registry, settings, times);
    } catch (RuntimeException e) {
      if (registry != null) {
        registry.close();
      }
      kafka.close();
      throw e;
    }
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** One line per broker: where it listens and, for brokers in their own processes, their pid and log. */
  public List<String> brokers() {
    return kafka.describe();
  }

  /** The secured listener's bootstrap servers, or null when the cluster has none. */
  public String securedBootstrapServers() {
    return settings.securedListener() == null ? null : ((EmbeddedKafkaBroker) kafka).securedBootstrapServers();
  }

  public String registryUrl() {
    return registry.url();
  }

  /** What a service in this process uses to reach the cluster (with the registry's user, if it requires one). */
  public ClusterConfig clusterConfig() {
    return config(kafka, registry, settings);
  }

  /** The data directory, or null when the cluster lives in a temporary one. */
  public Path dataDir() {
    return settings.dataDir();
  }

  public StartupTimes startupTimes() {
    return startupTimes;
  }

  /** Stops the registry, then the broker(s); safe to call twice (e.g. from a shutdown hook too). */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        registry.close();
      } finally {
        kafka.close();
      }
    }
  }

  private static ClusterConfig config(KafkaBrokers kafka, EmbeddedSchemaRegistry registry, Settings settings) {
    Map<String, String> clientProperties = settings.registryUser() == null ? Map.of()
        : settings.registryUser().registryClientProperties();
    return new ClusterConfig(kafka.bootstrapServers(), registry.url(), settings.topics(), clientProperties);
  }
}
