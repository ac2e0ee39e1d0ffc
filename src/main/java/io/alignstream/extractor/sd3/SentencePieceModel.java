package io.alignstream.extractor.sd3;

import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece model file ({@code spiece.model}): a serialized {@code ModelProto} of
 * sentencepiece_model.proto, read with a protocol-buffer wire reader of its own (docs/method.md
 * says why): the pieces (string, score, type), the trainer's model type, and the normalizer (its
 * precompiled character map and whitespace flags). Fields this tokenizer does not need are skipped
 * by wire type, so files of newer SentencePiece versions read the same.
 *
 * @param pieces every piece, in id order
 * @param unigram whether the model is a unigram model (T5's); BPE, word and char models are refused by the tokenizer
 * @param normalizerName the normalization rule the model was trained with (T5: "nmt_nfkc")
 * @param charsMap the precompiled normalization map (a Darts double-array trie, then the replacement
 *     strings), empty for the identity
 * @param addDummyPrefix whether a space is put before the text
 * @param removeExtraWhitespaces whether leading, trailing and repeated spaces are dropped
 * @param escapeWhitespaces whether spaces become U+2581 ("▁")
 */
public record SentencePieceModel(
    List<Piece> pieces, boolean unigram, String normalizerName, byte[] charsMap, boolean addDummyPrefix,
    boolean removeExtraWhitespaces, boolean escapeWhitespaces) {

  /** sentencepiece_model.proto's SentencePiece.Type. */
  public enum Type { NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE }

  /** One vocabulary entry. */
  public record Piece(String text, float score, Type type) {}

  public SentencePieceModel {
    pieces = List.copyOf(pieces);
  }

  /** Reads a model file. @throws CheckpointException for a file that is not a SentencePiece model */
  public static SentencePieceModel read(Path file) {
    try {
      return parse(Files.readAllBytes(file), file);
    } catch (IOException e) {
      throw new CheckpointException("cannot read SentencePiece model " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new CheckpointException(file + " is not a readable SentencePiece model (" + e.getMessage() + ")", e);
    }
  }

  static SentencePieceModel parse(byte[] bytes, Path file) {
    Wire model = new Wire(ByteBuffer.wrap(bytes));
    List<Piece> pieces = new ArrayList<>();
    int modelType = 1; // TrainerSpec.ModelType UNIGRAM, the default
    String name = "";
    byte[] charsMap = new byte[0];
    boolean dummy = true;
    boolean extra = true;
    boolean escape = true;
    while (model.more()) {
      int tag = model.varint32();
      switch (tag >>> 3) {
        case 1 -> pieces.add(piece(model.message())); // repeated SentencePiece pieces = 1
        case 2 -> { // TrainerSpec trainer_spec = 2
          Wire trainer = model.message();
          while (trainer.more()) {
            int t = trainer.varint32();
            if (t >>> 3 == 3) {
              modelType = trainer.varint32(); // model_type = 3
            } else {
              trainer.skip(t);
            }
          }
        }
        case 3 -> { // NormalizerSpec normalizer_spec = 3
          Wire normalizer = model.message();
          while (normalizer.more()) {
            int t = normalizer.varint32();
            switch (t >>> 3) {
              case 1 -> name = new String(normalizer.bytes(), StandardCharsets.UTF_8);
              case 2 -> charsMap = normalizer.bytes();
              case 3 -> dummy = normalizer.varint32() != 0;
              case 4 -> extra = normalizer.varint32() != 0;
              case 5 -> escape = normalizer.varint32() != 0;
              default -> normalizer.skip(t);
            }
          }
        }
        default -> model.skip(tag);
      }
    }
    if (pieces.isEmpty()) {
      throw new IllegalArgumentException("no pieces");
    }
    return new SentencePieceModel(pieces, modelType == 1, name, charsMap, dummy, extra, escape);
  }

  private static Piece piece(Wire w) {
    String text = "";
    float score = 0;
    Type type = Type.NORMAL;
    while (w.more()) {
      int t = w.varint32();
      switch (t >>> 3) {
        case 1 -> text = new String(w.bytes(), StandardCharsets.UTF_8);
        case 2 -> score = w.fixed32Float();
        case 3 -> type = Type.values()[w.varint32() - 1];
        default -> w.skip(t);
      }
    }
    return new Piece(text, score, type);
  }

  /** The id of a piece, or -1. */
  public int id(String piece) {
    for (int i = 0; i < pieces.size(); i++) {
      if (pieces.get(i).text().equals(piece)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Protocol-buffer wire format over a buffer: varints, 32-bit fixed values and length-delimited
   * fields (strings, bytes, nested messages); 64-bit fields are skipped, groups are refused.
   */
  private static final class Wire {
    private final ByteBuffer in;

    Wire(ByteBuffer in) {
      this.in = in.order(ByteOrder.LITTLE_ENDIAN);
    }

    boolean more() {
      return in.hasRemaining();
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = in.get();
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("malformed varint");
    }

    int varint32() {
      return (int) varint();
    }

    float fixed32Float() {
      return in.getFloat();
    }

    byte[] bytes() {
      byte[] b = new byte[Math.toIntExact(varint())];
      in.get(b);
      return b;
    }

    Wire message() {
      int length = Math.toIntExact(varint());
      ByteBuffer slice = in.slice().limit(length);
      in.position(in.position() + length);
      return new Wire(slice);
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> in.position(in.position() + 8);
        case 2 -> {
          int length = Math.toIntExact(varint()); // read first: it moves the position
          in.position(in.position() + length);
        }
        case 5 -> in.position(in.position() + 4);
        default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7));
      }
    }
  }
}
