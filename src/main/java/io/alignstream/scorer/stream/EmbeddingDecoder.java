package io.alignstream.scorer.stream;

import io.alignstream.common.SettingKey;
import io.alignstream.schema.LayerEmbedding;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Decodes and checks one {@code embeddings} record: the key must be the canonical string of
 * the setting in the value (the key chose the partition, so a mismatch would score the setting
 * in the wrong task), the item id non-empty, the vector as long as {@code dim}, no longer than
 * {@code --max-vector-dim}, and finite.
 * Whether {@code dim} matches the setting's first-seen dimension is checked by the scorer,
 * which holds that state.
 */
final class EmbeddingDecoder extends InputDecoder {

  static final String STAGE = "validate-embedding";

  private final Deserializer<LayerEmbedding> deserializer;
  private final int maxVectorDim;

  EmbeddingDecoder(String instance, Deserializer<LayerEmbedding> deserializer, int maxVectorDim) {
    super(instance);
    this.deserializer = deserializer;
    this.maxVectorDim = maxVectorDim;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    String key = keyString(record.key());
    if (key == null) {
      reject(record, STAGE, "embedding record has no key; the key must be the setting string model|layer|noise|conditioning", null);
      return;
    }
    if (record.value() == null) {
      reject(record, STAGE, "embedding record for setting '" + key + "' has no value (a tombstone); embeddings cannot be deleted", null);
      return;
    }
    LayerEmbedding embedding;
    try {
      embedding = deserializer.deserialize(context.recordMetadata().map(m -> m.topic()).orElse(""), record.value());
    } catch (RuntimeException e) {
      reject(record, STAGE_DESERIALIZE, "value is not a LayerEmbedding: " + e.getMessage(), e);
      return;
    }
    String settingKey;
    try {
      settingKey = SettingKey.of(embedding.getSetting());
    } catch (IllegalArgumentException e) {
      reject(record, STAGE, "invalid setting: " + e.getMessage(), e);
      return;
    }
    if (!settingKey.equals(key)) {
      reject(record, STAGE, "record key '" + key + "' is not the setting of the value '" + settingKey + "'", null);
      return;
    }
    if (settingKey.indexOf('\0') >= 0) {
      reject(record, STAGE, "setting '" + settingKey + "' contains a NUL character", null);
      return;
    }
    String item = embedding.getItemId();
    if (item == null || item.isEmpty() || item.length() > MAX_ID_LENGTH) {
      reject(record, STAGE, "item_id must be 1.." + MAX_ID_LENGTH + " characters, got "
          + (item == null ? "null" : item.length() + " characters"), null);
      return;
    }
    List<Float> values = embedding.getVector();
    if (values.isEmpty()) {
      reject(record, STAGE, "vector of item '" + item + "' is empty", null);
      return;
    }
    if (values.size() > maxVectorDim) {
      reject(record, STAGE, "vector of item '" + item + "' has " + values.size() + " values, over the limit of "
          + maxVectorDim + " (--max-vector-dim)", null);
      return;
    }
    if (embedding.getDim() != values.size()) {
      reject(record, STAGE, "vector of item '" + item + "' has " + values.size() + " values but dim is "
          + embedding.getDim(), null);
      return;
    }
    float[] vector = new float[values.size()];
    for (int i = 0; i < vector.length; i++) {
      float v = values.get(i);
      if (!Float.isFinite(v)) {
        reject(record, STAGE, "vector of item '" + item + "' has " + v + " at index " + i
            + "; every component must be finite", null);
        return;
      }
      vector[i] = v;
    }
    forward(record, settingKey, new ScorerInput.EmbeddingInput(settingKey, embedding.getSetting(), item, vector,
        record.key(), record.value()));
  }
}
