package io.alignstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConceptImagesTest {

  @TempDir
  Path dir;

  private final ConceptList concepts = ConceptList.of(List.of("aardvark", "abacus", "bat1", "bat2"));

  @Test
  void readsTheFlatEmojiFolder() throws Exception {
    ConceptList things = ConceptList.read(SharedData.concepts());
    Set<String> ids = new TreeSet<>(Files.readAllLines(SharedData.uniqueIds()));
    Set<String> expected = new TreeSet<>();
    try (Stream<Path> files = Files.list(SharedData.emojiImages())) {
      files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".png") && ids.contains(n.substring(0, n.length() - 4)))
          .forEach(n -> expected.add(n.substring(0, n.length() - 4)));
    }
    ConceptImages images = ConceptImages.scan(SharedData.emojiImages(), things, 1);
    assertThat(images.conceptsWithImages()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(images.images()).hasSize(expected.size());
    // Concept order, and each image is the concept's own file.
    for (int i = 1; i < images.images().size(); i++) {
      assertThat(images.images().get(i).conceptIndex()).isGreaterThan(images.images().get(i - 1).conceptIndex());
    }
    assertThat(images.images()).allSatisfy(image ->
        assertThat(image.imageId()).isEqualTo(image.conceptId() + ".png"));
  }

  @Test
  void readsTheThingsLayoutTakingTheFirstImageInSortedOrder() throws Exception {
    image("aardvark/aardvark_02s.jpg");
    image("aardvark/aardvark_01b.jpg");
    image("abacus/abacus_01b.jpg");
    image("bat2/bat2_03s.jpg");
    image("bat2/notes.txt");
    image("zebra/zebra_01b.jpg");

    ConceptImages images = ConceptImages.scan(dir, concepts, 1);
    assertThat(images.images()).extracting(ConceptImages.ConceptImage::imageId)
        .containsExactly("aardvark_01b.jpg", "abacus_01b.jpg", "bat2_03s.jpg");
    assertThat(images.conceptsWithImages()).containsExactly("aardvark", "abacus", "bat2");
    assertThat(images.ignored()).containsExactly("zebra/");

    ConceptImages all = ConceptImages.scan(dir, concepts, 0);
    assertThat(all.images()).extracting(ConceptImages.ConceptImage::imageId)
        .containsExactly("aardvark_01b.jpg", "aardvark_02s.jpg", "abacus_01b.jpg", "bat2_03s.jpg");

    List<DatasetItem> items = images.items();
    assertThat(items.get(0).itemId()).isEqualTo("aardvark");
    assertThat(items.get(0).concept()).isEqualTo("aardvark");
    assertThat(items.get(0).imageBytes()).isEqualTo(Files.readAllBytes(dir.resolve("aardvark/aardvark_01b.jpg")));
  }

  @Test
  void acceptsAThingsRootWithObjectImagesAndMixedFlatFiles() throws Exception {
    image("object_images/bat1/bat1_01b.jpg");
    image("object_images/abacus.JPEG");
    image("object_images/readme.md");
    ConceptImages images = ConceptImages.scan(dir, concepts, 1);
    assertThat(images.folder()).isEqualTo(dir.resolve("object_images"));
    assertThat(images.conceptsWithImages()).containsExactly("abacus", "bat1");
    assertThat(images.ignored()).containsExactly("readme.md");
  }

  @Test
  void explainsFoldersWithoutUsableImages() throws Exception {
    assertThatThrownBy(() -> ConceptImages.scan(dir.resolve("nope"), concepts, 1))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("does not exist");
    image("other.png");
    assertThatThrownBy(() -> ConceptImages.scan(dir, concepts, 1))
        .hasMessageContaining("no images named by the concept list's uniqueIDs");
    image("aardvark/shared.jpg");
    image("abacus/shared.jpg");
    assertThatThrownBy(() -> ConceptImages.scan(dir, concepts, 1))
        .hasMessageContaining("shared.jpg is used by concepts 'aardvark' and 'abacus'");
  }

  private void image(String relative) throws Exception {
    Path file = dir.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) relative.length()});
  }
}
