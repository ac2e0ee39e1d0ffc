package io.alignstream.scorer.config;

import io.alignstream.common.InputLimits;
import io.alignstream.common.TopicLayout;
import io.alignstream.report.PublishedResults;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.jobs.AnalysisConfig;
import io.alignstream.scorer.state.Similarity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Everything the scorer is configured with besides the cluster connection (see
 * {@code scorer/scorer.properties} for the documented defaults), in groups that each check
 * their own fields once, when built. Start from the defaults and change a group:
 *
 * <pre>
 *   ScorerConfig.defaults(stateDir)
 *       .withStreams(s -&gt; s.withApplicationId("scorer-a"))
 *       .withHttp(h -&gt; h.withPort(0))
 *       .withWindows(w -&gt; w.withEmitInterval(Duration.ofMillis(200)));
 * </pre>
 *
 * A new option is one more component of its group (a Kafka Streams setting goes to
 * {@link Streams}): its default goes to the group's {@code defaults}, the group's few withers pass
 * it on; the other groups and this record do not change.
 *
 * @param streams the Kafka Streams application: its id, its state, its threads
 * @param http where the REST/SSE/dashboard port listens and is reached, and published figures it shows
 * @param windows the windows of {@code oooa-windowed} and how often metrics are published
 * @param topics how the pipeline topics must look: missing ones are created so, existing ones checked
 * @param limits what the scorer accepts and keeps in memory
 * @param similarity cosine or dot
 * @param ceiling where the noise ceiling comes from and the support it needs
 * @param analysis probe and regression jobs: recipes, targets, when they run
 */
public record ScorerConfig(Streams streams, Http http, Windows windows, TopicLayout topics, Limits limits,
    Similarity similarity, CeilingConfig ceiling, AnalysisConfig analysis) {

  public static ScorerConfig defaults(Path stateDir) {
    return new ScorerConfig(Streams.defaults(stateDir), Http.defaults(), Windows.defaults(), TopicLayout.automatic(),
        Limits.defaults(), Similarity.COSINE, CeilingConfig.defaults(), AnalysisConfig.defaults());
  }

  /**
   * The Kafka Streams application.
   *
   * @param applicationId instances with the same id share the work
   * @param stateDir where the state stores live (RocksDB)
   * @param threads Kafka Streams threads in this instance
   * @param inMemoryStores keep state stores in memory (restored from their changelogs at every
   *     start) instead of RocksDB on disk: for tests and short-lived runs
   */
  public record Streams(String applicationId, Path stateDir, int threads, boolean inMemoryStores) {

    public static final String DEFAULT_APPLICATION_ID = "alignstream-scorer";

    public Streams {
      if (threads < 1) {
        throw new IllegalArgumentException("stream threads must be at least 1, got " + threads);
      }
    }

    public static Streams defaults(Path stateDir) {
      return new Streams(DEFAULT_APPLICATION_ID, stateDir, 1, false);
    }

    public Streams withApplicationId(String id) {
      return new Streams(id, stateDir, threads, inMemoryStores);
    }

    public Streams withStateDir(Path dir) {
      return new Streams(applicationId, dir, threads, inMemoryStores);
    }

    public Streams withThreads(int count) {
      return new Streams(applicationId, stateDir, count, inMemoryStores);
    }

    public Streams withInMemoryStores(boolean inMemory) {
      return new Streams(applicationId, stateDir, threads, inMemory);
    }
  }

  /**
   * The REST/SSE/dashboard port, and what the dashboard shows beside the measured results.
   *
   * @param host the address the port binds (127.0.0.1 unless told otherwise)
   * @param port 0 picks a free one
   * @param advertisedHost host other instances reach this one's port at (application.server)
   * @param published figures other papers published ({@code --published FILE}), shown apart from
   *     the measured models
   */
  public record Http(String host, int port, String advertisedHost, List<PublishedResults.Row> published) {

    public Http {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("http port must be 0..65535, got " + port);
      }
      published = List.copyOf(published);
    }

    public static Http defaults() {
      return new Http("127.0.0.1", 8080, "127.0.0.1", List.of());
    }

    public Http withPort(int newPort) {
      return new Http(host, newPort, advertisedHost, published);
    }

    public Http withAdvertisedHost(String newHost) {
      return new Http(host, port, newHost, published);
    }
  }

  /**
   * Hopping windows of {@code oooa-windowed}, aligned to the epoch, and the publishing rate.
   *
   * @param size how long each window is
   * @param advance how far apart windows start (at most {@code size})
   * @param emitInterval a setting's metric is published at most this often
   */
  public record Windows(Duration size, Duration advance, Duration emitInterval) {

    public Windows {
      if (size.toMillis() <= 0 || advance.toMillis() <= 0 || advance.toMillis() > size.toMillis()) {
        throw new IllegalArgumentException("window size and advance must be positive with advance <= size, got size "
            + size + " and advance " + advance);
      }
      if (emitInterval.isNegative() || emitInterval.isZero()) {
        throw new IllegalArgumentException("emit interval must be positive, got " + emitInterval);
      }
    }

    public static Windows defaults() {
      return new Windows(Duration.ofMinutes(1), Duration.ofSeconds(10), Duration.ofMillis(500));
    }

    public Windows withWindow(Duration newSize, Duration newAdvance) {
      return new Windows(newSize, newAdvance, emitInterval);
    }

    public Windows withEmitInterval(Duration interval) {
      return new Windows(size, advance, interval);
    }
  }

  /**
   * What the scorer accepts and how much it keeps in memory.
   *
   * @param maxVectorDim embeddings with longer vectors are dead-lettered ({@code --max-vector-dim})
   * @param vectorCacheBytes memory for vectors across settings; 0 = a quarter of the heap
   */
  public record Limits(int maxVectorDim, long vectorCacheBytes) {

    public Limits {
      if (maxVectorDim < 1) {
        throw new IllegalArgumentException("--max-vector-dim must be >= 1, got " + maxVectorDim);
      }
      if (vectorCacheBytes < 0) {
        throw new IllegalArgumentException("vector cache must be >= 0 bytes (0 = automatic), got " + vectorCacheBytes);
      }
    }

    public static Limits defaults() {
      return new Limits(InputLimits.DEFAULT_MAX_VECTOR_DIM, 0);
    }

    public Limits withMaxVectorDim(int dim) {
      return new Limits(dim, vectorCacheBytes);
    }

    public Limits withVectorCacheBytes(long bytes) {
      return new Limits(maxVectorDim, bytes);
    }

    /** The vector cache budget in floats. */
    public long cacheBudgetFloats() {
      long bytes = vectorCacheBytes > 0 ? vectorCacheBytes : Runtime.getRuntime().maxMemory() / 4;
      return Math.max(1, bytes / Float.BYTES);
    }
  }

  public ScorerConfig withStreams(UnaryOperator<Streams> change) {
    return new ScorerConfig(change.apply(streams), http, windows, topics, limits, similarity, ceiling, analysis);
  }

  public ScorerConfig withHttp(UnaryOperator<Http> change) {
    return new ScorerConfig(streams, change.apply(http), windows, topics, limits, similarity, ceiling, analysis);
  }

  public ScorerConfig withWindows(UnaryOperator<Windows> change) {
    return new ScorerConfig(streams, http, change.apply(windows), topics, limits, similarity, ceiling, analysis);
  }

  public ScorerConfig withTopics(UnaryOperator<TopicLayout> change) {
    return new ScorerConfig(streams, http, windows, change.apply(topics), limits, similarity, ceiling, analysis);
  }

  public ScorerConfig withLimits(UnaryOperator<Limits> change) {
    return new ScorerConfig(streams, http, windows, topics, change.apply(limits), similarity, ceiling, analysis);
  }

  public ScorerConfig withSimilarity(Similarity s) {
    return new ScorerConfig(streams, http, windows, topics, limits, s, ceiling, analysis);
  }

  public ScorerConfig withCeiling(CeilingConfig config) {
    return new ScorerConfig(streams, http, windows, topics, limits, similarity, config, analysis);
  }

  public ScorerConfig withAnalysis(AnalysisConfig config) {
    return new ScorerConfig(streams, http, windows, topics, limits, similarity, ceiling, config);
  }
}
