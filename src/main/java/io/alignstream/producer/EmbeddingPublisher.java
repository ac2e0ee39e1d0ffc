package io.alignstream.producer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.schema.LayerEmbedding;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes precomputed features as {@link LayerEmbedding}s, one per concept row, keyed by
 * their setting. Rows holding NaN or infinite values are published as the file says, with a
 * warning: judging embeddings is the scorer's job, and it dead-letters such vectors.
 *
 * <pre>{@code
 * ConceptList concepts = ConceptList.read(Path.of("things_concepts.tsv"));
 * try (EmbeddingPublisher publisher = new EmbeddingPublisher(cluster)) {
 *   publisher.publish(PrecomputedFeatures.read("vice", "embedding", Path.of("vice.npy"), concepts));
 * }
 * }</pre>
 */
public final class EmbeddingPublisher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddingPublisher.class);

  private final TopicWriter<LayerEmbedding> embeddings;

  public EmbeddingPublisher(ClusterConfig cluster) {
    this.embeddings = new TopicWriter<>(cluster, LayerEmbedding.class, cluster.topics().embeddings(),
        "alignstream-producer-embeddings", java.util.Map.of());
  }

  /** Publishes every row and waits until all are written. */
  public PublishReport publish(PrecomputedFeatures features) {
    List<String> warnings = new ArrayList<>();
    List<Integer> nonFinite = features.matrix().rowsWithNonFiniteValues();
    if (!nonFinite.isEmpty()) {
      String warning = nonFinite.size() + " of " + features.matrix().rows() + " rows of " + features.fileName()
          + " hold NaN or infinite values (rows " + nonFinite.stream().limit(10).map(String::valueOf)
          .collect(Collectors.joining(", ")) + (nonFinite.size() > 10 ? ", ..." : "")
          + "); published as they are, the scorer will dead-letter them";
      LOG.warn(warning);
      warnings.add(warning);
    }
    String key = features.settingKey();
    for (int row = 0; row < features.matrix().rows(); row++) {
      embeddings.send(key, features.embedding(row));
    }
    return new PublishReport(embeddings.topic(), embeddings.flush(), 0, warnings);
  }

  @Override
  public void close() {
    embeddings.close();
  }
}
