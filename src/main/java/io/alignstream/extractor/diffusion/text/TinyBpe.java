package io.alignstream.extractor.diffusion.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small CLIP-format BPE vocabulary learned deterministically from a word list, for the
 * project's own tiny pipeline: the 256 byte symbols, the same with {@code </w>}, one token per
 * learned merge, then {@code <|startoftext|>} and {@code <|endoftext|>} (CLIP's layout).
 *
 * <p>Learning is classic BPE: repeatedly merge the adjacent symbol pair with the highest
 * frequency over the (weighted) words, ties broken by the pair's text so the result never depends
 * on hash order.
 *
 * @param vocab token -> id, in id order
 * @param merges merge pairs in learning (= priority) order
 */
public record TinyBpe(Map<String, Integer> vocab, List<String[]> merges) {

  public static final String BOS = ClipVocabulary.BOS;
  public static final String EOS = ClipVocabulary.EOS;

  /**
   * Learns up to {@code maxMerges} merges from words with counts.
   *
   * @param wordCounts lower-case words (one pre-token each) and how often they occur
   */
  public static TinyBpe learn(Map<String, Integer> wordCounts, int maxMerges) {
    // Each word as its byte symbols, the last marked as word end.
    Map<String, Integer> counts = new TreeMap<>(wordCounts);
    List<List<String>> words = new ArrayList<>();
    List<Integer> freq = new ArrayList<>();
    counts.forEach((word, n) -> {
      List<String> symbols = new ArrayList<>();
      for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
        symbols.add(String.valueOf(ByteSymbols.symbol(b & 0xFF)));
      }
      symbols.set(symbols.size() - 1, symbols.get(symbols.size() - 1) + ClipTokenizer.WORD_END);
      words.add(symbols);
      freq.add(n);
    });
    List<String[]> merges = new ArrayList<>();
    while (merges.size() < maxMerges) {
      TreeMap<String, Integer> pairs = new TreeMap<>();
      for (int w = 0; w < words.size(); w++) {
        List<String> s = words.get(w);
        for (int i = 0; i + 1 < s.size(); i++) {
          pairs.merge(s.get(i) + " " + s.get(i + 1), freq.get(w), Integer::sum);
        }
      }
      if (pairs.isEmpty()) {
        break;
      }
      String best = null;
      int bestCount = 0;
      for (Map.Entry<String, Integer> e : pairs.entrySet()) { // sorted: first of equal counts wins
        if (e.getValue() > bestCount) {
          best = e.getKey();
          bestCount = e.getValue();
        }
      }
      String[] pair = best.split(" ");
      merges.add(pair);
      for (List<String> s : words) {
        for (int i = 0; i + 1 < s.size(); i++) {
          if (s.get(i).equals(pair[0]) && s.get(i + 1).equals(pair[1])) {
            s.set(i, pair[0] + pair[1]);
            s.remove(i + 1);
          }
        }
      }
    }
    return new TinyBpe(ClipVocabulary.vocabulary(merges), merges);
  }
}
