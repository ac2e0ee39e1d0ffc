package io.alignstream.producer;

import io.alignstream.common.Digests;
import io.alignstream.common.SettingKey;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Features of one model layer computed elsewhere (thingsvision, a human embedding such as
 * VICE), one row per concept of the concept list. Their setting is (model id, layer, noise 0,
 * timestep 0, NONE): a file carries no noise or conditioning.
 *
 * @param modelId model id of the setting
 * @param layer layer name of the setting
 * @param file the feature file (its name and digest identify the source)
 * @param datasetPath the HDF5 dataset read from the file; null for files without datasets
 * @param matrix the features, row i = concept i
 * @param concepts the concept order
 * @param weightsDigest SHA-256 of the file's bytes
 * @param computedAt the file's last modification: when the features were computed, as near as
 *     we can tell; republishing an unchanged file yields identical records
 */
public record PrecomputedFeatures(String modelId, String layer, Path file, String datasetPath, FeatureMatrix matrix,
    ConceptList concepts, String weightsDigest, Instant computedAt) {

  public PrecomputedFeatures {
    // Validates the ids exactly as the key will be built, before anything is published.
    SettingKey.of(modelId, layer, 0.0, Conditioning.NONE);
    matrix.requireRowsFor(concepts, file);
  }

  /** Reads {@code file} (.npy, .h5/.hdf5 with thingsvision's {@code features} dataset, .txt, .tsv, .csv). */
  public static PrecomputedFeatures read(String modelId, String layer, Path file, ConceptList concepts) {
    return read(modelId, layer, file, null, concepts);
  }

  /**
   * Reads {@code file} and checks it has one row per concept.
   *
   * @param datasetPath the HDF5 dataset, e.g. {@code model/layer/features}; null for thingsvision's
   *     {@code features} (and for files that are not HDF5)
   */
  public static PrecomputedFeatures read(String modelId, String layer, Path file, String datasetPath,
      ConceptList concepts) {
    if (modelId == null || modelId.isBlank() || modelId.indexOf('|') >= 0) {
      throw new InvalidInputException("model id '" + modelId + "' must be non-empty and must not contain '|'");
    }
    if (layer == null || layer.isBlank() || layer.indexOf('|') >= 0) {
      throw new InvalidInputException("layer '" + layer + "' must be non-empty and must not contain '|'");
    }
    FeatureMatrix matrix = FeatureFiles.read(file, datasetPath);
    Instant modified;
    try {
      // computed_at is timestamp-millis: keep exactly what the record will carry.
      modified = Files.getLastModifiedTime(file).toInstant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    } catch (IOException e) {
      throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
    }
    String dataset = FeatureFiles.isHdf5(file) ? Hdf5FeatureReader.dataset(datasetPath) : null;
    return new PrecomputedFeatures(modelId, layer, file, dataset, matrix, concepts, fileDigest(file), modified);
  }

  public Setting setting() {
    return Setting.newBuilder()
        .setModelId(modelId)
        .setLayer(layer)
        .setNoiseLevel(0.0)
        .setTimestep(0)
        .setConditioning(Conditioning.NONE)
        .build();
  }

  public String settingKey() {
    return SettingKey.of(setting());
  }

  public String fileName() {
    return file.getFileName().toString();
  }

  /** Where the features come from: the file name, and for HDF5 the dataset ({@code f.hdf5:/model/layer}). */
  public String sourceName() {
    return datasetPath == null ? fileName() : fileName() + ":/" + datasetPath;
  }

  /** SHA-256 of the identity of this configuration: model id, layer and file name (with the HDF5 dataset). */
  public String configDigest() {
    return Digests.sha256Hex("model=" + modelId + "\nlayer=" + layer + "\nfile=" + sourceName());
  }

  /** SHA-256 of a file's bytes, read in chunks (feature files can be large). */
  static String fileDigest(Path file) {
    java.security.MessageDigest digest = Digests.newSha256();
    byte[] buffer = new byte[1 << 16];
    try (java.io.InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return Digests.hex(digest);
  }

  /** The record for concept row {@code row}. */
  public LayerEmbedding embedding(int row) {
    float[] values = matrix.row(row);
    List<Float> vector = new ArrayList<>(values.length);
    for (float v : values) {
      vector.add(v);
    }
    String item = concepts.id(row);
    return LayerEmbedding.newBuilder()
        .setSetting(setting())
        .setItemId(item)
        .setImageId(item)
        .setRequestId(null)
        .setVector(vector)
        .setDim(values.length)
        .setPooling("none")
        .setPrompt(null)
        .setSeed(0)
        .setLatent(null)
        .setResolution(0)
        .setConfigDigest(configDigest())
        .setWeightsDigest(weightsDigest)
        .setSource("file:" + sourceName())
        .setComputedAt(computedAt)
        .build();
  }
}
