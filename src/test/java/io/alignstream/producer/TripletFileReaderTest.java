package io.alignstream.producer;

import io.alignstream.bench.HostileInputs;
import io.alignstream.common.InputLimits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TripletFileReaderTest {

  @TempDir
  Path dir;

  private final ConceptList concepts = ConceptList.of(List.of("a", "b", "c", "d", "e"));

  @Test
  void readsTheThingsTestTripletsLineForLine() throws Exception {
    ConceptList things = ConceptList.read(SharedData.concepts());
    List<String> ids = Files.readAllLines(SharedData.uniqueIds());
    List<String> lines = Files.readAllLines(SharedData.testTriplets());

    List<TripletResponse> responses = new TripletFileReader(things, TripletFormat.AUTO, "things")
        .readAll(SharedData.testTriplets());

    long nonBlank = lines.stream().filter(l -> !l.isBlank()).count();
    assertThat(responses).hasSize((int) nonBlank);
    List<TripletResponse> expected = new java.util.ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String[] cols = lines.get(i).trim().split("\\s+");
      // The LAST column is the odd one out: position 2.
      expected.add(new TripletResponse("things:things_behavior_triplets_test10.txt:" + (i + 1),
          List.of(ids.get(Integer.parseInt(cols[0])), ids.get(Integer.parseInt(cols[1])),
              ids.get(Integer.parseInt(cols[2]))), 2, null));
    }
    assertThat(responses.equals(expected)).as("every response equals its line, read independently").isTrue();
  }

  @Test
  void readsTheOneBasedChoiceSubjectFormat() throws Exception {
    Path file = Files.writeString(dir.resolve("t.csv"), "i,j,k,choice,subject\n1,2,3,1,w7\n5,4,3,3,w8\n");
    List<TripletResponse> responses = new TripletFileReader(concepts, TripletFormat.AUTO, "d").readAll(file);
    assertThat(responses).containsExactly(
        new TripletResponse("d:t.csv:2", List.of("a", "b", "c"), 0, "w7"),
        new TripletResponse("d:t.csv:3", List.of("e", "d", "c"), 2, "w8"));
  }

  @Test
  void acceptsCommasTabsCommentsAndNumpyFloats() throws Exception {
    Path file = Files.writeString(dir.resolve("t.txt"),
        "# from numpy.savetxt\n0,1,2\n\n3\t4\t0\n1.000000000000000000e+00 0.0e+00 4.0e+00\n");
    TripletFileReader reader = new TripletFileReader(concepts, TripletFormat.IJK, "d");
    List<TripletResponse> responses = reader.readAll(file);
    assertThat(responses).extracting(TripletResponse::items)
        .containsExactly(List.of("a", "b", "c"), List.of("d", "e", "a"), List.of("b", "a", "e"));
    assertThat(responses).extracting(TripletResponse::tripletId).containsExactly("d:t.txt:2", "d:t.txt:4", "d:t.txt:5");
    TripletFileReader.Summary summary = reader.read(file, r -> { });
    assertThat(summary.format()).isEqualTo(TripletFormat.IJK);
    assertThat(summary.responses()).isEqualTo(3);
    assertThat(summary.lines()).isEqualTo(5);
  }

  @Test
  void namesFileAndLineOfEveryProblem() throws Exception {
    assertError("0 1 2\n0 1\n", TripletFormat.AUTO, "bad.txt:2: 2 columns where format ijk has 3");
    assertError("0 1 2 3\n", TripletFormat.AUTO, "bad.txt:1: 4 columns: expected 3");
    assertError("0 1 2\n0 x 2\n", TripletFormat.AUTO, "bad.txt:2: concept index in column 2 is 'x', not an integer");
    assertError("0 1 5\n", TripletFormat.AUTO, "bad.txt:1: concept index 5 in column 3 is outside 0..4");
    assertError("0 1 2 1 s\n", TripletFormat.AUTO, "bad.txt:1: concept index 0 in column 1 is outside 1..5");
    assertError("1 2 2\n", TripletFormat.AUTO, "bad.txt:1: concept index 2 appears twice");
    assertError("1 2 3 4 s\n", TripletFormat.AUTO, "bad.txt:1: choice 4 in column 4 must be 1, 2 or 3");
    assertError("0 1 2\n", TripletFormat.IJK_CHOICE_SUBJECT, "bad.txt:1: 3 columns where format ijk-choice-subject has 5");
    assertError("0 1 2.5\n", TripletFormat.AUTO, "is '2.5', not an integer");
    assertError("\n\n", TripletFormat.AUTO, "no triplets");
  }

  @Test
  void refusesAFileOverTheSizeLimitBeforeReadingAndBinaryFilesByTheirFirstLine() throws Exception {
    Path file = Files.writeString(dir.resolve("big.txt"), "0 1 2\n".repeat(20)); // 120 bytes
    InputLimits limits = InputLimits.defaults().withMaxTripletFileBytes(100);
    assertThatThrownBy(() -> new TripletFileReader(concepts, TripletFormat.AUTO, "d", limits).readAll(file))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage(file + ": triplet file of 120 bytes, over the limit of 100 bytes (--max-triplet-file-bytes)");
    assertThat(new TripletFileReader(concepts, TripletFormat.AUTO, "d", limits.withMaxTripletFileBytes(120))
        .readAll(file)).hasSize(20);

    Path png = Files.write(dir.resolve("image.txt"), HostileInputs.solid(8, 0x123456, "png"));
    assertThatThrownBy(() -> new TripletFileReader(concepts, TripletFormat.AUTO, "d").readAll(png))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith(png + ":1: not UTF-8 text");
  }

  @Test
  void parsesFormatNames() {
    assertThat(TripletFormat.parse("ijk-choice-subject")).isEqualTo(TripletFormat.IJK_CHOICE_SUBJECT);
    assertThat(TripletFormat.parse("IJK")).isEqualTo(TripletFormat.IJK);
    assertThat(TripletFormat.parse("auto")).isEqualTo(TripletFormat.AUTO);
    assertThatThrownBy(() -> TripletFormat.parse("xyz")).hasMessageContaining("use auto, ijk or ijk-choice-subject");
  }

  private void assertError(String content, TripletFormat format, String message) throws Exception {
    Path file = Files.writeString(dir.resolve("bad.txt"), content);
    assertThatThrownBy(() -> new TripletFileReader(concepts, format, "d").readAll(file))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(message);
  }
}
