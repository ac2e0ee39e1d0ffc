package io.alignstream.scorer.stream;

import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.Setting;

/** What the decoders hand the scoring processor: a valid embedding, a triplet change, or a rejection. */
sealed interface ScorerInput permits ScorerInput.EmbeddingInput, ScorerInput.TripletInput, ScorerInput.Rejected {

  /**
   * A decoded embedding whose vector is finite and as long as its declared dim. The original
   * bytes travel along because only the scoring processor can tell a dimension that differs
   * from the setting's first one, and must then dead-letter the record as it was consumed.
   */
  record EmbeddingInput(String settingKey, Setting setting, String item, float[] vector,
      byte[] originalKey, byte[] originalValue) implements ScorerInput {}

  /** Triplet {@code id} now has this content; a null triplet deletes it (a tombstone). */
  record TripletInput(String id, Triplet triplet) implements ScorerInput {}

  /** An input that cannot be scored; the topology sends it to the dead-letter topic. */
  record Rejected(String key, DeadLetter letter) implements ScorerInput {}
}
