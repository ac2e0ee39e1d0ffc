package io.alignstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConceptListTest {

  @TempDir
  Path dir;

  @Test
  void readsTheThingsConceptListInRowOrder() throws Exception {
    ConceptList concepts = ConceptList.read(SharedData.concepts());
    List<String> expected = Files.readAllLines(SharedData.uniqueIds()).stream().filter(s -> !s.isBlank()).toList();
    assertThat(concepts.ids()).containsExactlyElementsOf(expected);
    assertThat(concepts.size()).isEqualTo(expected.size());
    assertThat(concepts.indexOf(expected.get(100))).isEqualTo(100);
    assertThat(concepts.indexOf("no such concept")).isEqualTo(-1);
  }

  @Test
  void readsAPlainListWithOrWithoutHeader() throws Exception {
    Path plain = Files.writeString(dir.resolve("ids.txt"), "aardvark\nabacus\naccordion\n");
    Path headed = Files.writeString(dir.resolve("headed.txt"), "uniqueID\naardvark\nabacus\n");
    assertThat(ConceptList.read(plain).ids()).containsExactly("aardvark", "abacus", "accordion");
    assertThat(ConceptList.read(headed).ids()).containsExactly("aardvark", "abacus");
  }

  @Test
  void findsTheUniqueIdColumnWhereverItIs() throws Exception {
    Path tsv = Files.writeString(dir.resolve("c.tsv"), "Word\tx\tuniqueID\nbat\t1\tbat1\nbat\t2\tbat2\n\n");
    assertThat(ConceptList.read(tsv).ids()).containsExactly("bat1", "bat2");
  }

  @Test
  void explainsMalformedLists() throws Exception {
    Path noColumn = Files.writeString(dir.resolve("a.tsv"), "Word\tname\nx\ty\n");
    assertThatThrownBy(() -> ConceptList.read(noColumn))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("a.tsv:1: no 'uniqueID' column");

    Path duplicate = Files.writeString(dir.resolve("b.txt"), "a\nb\na\n");
    assertThatThrownBy(() -> ConceptList.read(duplicate))
        .hasMessageContaining("b.txt:3: concept 'a' already listed on line 1");

    Path gap = Files.writeString(dir.resolve("c.txt"), "a\n\nb\n");
    assertThatThrownBy(() -> ConceptList.read(gap)).hasMessageContaining("c.txt:2: blank line");

    Path shortRow = Files.writeString(dir.resolve("d.tsv"), "Word\tuniqueID\nx\n");
    assertThatThrownBy(() -> ConceptList.read(shortRow)).hasMessageContaining("d.tsv:2: expected at least 2");

    assertThatThrownBy(() -> ConceptList.read(dir.resolve("missing.tsv"))).hasMessageContaining("does not exist");
    Path empty = Files.writeString(dir.resolve("e.txt"), "");
    assertThatThrownBy(() -> ConceptList.read(empty)).hasMessageContaining("empty concept list");
  }
}
