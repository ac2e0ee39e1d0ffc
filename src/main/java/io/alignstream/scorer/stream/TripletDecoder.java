package io.alignstream.scorer.stream;

import io.alignstream.schema.TripletJudgment;
import java.util.HashSet;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Decodes and checks one {@code triplets} record before it is broadcast: exactly three distinct,
 * non-empty items, an odd one out at position 0, 1 or 2, and a key equal to the triplet id (the
 * topic is compacted by key, so the key is the response's identity). A tombstone (null value)
 * deletes the response. Checking here, once, means a bad record is dead-lettered once rather
 * than once per scorer partition.
 */
final class TripletDecoder extends InputDecoder {

  static final String STAGE = "validate-triplet";

  private final Deserializer<TripletJudgment> deserializer;

  TripletDecoder(String instance, Deserializer<TripletJudgment> deserializer) {
    super(instance);
    this.deserializer = deserializer;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    String key = keyString(record.key());
    if (key == null || key.isEmpty() || key.length() > MAX_ID_LENGTH) {
      reject(record, STAGE, "triplet record key must be the triplet id (1.." + MAX_ID_LENGTH + " characters), got "
          + (key == null ? "no key" : key.length() + " characters"), null);
      return;
    }
    if (record.value() == null) {
      forward(record, key, new ScorerInput.TripletInput(key, null));
      return;
    }
    TripletJudgment judgment;
    try {
      judgment = deserializer.deserialize(context.recordMetadata().map(m -> m.topic()).orElse(""), record.value());
    } catch (RuntimeException e) {
      reject(record, STAGE_DESERIALIZE, "value is not a TripletJudgment: " + e.getMessage(), e);
      return;
    }
    if (!key.equals(judgment.getTripletId())) {
      reject(record, STAGE, "record key '" + key + "' is not the triplet_id '" + judgment.getTripletId() + "'", null);
      return;
    }
    List<String> items = judgment.getItems();
    if (items.size() != 3) {
      reject(record, STAGE, "triplet '" + key + "' names " + items.size() + " items " + items + "; expected exactly 3", null);
      return;
    }
    for (String item : items) {
      if (item == null || item.isEmpty() || item.length() > MAX_ID_LENGTH) {
        reject(record, STAGE, "triplet '" + key + "' has an item id that is empty or longer than " + MAX_ID_LENGTH
            + " characters", null);
        return;
      }
    }
    if (new HashSet<>(items).size() != 3) {
      reject(record, STAGE, "triplet '" + key + "' names an item twice " + items + "; expected 3 distinct items", null);
      return;
    }
    int odd = judgment.getOddOneOut();
    if (odd < 0 || odd > 2) {
      reject(record, STAGE, "triplet '" + key + "' has odd_one_out " + odd + "; expected a position 0, 1 or 2", null);
      return;
    }
    forward(record, key, new ScorerInput.TripletInput(key, new Triplet(items, odd)));
  }
}
