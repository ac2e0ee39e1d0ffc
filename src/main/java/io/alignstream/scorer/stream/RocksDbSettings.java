package io.alignstream.scorer.stream;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

/**
 * The scorer's RocksDB settings on top of Kafka Streams' defaults (no write-ahead log, no
 * compression, universal compaction, 16 MB write buffers), set through
 * {@code rocksdb.config.setter}.
 *
 * <p>The vector store keeps its values in blob files (RocksDB's key-value separation): a vector
 * is 4 x d bytes (5 KB at d = 1280), written once and read back only to reload a setting, while
 * the keys are a few dozen bytes. Without blob files every compaction rewrites the vectors
 * again; with them compactions move keys and references only, and the vectors are written once
 * more, when their memtable is flushed.
 */
public final class RocksDbSettings implements RocksDBConfigSetter {

  /** Values at least this large go to blob files: every vector (4 bytes per component) but the smallest test ones. */
  static final long MIN_BLOB_BYTES = 256;

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    if (storeName.equals(ScorerTopology.VECTORS_STORE)) {
      options.setEnableBlobFiles(true);
      options.setMinBlobSize(MIN_BLOB_BYTES);
      // a vector replaced (an embedding sent again with new values) leaves its old blob behind:
      // compactions rewrite the live ones out of the oldest blob files so that space comes back
      options.setEnableBlobGarbageCollection(true);
    }
  }

  @Override
  public void close(String storeName, Options options) {
    // nothing allocated here
  }
}
