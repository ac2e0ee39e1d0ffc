package io.alignstream.extractor.diffusion.text;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLIP byte-level BPE tokenizer as transformers' {@code CLIPTokenizer} applies it in the
 * Stable Diffusion pipeline ({@code padding="max_length", truncation=True}), read from a
 * {@code tokenizer/} folder: {@code vocab.json}, {@code merges.txt}, {@code tokenizer_config.json}
 * and, when present, {@code special_tokens_map.json}.
 *
 * <p>Steps: added tokens (bos, eos, pad, ...) are split out verbatim; each other segment is
 * cleaned as transformers does without ftfy (control characters dropped, whitespace collapsed,
 * CJK ideographs spaced, NFC, lower case), split by CLIP's regex, mapped byte-wise to printable
 * unicode, BPE-merged with {@code </w>} marking word ends, and looked up in the vocabulary. The
 * ids are wrapped in bos/eos, truncated to the model length (77) and padded with the tokenizer's
 * pad token: "!" (id 0) for SD 2.x, the end-of-text token for SD 1.x.
 */
public final class ClipTokenizer {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** CLIP's pre-tokenizer; the text is already lower case. */
  private static final Pattern WORDS = Pattern.compile(
      "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+",
      Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
  static final String WORD_END = "</w>";
  /** transformers' default when model_max_length is unset, and CLIP's context length. */
  public static final int DEFAULT_MAX_LENGTH = 77;

  private final Map<String, Integer> vocab;
  private final Map<String, Integer> mergeRanks;
  private final Map<String, Integer> addedTokens;
  private final int bosId;
  private final int eosId;
  private final int padId;
  private final int unkId;
  private final int maxLength;
  private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

  /**
   * @param vocab token -> id
   * @param merges merge pairs in priority order
   * @param bos bos token, eos token, pad token, unk token: strings present in vocab
   * @param maxLength padded length (77)
   */
  public ClipTokenizer(
      Map<String, Integer> vocab, List<String[]> merges, String bos, String eos, String pad, String unk,
      int maxLength) {
    this.vocab = Map.copyOf(vocab);
    Map<String, Integer> ranks = new HashMap<>();
    for (int i = 0; i < merges.size(); i++) {
      ranks.putIfAbsent(pairKey(merges.get(i)[0], merges.get(i)[1]), i);
    }
    this.mergeRanks = Collections.unmodifiableMap(ranks);
    this.bosId = id(bos, "bos_token");
    this.eosId = id(eos, "eos_token");
    this.padId = id(pad, "pad_token");
    this.unkId = id(unk, "unk_token");
    Map<String, Integer> added = new LinkedHashMap<>();
    for (String t : List.of(bos, eos, pad, unk)) {
      added.put(t, vocab.get(t));
    }
    this.addedTokens = Collections.unmodifiableMap(added);
    this.maxLength = maxLength;
  }

  private int id(String token, String role) {
    Integer id = vocab.get(token);
    if (id == null) {
      throw new CheckpointException(role + " '" + token + "' is not in the tokenizer vocabulary");
    }
    return id;
  }

  /** Reads a {@code tokenizer/} component folder. */
  public static ClipTokenizer load(ComponentFolder tokenizer) {
    Path dir = tokenizer.dir();
    try {
      Map<String, Integer> vocab = JSON.readValue(dir.resolve("vocab.json").toFile(), new TypeReference<>() {});
      List<String[]> merges = new ArrayList<>();
      for (String line : Files.readAllLines(dir.resolve("merges.txt"), StandardCharsets.UTF_8)) {
        if (line.startsWith("#version") || line.isBlank()) {
          continue;
        }
        String[] pair = line.split(" ");
        if (pair.length != 2) {
          throw new CheckpointException(dir.resolve("merges.txt") + ": malformed merge line '" + line + "'");
        }
        merges.add(pair);
      }
      JsonNode config = tokenizer.config();
      Path special = dir.resolve("special_tokens_map.json");
      JsonNode map = Files.isRegularFile(special) ? JSON.readTree(special.toFile()) : JSON.createObjectNode();
      String eos = token(config, map, "eos_token", "<|endoftext|>");
      String bos = token(config, map, "bos_token", "<|startoftext|>");
      String unk = token(config, map, "unk_token", eos);
      String pad = token(config, map, "pad_token", eos);
      double declared = config.path("model_max_length").asDouble(DEFAULT_MAX_LENGTH);
      int maxLength = declared > 0 && declared <= 4096 ? (int) declared : DEFAULT_MAX_LENGTH;
      return new ClipTokenizer(vocab, merges, bos, eos, pad, unk, maxLength);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer in " + dir, e);
    }
  }

  /** A special token from tokenizer_config.json or special_tokens_map.json: a string or {"content": ...}. */
  private static String token(JsonNode config, JsonNode map, String key, String fallback) {
    for (JsonNode source : List.of(config, map)) {
      JsonNode n = source.get(key);
      if (n != null && n.isTextual()) {
        return n.textValue();
      }
      if (n != null && n.hasNonNull("content")) {
        return n.get("content").asText();
      }
    }
    return fallback;
  }

  public int bosId() {
    return bosId;
  }

  public int eosId() {
    return eosId;
  }

  public int padId() {
    return padId;
  }

  public int maxLength() {
    return maxLength;
  }

  public int vocabSize() {
    return vocab.size();
  }

  /** Token ids of a prompt: bos, tokens (truncated), eos, padding; always {@link #maxLength()} long. */
  public long[] encode(String text) {
    List<Integer> tokens = tokenIds(text);
    long[] ids = new long[maxLength];
    java.util.Arrays.fill(ids, padId);
    ids[0] = bosId;
    int n = Math.min(tokens.size(), maxLength - 2);
    for (int i = 0; i < n; i++) {
      ids[i + 1] = tokens.get(i);
    }
    ids[n + 1] = eosId;
    return ids;
  }

  /** Ids of the prompt's tokens without bos/eos/padding or truncation. */
  public List<Integer> tokenIds(String text) {
    List<Integer> ids = new ArrayList<>();
    for (String piece : tokens(text)) {
      Integer id = addedTokens.containsKey(piece) ? addedTokens.get(piece) : vocab.get(piece);
      ids.add(id == null ? unkId : id);
    }
    return ids;
  }

  /** BPE tokens of the prompt (added tokens kept whole), e.g. ["a</w>", "photo</w>", ...]. */
  public List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    int from = 0;
    while (from < text.length()) {
      // Added tokens are matched on the raw text before any cleaning, leftmost then longest.
      int at = -1;
      String hit = null;
      for (String t : addedTokens.keySet()) {
        int i = text.indexOf(t, from);
        if (i >= 0 && (at < 0 || i < at || (i == at && t.length() > hit.length()))) {
          at = i;
          hit = t;
        }
      }
      int segmentEnd = at < 0 ? text.length() : at;
      bpeSegment(text.substring(from, segmentEnd), out);
      if (at < 0) {
        break;
      }
      out.add(hit);
      from = at + hit.length();
    }
    return out;
  }

  private void bpeSegment(String segment, List<String> out) {
    Matcher m = WORDS.matcher(clean(segment));
    while (m.find()) {
      out.addAll(cache.computeIfAbsent(m.group(), this::bpe));
    }
  }

  /** transformers' BasicTokenizer(strip_accents=False, do_split_on_punc=False) then lower(). */
  static String clean(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    text.codePoints().forEach(cp -> {
      if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
        return;
      }
      if (isWhitespace(cp)) {
        sb.append(' ');
      } else if (isCjk(cp)) {
        sb.append(' ').appendCodePoint(cp).append(' ');
      } else {
        sb.appendCodePoint(cp);
      }
    });
    String normalized = Normalizer.normalize(sb.toString(), Normalizer.Form.NFC);
    return String.join(" ", normalized.trim().split(" +")).toLowerCase(Locale.ROOT);
  }

  private static boolean isWhitespace(int cp) {
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
  }

  private static boolean isControl(int cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      return false;
    }
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE
        || type == Character.SURROGATE || type == Character.UNASSIGNED;
  }

  private static boolean isCjk(int cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
  }

  /** Byte-level BPE of one pre-token: UTF-8 bytes as printable symbols, last one marked as word end. */
  private List<String> bpe(String word) {
    byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
    List<String> symbols = new ArrayList<>(bytes.length);
    for (byte b : bytes) {
      symbols.add(String.valueOf(ByteSymbols.symbol(b & 0xFF)));
    }
    int last = symbols.size() - 1;
    symbols.set(last, symbols.get(last) + WORD_END);
    while (symbols.size() > 1) {
      int bestRank = Integer.MAX_VALUE;
      String bestLeft = null;
      String bestRight = null;
      for (int i = 0; i + 1 < symbols.size(); i++) {
        Integer rank = mergeRanks.get(pairKey(symbols.get(i), symbols.get(i + 1)));
        if (rank != null && rank < bestRank) {
          bestRank = rank;
          bestLeft = symbols.get(i);
          bestRight = symbols.get(i + 1);
        }
      }
      if (bestLeft == null) {
        break;
      }
      // Merge every occurrence of the best pair, left to right, as CLIP's reference does.
      List<String> merged = new ArrayList<>(symbols.size());
      for (int i = 0; i < symbols.size(); i++) {
        if (i + 1 < symbols.size() && symbols.get(i).equals(bestLeft) && symbols.get(i + 1).equals(bestRight)) {
          merged.add(bestLeft + bestRight);
          i++;
        } else {
          merged.add(symbols.get(i));
        }
      }
      symbols = merged;
    }
    return List.copyOf(symbols);
  }

  private static String pairKey(String left, String right) {
    return left + ' ' + right;
  }
}
