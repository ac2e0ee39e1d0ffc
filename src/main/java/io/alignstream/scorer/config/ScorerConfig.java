package io.alignstream.scorer.config;

import io.alignstream.common.InputLimits;
import io.alignstream.common.PipelineTopics;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.jobs.AnalysisConfig;
import io.alignstream.scorer.state.Similarity;
import io.alignstream.scorer.stream.HoppingPanes;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the scorer is configured with besides the cluster connection (see
 * {@code scorer/scorer.properties} for the documented defaults).
 *
 * @param applicationId Kafka Streams application id: instances with the same id share the work
 * @param stateDir where the state stores live (RocksDB)
 * @param httpHost the address the REST/SSE/dashboard port binds (127.0.0.1 unless told otherwise)
 * @param httpPort REST/SSE/dashboard port; 0 picks a free one
 * @param advertisedHost host other instances reach this one's HTTP port at (application.server)
 * @param window size of the hopping windows of {@code oooa-windowed}
 * @param advance how far apart windows start
 * @param emitInterval a setting's metric is published at most this often
 * @param similarity cosine or dot
 * @param streamThreads Kafka Streams threads in this instance
 * @param topicPartitions partitions of pipeline topics the scorer creates when missing
 * @param replicationFactor replication of pipeline topics the scorer creates when missing
 * @param vectorCacheBytes memory for vectors across settings; 0 = a quarter of the heap
 * @param inMemoryStores keep state stores in memory (restored from their changelogs at every
 *     start) instead of RocksDB on disk: for tests and short-lived runs
 * @param ceiling where the noise ceiling comes from and the support it needs
 * @param analysis probe and regression jobs: recipes, targets, when they run
 * @param maxVectorDim embeddings with longer vectors are dead-lettered ({@code --max-vector-dim})
 */
public record ScorerConfig(
    String applicationId, Path stateDir, String httpHost, int httpPort, String advertisedHost,
    Duration window, Duration advance, Duration emitInterval, Similarity similarity,
    int streamThreads, int topicPartitions, short replicationFactor, long vectorCacheBytes,
    boolean inMemoryStores, CeilingConfig ceiling, AnalysisConfig analysis, int maxVectorDim) {

  public static final String DEFAULT_APPLICATION_ID = "alignstream-scorer";

  public ScorerConfig {
    HoppingPanes.of(window, advance); // validates
    if (emitInterval.isNegative() || emitInterval.isZero()) {
      throw new IllegalArgumentException("emit interval must be positive, got " + emitInterval);
    }
    if (streamThreads < 1) {
      throw new IllegalArgumentException("stream threads must be at least 1, got " + streamThreads);
    }
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("http port must be 0..65535, got " + httpPort);
    }
    if (maxVectorDim < 1) {
      throw new IllegalArgumentException("--max-vector-dim must be >= 1, got " + maxVectorDim);
    }
    if (vectorCacheBytes < 0) {
      throw new IllegalArgumentException("vector cache must be >= 0 bytes (0 = automatic), got " + vectorCacheBytes);
    }
  }

  public static ScorerConfig defaults(Path stateDir) {
    return new ScorerConfig(DEFAULT_APPLICATION_ID, stateDir, "127.0.0.1", 8080, "127.0.0.1", Duration.ofMinutes(1),
        Duration.ofSeconds(10), Duration.ofMillis(500), Similarity.COSINE, 1, PipelineTopics.DEFAULT_PARTITIONS, (short) 1, 0,
        false, CeilingConfig.defaults(), AnalysisConfig.defaults(), InputLimits.DEFAULT_MAX_VECTOR_DIM);
  }

  public ScorerConfig withApplicationId(String id) {
    return new ScorerConfig(id, stateDir, httpHost, httpPort, advertisedHost, window, advance, emitInterval,
        similarity, streamThreads, topicPartitions, replicationFactor, vectorCacheBytes, inMemoryStores,
        ceiling, analysis, maxVectorDim);
  }

  public ScorerConfig withStateDir(Path dir) {
    return new ScorerConfig(applicationId, dir, httpHost, httpPort, advertisedHost, window, advance, emitInterval,
        similarity, streamThreads, topicPartitions, replicationFactor, vectorCacheBytes, inMemoryStores,
        ceiling, analysis, maxVectorDim);
  }

  public ScorerConfig withHttpHost(String host) {
    return new ScorerConfig(applicationId, stateDir, host, httpPort, advertisedHost, window, advance, emitInterval,
        similarity, streamThreads, topicPartitions, replicationFactor, vectorCacheBytes, inMemoryStores,
        ceiling, analysis, maxVectorDim);
  }

  public ScorerConfig withHttpPort(int port) {
    return new ScorerConfig(applicationId, stateDir, httpHost, port, advertisedHost, window, advance, emitInterval,
        similarity, streamThreads, topicPartitions, replicationFactor, vectorCacheBytes, inMemoryStores,
        ceiling, analysis, maxVectorDim);
  }

  public ScorerConfig withAdvertisedHost(String host) {
    return new ScorerConfig(applicationId, stateDir, httpHost, httpPort, host, window, advance, emitInterval,
        similarity, streamThreads, topicPartitions, replicationFactor, vectorCacheBytes, inMemoryStores,
        ceiling, analysis, maxVectorDim);
  }

  public ScorerConfig withWindows(Duration size, Duration step) {
    return new ScorerConfig(applicationId, stateDir, httpHost, httpPort, advertisedHost, size, step, emitInterval,
        similarity, streamThreads, topicPartitions, replicationFactor, vectorCacheBytes, inMemoryStores,
        ceiling, analysis, maxVectorDim);
  }

  public ScorerConfig withEmitInterval(Duration interval) {
    return new ScorerConfig(applicationId, stateDir, httpHost, httpPort, advertisedHost, window, advance, interval,
        similarity, streamThreads, topicPartitions, replicationFactor, vectorCacheBytes, inMemoryStores,
        ceiling, analysis, maxVectorDim);
  }

  public ScorerConfig withSimilarity(Similarity s) {
    return new ScorerConfig(applicationId, stateDir, httpHost, httpPort, advertisedHost, window, advance, emitInterval,
        s, streamThreads, topicPartitions, replicationFactor, vectorCacheBytes, inMemoryStores,
        ceiling, analysis, maxVectorDim);
  }

  public ScorerConfig withStreamThreads(int threads) {
    return new ScorerConfig(applicationId, stateDir, httpHost, httpPort, advertisedHost, window, advance, emitInterval,
        similarity, threads, topicPartitions, replicationFactor, vectorCacheBytes, inMemoryStores,
        ceiling, analysis, maxVectorDim);
  }

  public ScorerConfig withTopicPartitions(int partitions) {
    return new ScorerConfig(applicationId, stateDir, httpHost, httpPort, advertisedHost, window, advance, emitInterval,
        similarity, streamThreads, partitions, replicationFactor, vectorCacheBytes, inMemoryStores,
        ceiling, analysis, maxVectorDim);
  }

  public ScorerConfig withVectorCacheBytes(long bytes) {
    return new ScorerConfig(applicationId, stateDir, httpHost, httpPort, advertisedHost, window, advance, emitInterval,
        similarity, streamThreads, topicPartitions, replicationFactor, bytes, inMemoryStores,
        ceiling, analysis, maxVectorDim);
  }

  public ScorerConfig withInMemoryStores(boolean inMemory) {
    return new ScorerConfig(applicationId, stateDir, httpHost, httpPort, advertisedHost, window, advance, emitInterval,
        similarity, streamThreads, topicPartitions, replicationFactor, vectorCacheBytes, inMemory,
        ceiling, analysis, maxVectorDim);
  }

  public ScorerConfig withCeiling(CeilingConfig config) {
    return new ScorerConfig(applicationId, stateDir, httpHost, httpPort, advertisedHost, window, advance, emitInterval,
        similarity, streamThreads, topicPartitions, replicationFactor, vectorCacheBytes, inMemoryStores,
        config, analysis, maxVectorDim);
  }

  public ScorerConfig withAnalysis(AnalysisConfig config) {
    return new ScorerConfig(applicationId, stateDir, httpHost, httpPort, advertisedHost, window, advance, emitInterval,
        similarity, streamThreads, topicPartitions, replicationFactor, vectorCacheBytes, inMemoryStores,
        ceiling, config, maxVectorDim);
  }

  public ScorerConfig withMaxVectorDim(int dim) {
    return new ScorerConfig(applicationId, stateDir, httpHost, httpPort, advertisedHost, window, advance, emitInterval,
        similarity, streamThreads, topicPartitions, replicationFactor, vectorCacheBytes, inMemoryStores, ceiling, analysis,
        dim);
  }

  public HoppingPanes panes() {
    return HoppingPanes.of(window, advance);
  }

  /** The vector cache budget in floats. */
  public long cacheBudgetFloats() {
    long bytes = vectorCacheBytes > 0 ? vectorCacheBytes : Runtime.getRuntime().maxMemory() / 4;
    return Math.max(1, bytes / Float.BYTES);
  }
}
