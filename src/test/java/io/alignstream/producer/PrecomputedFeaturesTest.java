package io.alignstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LayerEmbedding;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrecomputedFeaturesTest {

  @TempDir
  Path dir;

  @Test
  void buildsOneEmbeddingPerConceptRowUnderANoiseFreeSetting() throws Exception {
    Path file = Files.writeString(dir.resolve("clip.tsv"), "1\t2\t3\n4\t5\tNaN\n");
    ConceptList concepts = ConceptList.of(List.of("aardvark", "abacus"));
    PrecomputedFeatures features = PrecomputedFeatures.read("clip", "visual", file, concepts);

    assertThat(features.settingKey()).isEqualTo("clip|visual|0|NONE");
    LayerEmbedding second = features.embedding(1);
    assertThat(second.getItemId()).isEqualTo("abacus");
    assertThat(second.getImageId()).isEqualTo("abacus");
    assertThat(second.getRequestId()).isNull();
    assertThat(second.getVector()).hasSize(3).startsWith(4f, 5f);
    assertThat(second.getVector().get(2)).isNaN();
    assertThat(second.getDim()).isEqualTo(3);
    assertThat(second.getPooling()).isEqualTo("none");
    assertThat(second.getSetting().getNoiseLevel()).isEqualTo(0.0);
    assertThat(second.getSetting().getTimestep()).isEqualTo(0);
    assertThat(second.getSetting().getConditioning()).isEqualTo(Conditioning.NONE);
    assertThat(second.getSource()).isEqualTo("file:clip.tsv");
    assertThat(second.getWeightsDigest()).isEqualTo(sha256(Files.readAllBytes(file)));
    assertThat(second.getConfigDigest())
        .isEqualTo(sha256("model=clip\nlayer=visual\nfile=clip.tsv".getBytes(StandardCharsets.UTF_8)));
    assertThat(second.getComputedAt()).isEqualTo(Files.getLastModifiedTime(file).toInstant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
  }

  @Test
  void rejectsBadIdsAndRowCounts() throws Exception {
    Path file = Files.writeString(dir.resolve("f.tsv"), "1\t2\n");
    ConceptList two = ConceptList.of(List.of("a", "b"));
    assertThatThrownBy(() -> PrecomputedFeatures.read("m|x", "l", file, ConceptList.of(List.of("a"))))
        .hasMessageContaining("must not contain '|'");
    assertThatThrownBy(() -> PrecomputedFeatures.read("m", "l", file, two))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("1 rows of features but the concept list has 2 concepts");
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
