package io.alignstream.scorer.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.SettingKey;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.Setting;
import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.SyntheticData;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

/** Bad input goes to the dead-letter topic with stage, reason and original bytes; scoring goes on. */
class ScorerDeadLetterTest {

  private static final Setting SETTING = SyntheticData.setting("m", "Down1", 0.2, Conditioning.TEXT);
  private static final String KEY = SettingKey.of(SETTING);

  @Test
  void badTripletsAreDeadLetteredWithTheirBytes() {
    try (ScorerHarness scorer = new ScorerHarness()) {
      List<byte[]> sent = new ArrayList<>();
      List<TripletJudgment> bad = List.of(
          SyntheticData.triplet("two", List.of("a", "b"), 0),
          SyntheticData.triplet("four", List.of("a", "b", "c", "d"), 0),
          SyntheticData.triplet("dup", List.of("a", "b", "a"), 1),
          SyntheticData.triplet("odd3", List.of("a", "b", "c"), 3),
          SyntheticData.triplet("oddneg", List.of("a", "b", "c"), -1),
          SyntheticData.triplet("empty", List.of("a", "", "c"), 0));
      for (TripletJudgment t : bad) {
        byte[] bytes = scorer.bytes(t);
        sent.add(bytes);
        scorer.pipeTripletBytes(t.getTripletId(), bytes, 10);
      }
      byte[] mismatched = scorer.bytes(SyntheticData.triplet("real-id", List.of("a", "b", "c"), 0));
      scorer.pipeTripletBytes("other-id", mismatched, 10);
      byte[] garbage = "not avro at all".getBytes(StandardCharsets.UTF_8);
      scorer.pipeTripletBytes("garbage", garbage, 10);
      scorer.pipeTripletBytes(null, mismatched, 10);

      List<KeyValue<String, DeadLetter>> letters = scorer.drainDeadLetters();
      assertThat(letters).hasSize(9);
      for (int i = 0; i < bad.size(); i++) {
        DeadLetter letter = letters.get(i).value;
        assertThat(letters.get(i).key).isEqualTo(bad.get(i).getTripletId());
        assertThat(letter.getService()).isEqualTo("scorer");
        assertThat(letter.getStage()).isEqualTo("validate-triplet");
        assertThat(letter.getTopic()).isEqualTo(scorer.topics.triplets());
        assertThat(bytes(letter.getOriginalValue())).isEqualTo(sent.get(i));
        assertThat(bytes(letter.getOriginalKey())).isEqualTo(bad.get(i).getTripletId().getBytes(StandardCharsets.UTF_8));
      }
      assertThat(letters.get(0).value.getReason()).contains("2 items").contains("exactly 3");
      assertThat(letters.get(1).value.getReason()).contains("4 items");
      assertThat(letters.get(2).value.getReason()).contains("twice");
      assertThat(letters.get(3).value.getReason()).contains("odd_one_out 3");
      assertThat(letters.get(4).value.getReason()).contains("odd_one_out -1");
      assertThat(letters.get(5).value.getReason()).contains("empty");
      assertThat(letters.get(6).value.getReason()).contains("'other-id'").contains("'real-id'");
      assertThat(letters.get(7).value.getStage()).isEqualTo("deserialize");
      assertThat(letters.get(7).value.getErrorClass()).isNotNull();
      assertThat(bytes(letters.get(7).value.getOriginalValue())).isEqualTo(garbage);
      assertThat(letters.get(8).value.getReason()).contains("no key");
      assertThat(letters.get(8).value.getOriginalKey()).isNull();

      assertScoringStillWorks(scorer);
    }
  }

  @Test
  void badEmbeddingsAreDeadLetteredWithTheirBytes() {
    try (ScorerHarness scorer = new ScorerHarness()) {
      List<byte[]> sent = new ArrayList<>();
      List<LayerEmbedding> bad = new ArrayList<>();
      bad.add(SyntheticData.embedding(SETTING, "nan", new float[] {1, Float.NaN, 2}));
      bad.add(SyntheticData.embedding(SETTING, "inf", new float[] {1, 2, Float.NEGATIVE_INFINITY}));
      LayerEmbedding wrongDim = SyntheticData.embedding(SETTING, "wrongdim", new float[] {1, 2, 3});
      wrongDim.setDim(4);
      bad.add(wrongDim);
      bad.add(SyntheticData.embedding(SETTING, "", new float[] {1, 2, 3}));
      bad.add(SyntheticData.embedding(SETTING, "empty-vector", new float[0]));
      for (LayerEmbedding e : bad) {
        byte[] bytes = scorer.bytes(e);
        sent.add(bytes);
        scorer.pipeEmbeddingBytes(KEY, bytes, 10);
      }
      // the first valid vector fixes the setting's dimension at 3; a later one of 4 is refused
      scorer.pipe(SyntheticData.embedding(SETTING, "a", new float[] {1, 0, 0}), 10);
      byte[] longer = scorer.bytes(SyntheticData.embedding(SETTING, "b", new float[] {1, 0, 0, 0}));
      scorer.pipeEmbeddingBytes(KEY, longer, 10);
      byte[] wrongKey = scorer.bytes(SyntheticData.embedding(SETTING, "c", new float[] {0, 1, 0}));
      scorer.pipeEmbeddingBytes("m|Down2|0.2|TEXT", wrongKey, 10);
      byte[] garbage = {0, 0, 0, 0, 99, 1, 2};
      scorer.pipeEmbeddingBytes(KEY, garbage, 10);
      scorer.pipeEmbeddingBytes(KEY, null, 10);

      List<KeyValue<String, DeadLetter>> letters = scorer.drainDeadLetters();
      assertThat(letters).hasSize(9);
      for (int i = 0; i < bad.size(); i++) {
        assertThat(letters.get(i).value.getStage()).isEqualTo("validate-embedding");
        assertThat(bytes(letters.get(i).value.getOriginalValue())).isEqualTo(sent.get(i));
        assertThat(letters.get(i).value.getTopic()).isEqualTo(scorer.topics.embeddings());
      }
      assertThat(letters.get(0).value.getReason()).contains("NaN at index 1");
      assertThat(letters.get(1).value.getReason()).contains("-Infinity at index 2");
      assertThat(letters.get(2).value.getReason()).contains("3 values but dim is 4");
      assertThat(letters.get(3).value.getReason()).contains("item_id");
      assertThat(letters.get(4).value.getReason()).contains("empty");
      DeadLetter dimension = letters.get(5).value;
      assertThat(dimension.getStage()).isEqualTo("validate-embedding");
      assertThat(dimension.getReason()).contains("dimension 4").contains("dimension 3");
      assertThat(bytes(dimension.getOriginalValue())).isEqualTo(longer);
      assertThat(dimension.getOffset()).isEqualTo(6);
      assertThat(letters.get(6).value.getReason()).contains("m|Down2|0.2|TEXT").contains(KEY);
      assertThat(letters.get(7).value.getStage()).isEqualTo("deserialize");
      assertThat(bytes(letters.get(7).value.getOriginalValue())).isEqualTo(garbage);
      assertThat(letters.get(8).value.getReason()).contains("tombstone");

      assertScoringStillWorks(scorer);
    }
  }

  @Test
  void aVectorOverTheDimensionLimitIsDeadLetteredNamingTheLimit() {
    try (ScorerHarness scorer = new ScorerHarness(ScorerOrderTest.CONFIG.withLimits(l -> l.withMaxVectorDim(3)))) {
      byte[] tooLong = scorer.bytes(SyntheticData.embedding(SETTING, "long", new float[] {1, 2, 3, 4}));
      scorer.pipeEmbeddingBytes(KEY, tooLong, 10);
      List<KeyValue<String, DeadLetter>> letters = scorer.drainDeadLetters();
      assertThat(letters).singleElement().satisfies(letter -> {
        assertThat(letter.value.getStage()).isEqualTo("validate-embedding");
        assertThat(letter.value.getReason())
            .isEqualTo("vector of item 'long' has 4 values, over the limit of 3 (--max-vector-dim)");
        assertThat(bytes(letter.value.getOriginalValue())).isEqualTo(tooLong);
      });
      assertScoringStillWorks(scorer);
    }
  }

  @Test
  void anEmbeddingForAnItemNoTripletNamesIsKeptAndCountsOnceATripletArrives() {
    try (ScorerHarness scorer = new ScorerHarness()) {
      scorer.pipe(SyntheticData.embedding(SETTING, "x", new float[] {1, 0, 0}), 10);
      scorer.pipe(SyntheticData.embedding(SETTING, "y", new float[] {0.9f, 0.1f, 0}), 10);
      scorer.pipe(SyntheticData.embedding(SETTING, "z", new float[] {0, 0, 1}), 10);
      scorer.tick();
      AlignmentMetric before = scorer.latestMetrics().get(KEY);
      assertThat(before.getItemsEmbedded()).isEqualTo(3);
      assertThat(before.getItemsReferenced()).isZero();
      assertThat(before.getCoverage()).isZero();
      scorer.pipe(SyntheticData.triplet("t", List.of("z", "x", "y"), 0), 20);
      scorer.tick();
      AlignmentMetric after = scorer.latestMetrics().get(KEY);
      assertThat(after.getTotal()).isEqualTo(1);
      assertThat(after.getCorrect()).isEqualTo(1); // x, y most similar: z is odd, as the human chose
      assertThat(after.getCoverage()).isEqualTo(1.0);
      assertThat(scorer.drainDeadLetters()).isEmpty();
    }
  }

  /** After the bad records, a valid triplet with its embeddings still gets scored. */
  private static void assertScoringStillWorks(ScorerHarness scorer) {
    Setting other = SyntheticData.setting("ok", "Mid", 0, Conditioning.NONE);
    scorer.pipe(SyntheticData.triplet("good", List.of("p", "q", "r"), 2), 20);
    scorer.pipe(SyntheticData.embedding(other, "p", new float[] {1, 0}), 20);
    scorer.pipe(SyntheticData.embedding(other, "q", new float[] {1, 0.1f}), 20);
    scorer.pipe(SyntheticData.embedding(other, "r", new float[] {0, 1}), 20);
    scorer.tick();
    Map<String, AlignmentMetric> metrics = scorer.latestMetrics();
    AlignmentMetric metric = metrics.get(SettingKey.of(other));
    assertThat(metric.getTotal()).isEqualTo(1);
    assertThat(metric.getCorrect()).isEqualTo(1);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] copy = new byte[buffer.remaining()];
    buffer.duplicate().get(copy);
    return copy;
  }
}
