package io.alignstream.common;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The connection options every service command shares. Values come from flags, then the
 * environment ({@code ALIGNSTREAM_BOOTSTRAP_SERVERS}, ...), then the {@code --config} file
 * ({@code bootstrap.servers=...}); see {@link ConfigDefaults}.
 */
public final class ClusterOptions {

  @Option(names = "--config", paramLabel = "FILE",
      description = "Properties file with defaults for any option (key = option name with dots: bootstrap.servers, schema.registry.url, batch.size, ...) and kafka.* client properties.")
  String configFile;

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", defaultValue = "127.0.0.1:9092",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}; env ALIGNSTREAM_BOOTSTRAP_SERVERS).")
  String bootstrapServers;

  @Option(names = "--schema-registry-url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8081",
      description = "Confluent-compatible schema registry URL (default: http://127.0.0.1:8081; env"
          + " ALIGNSTREAM_SCHEMA_REGISTRY_URL). Credentials go in -X basic.auth.user.info, not in the URL.")
  String schemaRegistryUrl;

  @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = Topics.DEFAULT_PREFIX,
      description = "Prefix of every topic name (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(names = "-X", paramLabel = "KEY=VALUE", mapFallbackValue = "",
      description = "Kafka client property passed through verbatim, e.g. -X security.protocol=SASL_SSL (also kafka.KEY in --config, env ALIGNSTREAM_KAFKA_KEY).")
  Map<String, String> kafkaOverrides = new LinkedHashMap<>();

  /**
   * The resolved configuration, with kafka.* pass-through from the file, the environment and -X,
   * once a broker answers there (commands call this after checking their own options, so a typo
   * is reported before the network is asked; see {@link BrokerCheck}).
   */
  public ClusterConfig resolve() {
    ConfigDefaults defaults = ConfigDefaults.fromFile(configFile, System.getenv());
    Map<String, String> kafka = new LinkedHashMap<>(defaults.kafkaProperties());
    kafka.putAll(kafkaOverrides);
    ClusterConfig config = new ClusterConfig(bootstrapServers, schemaRegistryUrl, new Topics(topicPrefix), kafka);
    BrokerCheck.require(config);
    return config;
  }
}
