package io.alignstream.extractor.sd3;

import com.google.protobuf.InvalidProtocolBufferException;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.sentencepiece.proto.SentencePieceProto.ModelProto;
import io.alignstream.sentencepiece.proto.SentencePieceProto.NormalizerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece model file ({@code spiece.model}): a serialized {@code ModelProto}, read with
 * the part of SentencePiece's schema the tokenizer needs (src/main/proto/sentencepiece): the
 * pieces (string, score, type), the trainer's model type, and the normalizer (its precompiled
 * character map and whitespace flags).
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
      return parse(Files.readAllBytes(file));
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new CheckpointException(file + " is not a readable SentencePiece model (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new CheckpointException("cannot read SentencePiece model " + file + ": " + e.getMessage(), e);
    }
  }

  static SentencePieceModel parse(byte[] bytes) throws InvalidProtocolBufferException {
    ModelProto model = ModelProto.parseFrom(bytes);
    if (model.getPiecesCount() == 0) {
      throw new IllegalArgumentException("no pieces");
    }
    List<Piece> pieces = new ArrayList<>(model.getPiecesCount());
    for (ModelProto.SentencePiece p : model.getPiecesList()) {
      if (p.getType() < 1 || p.getType() > Type.values().length) {
        throw new IllegalArgumentException("piece '" + p.getPiece() + "' has unknown type " + p.getType());
      }
      pieces.add(new Piece(p.getPiece(), p.getScore(), Type.values()[p.getType() - 1]));
    }
    NormalizerSpec normalizer = model.getNormalizerSpec();
    return new SentencePieceModel(pieces, model.getTrainerSpec().getModelType() == 1, normalizer.getName(),
        normalizer.getPrecompiledCharsmap().toByteArray(), normalizer.getAddDummyPrefix(),
        normalizer.getRemoveExtraWhitespaces(), normalizer.getEscapeWhitespaces());
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
}
