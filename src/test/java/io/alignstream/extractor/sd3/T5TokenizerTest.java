package io.alignstream.extractor.sd3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SentencePiece reader and the T5 tokenizer against the reference tokenizer (transformers'
 * T5Tokenizer over Debian's sentencepiece 0.1.97) on the fixture's spiece.model, and T5's relative
 * position buckets against transformers' for every relative position of 256 tokens.
 */
class T5TokenizerTest {

  private static final Path MODEL = Sd3Fixtures.pipeline("tiny-sd3").resolve("tokenizer_3").resolve("spiece.model");

  @Test
  void readsTheModelFile() {
    SentencePieceModel model = SentencePieceModel.read(MODEL);
    assertThat(model.unigram()).isTrue();
    assertThat(model.normalizerName()).isEqualTo("nmt_nfkc");
    assertThat(model.charsMap()).isNotEmpty();
    assertThat(model.pieces().get(0)).isEqualTo(new SentencePieceModel.Piece("<pad>", 0f,
        SentencePieceModel.Type.CONTROL));
    assertThat(model.pieces().get(1).text()).isEqualTo("</s>");
    assertThat(model.pieces().get(2).type()).isEqualTo(SentencePieceModel.Type.UNKNOWN);
    assertThat(model.addDummyPrefix()).isTrue();
    assertThat(model.removeExtraWhitespaces()).isTrue();
  }

  @Test
  void piecesAndIdsOfAwkwardStringsMatchTheReference() {
    T5Tokenizer tokenizer = new T5Tokenizer(SentencePieceModel.read(MODEL), 100, 256);
    JsonNode probes = Sd3Fixtures.sidecar("tiny-sd3").get("t5_tokenizer_probes");
    assertThat(probes).hasSizeGreaterThan(5);
    for (JsonNode probe : probes) {
      String text = probe.get("text").asText();
      List<String> pieces = new ArrayList<>();
      probe.get("pieces").forEach(p -> pieces.add(p.asText()));
      List<Integer> ids = new ArrayList<>();
      probe.get("ids").forEach(p -> ids.add(p.asInt()));
      assertThat(tokenizer.pieces(text)).as("pieces of '%s'", text).isEqualTo(pieces);
      List<Integer> withEos = new ArrayList<>(tokenizer.tokenIds(text));
      withEos.add(1);
      assertThat(withEos).as("ids of '%s'", text).isEqualTo(ids);
    }
  }

  @Test
  void specialTokensAreSplitOutAndPaddingFills() {
    T5Tokenizer tokenizer = new T5Tokenizer(SentencePieceModel.read(MODEL), 100, 8);
    int pieces = SentencePieceModel.read(MODEL).pieces().size();
    List<Integer> ids = tokenizer.tokenIds("a cat <extra_id_0> a cat</s>");
    List<Integer> cat = tokenizer.tokenIds("a cat");
    List<Integer> expected = new ArrayList<>(cat);
    expected.add(pieces + 99); // <extra_id_0> is the last id
    expected.addAll(cat);
    expected.add(1);
    assertThat(ids).isEqualTo(expected);
    long[] padded = tokenizer.encode("a cat");
    assertThat(padded).hasSize(8);
    assertThat(padded[cat.size()]).isEqualTo(1); // </s>
    assertThat(padded[7]).isZero(); // <pad>
    long[] truncated = tokenizer.encode("a cat a cat a cat a cat a cat");
    assertThat(truncated[7]).as("truncation keeps </s> last").isEqualTo(1);
  }

  @Test
  void relativePositionBucketsMatchTransformers() {
    try (SafetensorsFile ref = Sd3Fixtures.reference("tiny-sd3")) {
      long[] relative = ref.longs("text.t5.relative_position");
      long[] buckets = ref.longs("text.t5.relative_position_bucket");
      for (int i = 0; i < relative.length; i++) {
        assertThat(T5Encoder.relativePositionBucket((int) relative[i], 32, 128))
            .as("bucket of relative position %d", relative[i]).isEqualTo((int) buckets[i]);
      }
    }
  }

  @Test
  void aFileThatIsNoModelIsRefusedWithItsName(@TempDir Path dir) throws Exception {
    Path bogus = Files.write(dir.resolve("spiece.model"), new byte[] {0x0b, 0x0c, 0x0d});
    assertThatThrownBy(() -> SentencePieceModel.read(bogus)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining(bogus.toString()).hasMessageContaining("not a readable SentencePiece model");
  }
}
