package io.alignstream.extractor.sd3;

import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The T5 tokenizer as SD3's pipeline applies it ({@code padding="max_length", truncation=True},
 * 256 tokens): SentencePiece unigram segmentation of the checkpoint's {@code spiece.model}, then
 * transformers' T5Tokenizer conventions: special tokens ({@code </s>}, {@code <unk>}, {@code <pad>},
 * {@code <extra_id_N>}) are split out of the text first (whitespace around them stripped), each
 * piece maps to its id, {@code </s>} closes the sequence, {@code <pad>} fills it.
 *
 * <p>SentencePiece's steps, as its C++ encoder runs them: the text is normalized by the model's
 * precompiled character map (longest match at each position; unmatched characters kept, malformed
 * UTF-8 becomes U+FFFD), leading/trailing/repeated spaces are dropped, a space is put before the
 * text, spaces become "▁"; then the Viterbi best path over the pieces' scores segments it (ties
 * keep the earlier candidate), a character no piece covers becomes {@code <unk>} with the lowest
 * normal score minus 10, and runs of unknown pieces merge into one.
 */
public final class T5Tokenizer {

  /** SentencePiece's penalty below the lowest piece score for an unknown character. */
  private static final float UNK_PENALTY = 10f;
  private static final String SPACE = "\u2581";

  private final Map<String, Integer> pieceIds = new HashMap<>();
  private final float[] scores;
  private final SentencePieceModel.Type[] types;
  private final Map<String, Integer> specials = new LinkedHashMap<>();
  private final CharsMap charsMap;
  private final SentencePieceModel model;
  private final int maxPieceLength;
  private final float unkScore;
  private final int unkId;
  private final int eosId;
  private final int padId;
  private final int maxLength;

  /**
   * @param extraIds number of {@code <extra_id_N>} tokens above the model's pieces (T5: 100)
   * @param maxLength padded length (SD3: 256)
   */
  public T5Tokenizer(SentencePieceModel model, int extraIds, int maxLength) {
    if (!model.unigram()) {
      throw new CheckpointException("the T5 tokenizer model is not a unigram SentencePiece model");
    }
    this.model = model;
    this.maxLength = maxLength;
    List<SentencePieceModel.Piece> pieces = model.pieces();
    scores = new float[pieces.size()];
    types = new SentencePieceModel.Type[pieces.size()];
    float min = Float.MAX_VALUE;
    int longest = 1;
    for (int i = 0; i < pieces.size(); i++) {
      SentencePieceModel.Piece p = pieces.get(i);
      scores[i] = p.score();
      types[i] = p.type();
      if (p.type() == SentencePieceModel.Type.NORMAL || p.type() == SentencePieceModel.Type.USER_DEFINED) {
        pieceIds.putIfAbsent(p.text(), i);
        longest = Math.max(longest, p.text().codePointCount(0, p.text().length()));
      }
      if (p.type() == SentencePieceModel.Type.NORMAL) {
        min = Math.min(min, p.score());
      }
    }
    this.maxPieceLength = longest;
    this.unkScore = min - UNK_PENALTY;
    this.unkId = required(model, "<unk>");
    this.eosId = required(model, "</s>");
    this.padId = required(model, "<pad>");
    specials.put("</s>", eosId);
    specials.put("<unk>", unkId);
    specials.put("<pad>", padId);
    for (int i = 0; i < extraIds; i++) {
      specials.put("<extra_id_" + i + ">", pieces.size() + extraIds - 1 - i);
    }
    this.charsMap = new CharsMap(model.charsMap());
  }

  private static int required(SentencePieceModel model, String piece) {
    int id = model.id(piece);
    if (id < 0) {
      throw new CheckpointException("the T5 tokenizer model has no piece " + piece);
    }
    return id;
  }

  /** Reads {@code spiece.model} and {@code tokenizer_config.json}'s extra_ids of a {@code tokenizer_3/} folder. */
  public static T5Tokenizer load(ComponentFolder folder, int maxLength) {
    int extraIds = folder.config().path("extra_ids").asInt(100);
    return new T5Tokenizer(SentencePieceModel.read(folder.dir().resolve("spiece.model")), extraIds, maxLength);
  }

  public int maxLength() {
    return maxLength;
  }

  /** Ids padded to {@link #maxLength()}: the text's tokens (truncated), {@code </s>}, then {@code <pad>}. */
  public long[] encode(String text) {
    List<Integer> ids = tokenIds(text);
    long[] out = new long[maxLength];
    Arrays.fill(out, padId);
    int n = Math.min(ids.size(), maxLength - 1);
    for (int i = 0; i < n; i++) {
      out[i] = ids.get(i);
    }
    out[n] = eosId;
    return out;
  }

  /** Ids of the text without {@code </s>}, padding or truncation. */
  public List<Integer> tokenIds(String text) {
    List<Integer> ids = new ArrayList<>();
    int from = 0;
    while (true) {
      int at = -1;
      String hit = null;
      for (String s : specials.keySet()) {
        int i = text.indexOf(s, from);
        if (i >= 0 && (at < 0 || i < at || (i == at && s.length() > hit.length()))) {
          at = i;
          hit = s;
        }
      }
      String segment = text.substring(from, at < 0 ? text.length() : at);
      // transformers strips the text on both sides of a special token
      if (from > 0) {
        segment = segment.stripLeading();
      }
      if (at >= 0) {
        segment = segment.stripTrailing();
      }
      for (String piece : pieces(segment)) {
        Integer id = pieceIds.get(piece);
        ids.add(id == null ? unkId : id);
      }
      if (at < 0) {
        return ids;
      }
      ids.add(specials.get(hit));
      from = at + hit.length();
    }
  }

  /** SentencePiece's pieces of a text (no special-token handling), e.g. ["▁a", "▁photo", ...]. */
  public List<String> pieces(String text) {
    int[] cps = normalize(text).codePoints().toArray();
    int n = cps.length;
    float[] best = new float[n + 1];
    int[] startOf = new int[n + 1];
    int[] idOf = new int[n + 1];
    Arrays.fill(startOf, -1);
    for (int start = 0; start < n; start++) {
      if (start > 0 && startOf[start] < 0) {
        continue; // unreachable position (cannot happen: every character has a piece or an unk)
      }
      boolean single = false;
      for (int end = start + 1; end <= Math.min(n, start + maxPieceLength); end++) {
        Integer id = pieceIds.get(new String(cps, start, end - start));
        if (id == null) {
          continue;
        }
        float score = types[id] == SentencePieceModel.Type.USER_DEFINED
            ? (end - start) * maxScore() - 0.1f : scores[id];
        relax(best, startOf, idOf, start, end, id, score);
        single |= end == start + 1;
      }
      if (!single) {
        relax(best, startOf, idOf, start, start + 1, unkId, unkScore);
      }
    }
    List<String> out = new ArrayList<>();
    List<Integer> outIds = new ArrayList<>();
    for (int end = n; end > 0; end = startOf[end]) {
      out.add(0, new String(cps, startOf[end], end - startOf[end]));
      outIds.add(0, idOf[end]);
    }
    List<String> merged = new ArrayList<>();
    for (int i = 0; i < out.size(); i++) {
      boolean unk = outIds.get(i) == unkId;
      if (unk && i > 0 && outIds.get(i - 1) == unkId) {
        merged.set(merged.size() - 1, merged.get(merged.size() - 1) + out.get(i));
      } else {
        merged.add(out.get(i));
      }
    }
    return merged;
  }

  private float maxScore() {
    float max = -Float.MAX_VALUE;
    for (int i = 0; i < scores.length; i++) {
      if (types[i] == SentencePieceModel.Type.NORMAL) {
        max = Math.max(max, scores[i]);
      }
    }
    return max;
  }

  private static void relax(float[] best, int[] startOf, int[] idOf, int start, int end, int id, float score) {
    float candidate = best[start] + score;
    if (startOf[end] < 0 || candidate > best[end]) {
      best[end] = candidate;
      startOf[end] = start;
      idOf[end] = id;
    }
  }

  /** SentencePiece's Normalizer::Normalize with the model's character map and whitespace flags. */
  String normalize(String text) {
    byte[] in = text.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder();
    int pos = 0;
    boolean extra = model.removeExtraWhitespaces();
    if (extra) {
      while (pos < in.length) {
        Replacement r = charsMap.prefix(in, pos);
        if (!r.text().equals(" ")) {
          break;
        }
        pos += r.consumed();
      }
    }
    if (pos >= in.length) {
      return "";
    }
    String space = model.escapeWhitespaces() ? SPACE : " ";
    if (model.addDummyPrefix()) {
      out.append(space);
    }
    boolean previousSpace = extra;
    while (pos < in.length) {
      Replacement r = charsMap.prefix(in, pos);
      String s = r.text();
      if (extra) {
        int skip = 0;
        while (previousSpace && skip < s.length() && s.charAt(skip) == ' ') {
          skip++;
        }
        s = s.substring(skip);
      }
      if (!s.isEmpty()) {
        out.append(model.escapeWhitespaces() ? s.replace(" ", SPACE) : s);
        previousSpace = s.endsWith(" ");
      }
      pos += r.consumed();
    }
    if (extra) {
      while (out.length() >= space.length() && out.substring(out.length() - space.length()).equals(space)) {
        out.setLength(out.length() - space.length());
      }
    }
    return out.toString();
  }

  private record Replacement(String text, int consumed) {}

  /**
   * SentencePiece's precompiled character map: a 4-byte little-endian trie size, a Darts-clone
   * double-array trie over UTF-8 bytes (32-bit units), then the null-terminated replacement
   * strings the trie's values point into.
   */
  private static final class CharsMap {
    private final int[] units;
    private final byte[] normalized;

    CharsMap(byte[] blob) {
      if (blob.length == 0) {
        units = new int[0];
        normalized = new byte[0];
        return;
      }
      ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
      int trieSize = b.getInt();
      units = new int[trieSize / 4];
      for (int i = 0; i < units.length; i++) {
        units[i] = b.getInt();
      }
      normalized = Arrays.copyOfRange(blob, 4 + trieSize, blob.length);
    }

    /** The longest rule matching at {@code pos}, or the character itself. */
    Replacement prefix(byte[] in, int pos) {
      int longest = 0;
      int value = 0;
      if (units.length > 0) {
        int node = offset(units[0]);
        for (int i = pos; i < in.length; i++) {
          int c = in[i] & 0xFF;
          node ^= c;
          int unit = units[node];
          if (label(unit) != c) {
            break;
          }
          node ^= offset(unit);
          if (((unit >>> 8) & 1) == 1) {
            longest = i + 1 - pos;
            value = units[node] & 0x7FFFFFFF;
          }
        }
      }
      if (longest > 0) {
        int end = value;
        while (normalized[end] != 0) {
          end++;
        }
        return new Replacement(new String(normalized, value, end - value, StandardCharsets.UTF_8), longest);
      }
      int length = utf8Length(in, pos);
      if (length == 0) {
        return new Replacement("\uFFFD", 1);
      }
      return new Replacement(new String(in, pos, length, StandardCharsets.UTF_8), length);
    }

    private static int label(int unit) {
      return unit & (0x80000000 | 0xFF);
    }

    private static int offset(int unit) {
      return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    /** Bytes of the valid UTF-8 character at {@code pos}, or 0 when malformed. */
    private static int utf8Length(byte[] in, int pos) {
      int b = in[pos] & 0xFF;
      int n = b < 0x80 ? 1 : b >= 0xC2 && b < 0xE0 ? 2 : b >= 0xE0 && b < 0xF0 ? 3 : b >= 0xF0 && b < 0xF5 ? 4 : 0;
      if (n == 0 || pos + n > in.length) {
        return 0;
      }
      for (int i = 1; i < n; i++) {
        if ((in[pos + i] & 0xC0) != 0x80) {
          return 0;
        }
      }
      return n;
    }
  }
}
