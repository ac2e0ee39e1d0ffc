package io.alignstream.extractor;

import java.util.Map;
import java.util.TreeMap;

/**
 * Where a model's weights came from, precisely enough to get the same weights again: the hub
 * repository and the commit its revision pointed to, or the SHA-256 of a single checkpoint file,
 * and the SHA-256 of every weight file where it is known without rereading gigabytes (the hub
 * cache names LFS blobs by it). Published in the ModelCard and with every embedding.
 *
 * @param kind "pixels", "builtin", "folder", "hub" or "file"
 * @param reference what {@code --model} said, resolved: a folder or file path, or {@code org/name@revision}
 * @param hubRepo hub repository id ({@code org/name}); null unless from the hub
 * @param hubRevision the revision asked for (branch, tag or commit); null unless from the hub
 * @param hubCommit the commit the revision resolved to; null unless from the hub
 * @param fileSha256 SHA-256 (hex) of the single checkpoint file; null unless a single file
 * @param fileDigests weight file (relative path) -> "sha256:hex" (or "git-sha1:hex" for a small
 *     non-LFS file), where known
 * @param variant the weight variant loaded ("fp16"), or null for full precision
 * @param format the model file's format, for a single-file vision model; null otherwise
 */
public record ModelOrigin(
    String kind, String reference, String hubRepo, String hubRevision, String hubCommit, String fileSha256,
    Map<String, String> fileDigests, String variant, FileFormat format) {

  public ModelOrigin {
    fileDigests = Map.copyOf(new TreeMap<>(fileDigests));
  }

  /** An origin without a file format (diffusion pipelines and checkpoints, baselines). */
  public ModelOrigin(String kind, String reference, String hubRepo, String hubRevision, String hubCommit,
      String fileSha256, Map<String, String> fileDigests, String variant) {
    this(kind, reference, hubRepo, hubRevision, hubCommit, fileSha256, fileDigests, variant, null);
  }

  /** This origin with a file format. */
  public ModelOrigin withFormat(FileFormat newFormat) {
    return new ModelOrigin(kind, reference, hubRepo, hubRevision, hubCommit, fileSha256, fileDigests, variant,
        newFormat);
  }

  /**
   * A vision model file's format: "torchscript" or "onnx", and for ONNX the default opset's
   * version and the producer that wrote it ("pytorch 1.13.0"; null where the file names none).
   */
  public record FileFormat(String name, Integer opset, String producer) {}

  /** A model with nothing beyond its reference to record (the pixel baseline, the built-in tiny model, a folder). */
  public static ModelOrigin of(String kind, String reference) {
    return new ModelOrigin(kind, reference, null, null, null, null, Map.of(), null);
  }
}
