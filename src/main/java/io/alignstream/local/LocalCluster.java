package io.alignstream.local;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.PipelineTopics;
import io.alignstream.common.Topics;
import io.alignstream.common.UserInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A whole cluster in this process: an {@link EmbeddedKafkaBroker} with the pipeline's topics
 * and an {@link EmbeddedSchemaRegistry} keeping its schemas in that broker, both on 127.0.0.1
 * (the registry on another address only when {@link Settings#httpHost} says so).
 * With a data directory, topics and schemas (ids, versions, compatibility levels) survive a
 * restart on the same directory; without one everything is deleted on {@link #close()}.
 */
public final class LocalCluster implements AutoCloseable {

  /**
   * @param dataDir where the broker keeps its log (and so the registry its topic), or null
   *     for a temporary directory
   * @param kafkaPort the broker's client port, 0 for any free one
   * @param registryPort the registry's HTTP port, 0 for any free one
   * @param partitions partitions of each keyed pipeline topic (the unit of parallelism)
   * @param httpHost the address the registry's HTTP port binds
   * @param registryUser the user the registry requires (basic auth), or null for none
   * @param securedListener a second Kafka listener requiring SASL and/or SSL, or null for none
   */
  public record Settings(Path dataDir, int kafkaPort, int registryPort, int partitions, Topics topics,
      String schemasTopic, String httpHost, UserInfo registryUser, EmbeddedKafkaBroker.SecuredListener securedListener) {

    public Settings {
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be at least 1, not " + partitions);
      }
      if (topics == null) {
        throw new IllegalArgumentException("topics must be set");
      }
      if (schemasTopic == null || schemasTopic.isBlank()) {
        throw new IllegalArgumentException("schemas topic must be set");
      }
    }

    /** Temporary, any free ports, the default partition count and topic names. */
    public static Settings defaults() {
      return new Settings(null, 0, 0, PipelineTopics.DEFAULT_PARTITIONS, Topics.withDefaultPrefix(),
          EmbeddedSchemaRegistry.DEFAULT_TOPIC, "127.0.0.1", null, null);
    }

    public Settings withDataDir(Path newDataDir) {
      return new Settings(newDataDir, kafkaPort, registryPort, partitions, topics, schemasTopic,
          httpHost, registryUser, securedListener);
    }

    public Settings withPorts(int newKafkaPort, int newRegistryPort) {
      return new Settings(dataDir, newKafkaPort, newRegistryPort, partitions, topics, schemasTopic,
          httpHost, registryUser, securedListener);
    }

    public Settings withPartitions(int newPartitions) {
      return new Settings(dataDir, kafkaPort, registryPort, newPartitions, topics, schemasTopic,
          httpHost, registryUser, securedListener);
    }

    public Settings withTopics(Topics newTopics) {
      return new Settings(dataDir, kafkaPort, registryPort, partitions, newTopics, schemasTopic,
          httpHost, registryUser, securedListener);
    }

    public Settings withHttpHost(String newHttpHost) {
      return new Settings(dataDir, kafkaPort, registryPort, partitions, topics, schemasTopic,
          newHttpHost, registryUser, securedListener);
    }

    public Settings withRegistryUser(UserInfo newRegistryUser) {
      return new Settings(dataDir, kafkaPort, registryPort, partitions, topics, schemasTopic, httpHost, newRegistryUser,
          securedListener);
    }

    public Settings withSecuredListener(EmbeddedKafkaBroker.SecuredListener listener) {
      return new Settings(dataDir, kafkaPort, registryPort, partitions, topics, schemasTopic, httpHost, registryUser,
          listener);
    }
  }

  /** How long each part of {@link #start} took. */
  public record StartupTimes(Duration broker, Duration registry, Duration topics) {
    public Duration total() {
      return broker.plus(registry).plus(topics);
    }
  }

  private final EmbeddedKafkaBroker broker;
  private final EmbeddedSchemaRegistry registry;
  private final Settings settings;
  private final StartupTimes startupTimes;
  private final AtomicBoolean closed = new AtomicBoolean();

  private LocalCluster(EmbeddedKafkaBroker broker, EmbeddedSchemaRegistry registry, Settings settings,
      StartupTimes startupTimes) {
    this.broker = broker;
    this.registry = registry;
    this.settings = settings;
    this.startupTimes = startupTimes;
  }

  /** Starts the broker, then the registry (which replays its topic) and the pipeline topics. */
  public static LocalCluster start(Settings settings) {
    long t0 = System.nanoTime();
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(settings.dataDir(), settings.kafkaPort(),
        settings.securedListener());
    long t1 = System.nanoTime();
    EmbeddedSchemaRegistry registry = null;
    try {
      registry = EmbeddedSchemaRegistry.start(EmbeddedSchemaRegistry.Settings.of(broker.bootstrapServers())
          .withHost(settings.httpHost()).withPort(settings.registryPort()).withTopic(settings.schemasTopic())
          .withUser(settings.registryUser()));
      long t2 = System.nanoTime();
      ClusterConfig cluster = config(broker, registry, settings);
      PipelineTopics.ensure(cluster, settings.partitions(), (short) 1);
      long t3 = System.nanoTime();
      StartupTimes times = new StartupTimes(Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1),
          Duration.ofNanos(t3 - t2));
      return new LocalCluster(broker, registry, settings, times);
    } catch (RuntimeException e) {
      if (registry != null) {
        registry.close();
      }
      broker.close();
      throw e;
    }
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** The secured listener's bootstrap servers, or null when the cluster has none. */
  public String securedBootstrapServers() {
    return settings.securedListener() == null ? null : broker.securedBootstrapServers();
  }

  public String registryUrl() {
    return registry.url();
  }

  /** What a service in this process uses to reach the cluster (with the registry's user, if it requires one). */
  public ClusterConfig clusterConfig() {
    return config(broker, registry, settings);
  }

  /** The data directory, or null when the cluster lives in a temporary one. */
  public Path dataDir() {
    return settings.dataDir();
  }

  public StartupTimes startupTimes() {
    return startupTimes;
  }

  /** Stops the registry, then the broker; safe to call twice (e.g. from a shutdown hook too). */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        registry.close();
      } finally {
        broker.close();
      }
    }
  }

  private static ClusterConfig config(EmbeddedKafkaBroker broker, EmbeddedSchemaRegistry registry, Settings settings) {
    Map<String, String> clientProperties = settings.registryUser() == null ? Map.of()
        : settings.registryUser().registryClientProperties();
    return new ClusterConfig(broker.bootstrapServers(), registry.url(), settings.topics(), clientProperties);
  }
}
