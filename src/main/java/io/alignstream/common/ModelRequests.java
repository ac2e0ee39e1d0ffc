package io.alignstream.common;

import io.alignstream.schema.Conditioning;
import io.alignstream.schema.ModelRequest;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The rules of a {@link ModelRequest}, in one place for the {@code produce model} command that
 * writes requests and the fleet that reads them: what a valid request is, and which requests
 * ask for the same evaluation.
 *
 * <p>Two requests ask for the same evaluation when they name the same model reference, model
 * id, taps, pooling, noise levels, conditionings and dtype (lists compared as sets); who asked
 * and when do not count. Equal evaluations have equal keys and share one consumer group, whose
 * committed offsets on the requests topic say how far that evaluation has come: that is what
 * makes a repeated request a no-op (see {@code extractor.FleetService}).
 */
public final class ModelRequests {

  private ModelRequests() {}

  /** A validated request with its lists in canonical order (sorted, without duplicates). */
  public static ModelRequest create(String model, String modelId, String taps, String pooling,
      List<Double> noiseLevels, List<Conditioning> conditionings, String dtype, String requestedBy, Instant at) {
    ModelRequest request = ModelRequest.newBuilder()
        .setModel(model)
        .setModelId(modelId)
        .setTaps(taps)
        .setPooling(pooling)
        .setNoiseLevels(noiseLevels.stream().distinct().sorted().toList())
        .setConditionings(conditionings.stream().distinct().sorted().toList())
        .setDtype(dtype)
        .setRequestedBy(requestedBy)
        .setRequestedAt(at)
        .build();
    validate(request);
    return request;
  }

  /**
   * Checks what can be checked without loading the model; taps, pooling and dtype are checked by
   * the model when a fleet instance loads it (an unusable one is dead-lettered with the reason).
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static void validate(ModelRequest request) {
    if (request.getModel().isBlank()) {
      throw new IllegalArgumentException("model request names no model");
    }
    if (request.getModelId() != null) {
      SettingKey.of(request.getModelId(), "layer", 0, Conditioning.NONE); // the id's rules, as settings apply them
    }
    if (request.getTaps().isBlank() || request.getPooling().isBlank() || request.getDtype().isBlank()) {
      throw new IllegalArgumentException("model request for " + request.getModel()
          + " has an empty taps, pooling or dtype (their defaults: default, default, float32)");
    }
    for (double s : request.getNoiseLevels()) {
      if (!(s >= 0 && s <= 1)) {
        throw new IllegalArgumentException("noise level " + s + " of the model request for " + request.getModel()
            + " is outside [0, 1]");
      }
    }
  }

  /**
   * The canonical text the evaluation digest is taken over, e.g.
   * {@code model=tiny;model_id=;taps=default;pooling=mean;noise_levels=;conditionings=;dtype=float32}.
   */
  public static String canonicalString(ModelRequest request) {
    return "model=" + request.getModel()
        + ";model_id=" + (request.getModelId() == null ? "" : request.getModelId())
        + ";taps=" + request.getTaps().strip()
        + ";pooling=" + request.getPooling().strip()
        + ";noise_levels=" + request.getNoiseLevels().stream().distinct().sorted().map(SettingKey::formatNoise)
            .collect(Collectors.joining(","))
        + ";conditionings=" + request.getConditionings().stream().distinct().sorted().map(Enum::name)
            .collect(Collectors.joining(","))
        + ";dtype=" + request.getDtype().strip();
  }

  /**
   * The model as {@code extract --model} takes it: a {@code file:} URI becomes the path it names;
   * anything else (pixels, tiny, a path, a hub id) is passed on as written.
   *
   * @throws IllegalArgumentException for a malformed {@code file:} URI
   */
  public static String modelArgument(ModelRequest request) {
    String model = request.getModel();
    return model.startsWith("file:") ? Path.of(URI.create(model)).toString() : model;
  }

  /** The record key: the model id (else the reference) + '@' + the first 16 hex of the evaluation digest. */
  public static String evaluationKey(ModelRequest request) {
    return name(request) + "@" + digest(request);
  }

  /**
   * The consumer group every fleet instance evaluating this request joins on the requests topic:
   * {@code alignstream-fleet-<model id or reference, as a plain name>-<digest>}.
   */
  public static String groupId(ModelRequest request) {
    return "alignstream-fleet-" + name(request).replaceAll("[^A-Za-z0-9._-]+", "_") + "-" + digest(request);
  }

  private static String name(ModelRequest request) {
    return request.getModelId() != null ? request.getModelId() : request.getModel();
  }

  private static String digest(ModelRequest request) {
    return Digests.sha256Hex(canonicalString(request)).substring(0, 16);
  }
}
