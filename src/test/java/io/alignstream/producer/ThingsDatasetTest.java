package io.alignstream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThingsDatasetTest {

  @TempDir
  Path dir;

  @Test
  void keepsOnlyResponsesWhoseConceptsAllHaveImagesAndCanBeNarrowedFurther() throws Exception {
    Path concepts = Files.writeString(dir.resolve("c.txt"), "a\nb\nc\nd\n");
    Path images = Files.createDirectories(dir.resolve("img"));
    for (String id : List.of("a", "b", "c")) {
      Files.write(images.resolve(id + ".png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    }
    Path triplets = Files.writeString(dir.resolve("t.txt"), "0 1 2\n0 1 3\n2 1 0\n3 2 1\n");

    ThingsDataset things = ThingsDataset.load(concepts, images, triplets);
    assertThat(things.images().images()).hasSize(3);
    assertThat(things.triplets()).extracting(TripletResponse::tripletId)
        .containsExactly("things:t.txt:1", "things:t.txt:3");
    assertThat(things.tripletsDropped()).isEqualTo(2);

    ThingsDataset narrowed = things.restrictTo(Set.of("a", "b"));
    assertThat(narrowed.images().images()).extracting(ConceptImages.ConceptImage::conceptId).containsExactly("a", "b");
    assertThat(narrowed.triplets()).isEmpty();
    assertThat(narrowed.tripletsDropped()).isEqualTo(4);

    Dataset dataset = things.dataset("things");
    assertThat(dataset.items()).extracting(DatasetItem::itemId).containsExactly("a", "b", "c");
    assertThat(dataset.triplets()).hasSize(2);
  }

  @Test
  void reliableEmojiConceptsAreTheExactAliasAndSpellingMatches() throws Exception {
    Path mapping = SharedData.require("emoji/things_emoji_mapping.tsv");
    List<String> lines = Files.readAllLines(mapping);
    Set<String> expected = new HashSet<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split("\t", -1);
      if (f[4].equals("exact") || f[4].equals("near_alias") || f[4].equals("near_spelling")) {
        expected.add(f[1]);
      }
    }
    Set<String> reliable = EmojiMapping.reliableConcepts(mapping);
    assertThat(reliable).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(reliable).hasSize(440); // the shared data README's count
  }
}
