package io.alignstream.extractor.diffusion.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.extractor.diffusion.Fixtures;
import io.alignstream.extractor.diffusion.TinyPipeline;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokenizer behaviour beyond the fixture prompts, on the project's tiny vocabulary. */
class ClipTokenizerTest {

  @TempDir Path tmp;

  private ClipTokenizer tiny() {
    return ClipTokenizer.load(PipelineFolder.open(TinyPipeline.write(tmp.resolve("p"))).component("tokenizer"));
  }

  @Test
  void cleansCaseAndWhitespaceLikeTransformers() {
    ClipTokenizer t = tiny();
    assertThat(t.tokens("  A   PHOTO\tof\n a Cat ")).isEqualTo(t.tokens("a photo of a cat"));
  }

  @Test
  void splitsPunctuationAndDigitsWithClipsRegex() {
    ClipTokenizer t = tiny();
    // letters runs, single digits, and punctuation runs are separate pre-tokens
    assertThat(t.tokens("cat42")).containsExactly("cat</w>", "4</w>", "2</w>");
    // "'s" is one pre-token; the word list has no apostrophes, so it stays two byte symbols
    assertThat(t.tokens("cat's")).containsExactly("cat</w>", "'", "s</w>");
  }

  @Test
  void truncatesToSeventySevenKeepingEos() {
    ClipTokenizer t = tiny();
    long[] ids = t.encode("cat ".repeat(200));
    assertThat(ids).hasSize(77);
    assertThat(ids[0]).isEqualTo(t.bosId());
    assertThat(ids[76]).isEqualTo(t.eosId());
    assertThat(ids[75]).isEqualTo(t.tokenIds("cat").get(0).longValue());
  }

  @Test
  void padsWithEosWhenThePadTokenIsEndOfText() throws Exception {
    Path dir = TinyPipeline.write(tmp.resolve("sd1"));
    Path config = dir.resolve("tokenizer/tokenizer_config.json");
    Files.writeString(config, Files.readString(config).replace("\"pad_token\" : \"!\"", "\"pad_token\" : \"<|endoftext|>\""));
    Path special = dir.resolve("tokenizer/special_tokens_map.json");
    Files.writeString(special, Files.readString(special).replace("\"pad_token\" : \"!\"", "\"pad_token\" : \"<|endoftext|>\""));
    ClipTokenizer t = ClipTokenizer.load(PipelineFolder.open(dir).component("tokenizer"));
    long[] ids = t.encode("a cat");
    assertThat(t.padId()).isEqualTo(t.eosId());
    assertThat(ids[3]).isEqualTo(t.eosId());
    assertThat(ids[76]).isEqualTo(t.eosId());
  }

  @Test
  void addedTokensInTheTextAreKeptWhole() {
    ClipTokenizer t = tiny();
    assertThat(t.tokenIds("cat<|endoftext|>")).containsExactly(t.tokenIds("cat").get(0), t.eosId());
    assertThat(t.tokenIds("cat!")).containsExactly(t.tokenIds("cat").get(0), t.padId());
  }

  @Test
  void theShippedVocabularyIsTheClipVocabularyOfTheFixtureTokenizer() throws IOException {
    Map<String, Integer> fixture = new com.fasterxml.jackson.databind.ObjectMapper().readValue(Fixtures.tinySd2().resolve("tokenizer/vocab.json").toFile(),
        new com.fasterxml.jackson.core.type.TypeReference<>() {});
    assertThat(ClipVocabulary.vocabulary(ClipVocabulary.merges())).isEqualTo(fixture);
    ClipTokenizer shipped = ClipVocabulary.tokenizer(ClipVocabulary.SD2_PAD);
    ClipTokenizer folder = ClipTokenizer.load(ComponentFolder.open(Fixtures.tinySd2().resolve("tokenizer"), "tokenizer",
        null));
    for (String prompt : Fixtures.PROMPTS) {
      assertThat(shipped.encode(prompt)).as(prompt).containsExactly(folder.encode(prompt));
    }
  }
}
