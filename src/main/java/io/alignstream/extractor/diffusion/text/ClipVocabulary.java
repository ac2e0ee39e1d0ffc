package io.alignstream.extractor.diffusion.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The CLIP BPE vocabulary every Stable Diffusion 1.x/2.x text encoder was trained with (OpenAI's
 * {@code bpe_simple_vocab_16e6}, MIT licence; OpenCLIP and transformers' {@code
 * openai/clip-vit-large-patch14} use the same), shipped with the project for single-file
 * checkpoints, which hold no tokenizer.
 *
 * <p>Only the merge list is stored (gzip, about 200 KB): CLIP's {@code vocab.json} is derived from
 * it — the 256 byte symbols, the same with {@code </w>}, one token per merge in merge order, then
 * {@code <|startoftext|>} and {@code <|endoftext|>} — so the 1 MB vocabulary needs no second copy.
 */
public final class ClipVocabulary {

  static final String BOS = "<|startoftext|>";
  public static final String EOS = "<|endoftext|>";
  /** SD 2.x tokenizers pad with "!" (id 0), SD 1.x ones with the end token. */
  public static final String SD2_PAD = "!";

  private static final String MERGES = "clip-bpe-merges.txt.gz";

  private ClipVocabulary() {}

  /**
   * CLIP's vocabulary layout over a merge list: token -> id, in id order.
   *
   * @param merges merge pairs in priority order
   */
  static Map<String, Integer> vocabulary(List<String[]> merges) {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (int i = 0; i < 256; i++) {
      vocab.put(String.valueOf(ByteSymbols.baseSymbol(i)), vocab.size());
    }
    for (int i = 0; i < 256; i++) {
      vocab.put(ByteSymbols.baseSymbol(i) + ClipTokenizer.WORD_END, vocab.size());
    }
    for (String[] m : merges) {
      vocab.putIfAbsent(m[0] + m[1], vocab.size());
    }
    vocab.put(BOS, vocab.size());
    vocab.put(EOS, vocab.size());
    return vocab;
  }

  /** The shipped merge list (48,894 merges), in priority order. */
  static List<String[]> merges() {
    try (InputStream raw = ClipVocabulary.class.getResourceAsStream(MERGES)) {
      if (raw == null) {
        throw new IllegalStateException("resource " + MERGES + " is missing from the build");
      }
      BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8));
      List<String[]> merges = new ArrayList<>();
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (!line.startsWith("#version") && !line.isBlank()) {
          merges.add(line.split(" "));
        }
      }
      return merges;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + MERGES, e);
    }
  }

  /**
   * The CLIP tokenizer of a Stable Diffusion family, padding to 77 tokens.
   *
   * @param pad the padding token: {@link #SD2_PAD} for SD 2.x, {@link #EOS} for SD 1.x
   */
  public static ClipTokenizer tokenizer(String pad) {
    List<String[]> merges = merges();
    return new ClipTokenizer(vocabulary(merges), merges, BOS, EOS, pad, EOS, ClipTokenizer.DEFAULT_MAX_LENGTH);
  }
}
