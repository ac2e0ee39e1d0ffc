package io.alignstream.extractor.diffusion.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every parameter (checkpoint name, shape, and how it is initialised) a model class creates, in
 * module order: what each architecture's {@code *Parameters} class derives from its parsed config
 * the way diffusers'/transformers' constructors derive module widths (UNetParameters,
 * VaeParameters, ClipTextParameters, Sd3Parameters). The one description of an architecture's
 * tensors: used to check a checkpoint against its config before any weight is loaded
 * ({@link #verify}), to count parameters, and to write or draw complete random checkpoints.
 */
public final class ParameterLayout {

  private static final Logger LOG = LoggerFactory.getLogger(ParameterLayout.class);
  /** Biases of a random checkpoint: small, but non-zero so that their paths matter. */
  private static final double BIAS_STD = 0.02;

  /** How a parameter is initialised when written with random values. */
  public enum Kind {
    /** linear or convolution weight: fan-in scaled gaussian */
    WEIGHT,
    /** linear or convolution bias */
    BIAS,
    /** normalisation scale (1) */
    NORM_WEIGHT,
    /** normalisation shift (0) */
    NORM_BIAS,
    /** embedding table */
    EMBEDDING
  }

  /** One parameter. */
  public record Param(String name, long[] shape, Kind kind) {
    public Param {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** Number of elements. */
    public long size() {
      return Arrays.stream(shape).reduce(1, Math::multiplyExact);
    }

    /**
     * The standard deviation of the zero-mean gaussian a random checkpoint draws this parameter
     * : 1/sqrt(fan-in) for weights, so every
     * layer keeps unit-scale activations; 0.02 for biases; 1 for embeddings, so prompts stay
     * distinguishable. Norms are not drawn: they start at scale 1, shift 0.
     */
    public double initStd() {
      switch (kind) {
        case WEIGHT:
          long fanIn = size() / shape[0];
          return 1.0 / Math.sqrt(fanIn);
        case BIAS:
          return BIAS_STD;
        case EMBEDDING:
          return 1.0;
        default:
          throw new IllegalStateException(name + " is a norm parameter: it starts at a constant, not drawn");
      }
    }
  }

  private final List<Param> params = new ArrayList<>();

  /** An empty layout, for the architectures of other packages to describe with the building blocks below. */
  public ParameterLayout() {}

  public List<Param> params() {
    return Collections.unmodifiableList(params);
  }

  /** Name -> shape of every parameter, in module order. */
  public Map<String, long[]> shapes() {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    params.forEach(p -> shapes.put(p.name(), p.shape()));
    return Collections.unmodifiableMap(shapes);
  }

  /** Total number of parameters (elements). */
  public long count() {
    return params.stream().mapToLong(Param::size).sum();
  }

  /**
   * Checks the tensors found in a checkpoint's headers against this layout.
   *
   * @param source how the message names the checkpoint
   * @throws CheckpointException naming the first missing or mis-shaped tensors; tensors the
   *     layout does not use are only logged (diffusers ignores them as well)
   */
  public void verify(Map<String, long[]> found, Object source) {
    Map<String, long[]> expected = shapes();
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      long[] f = found.get(e.getKey());
      if (f == null) {
        missing.add(e.getKey());
      } else if (!Arrays.equals(f, e.getValue())) {
        throw new CheckpointException("tensor '" + e.getKey() + "' in " + source + " has shape " + Arrays.toString(f)
            + ", but its config implies " + Arrays.toString(e.getValue()));
      }
    }
    if (!missing.isEmpty()) {
      throw new CheckpointException(source + " lacks " + missing.size() + " tensors its config implies, e.g. "
          + missing.subList(0, Math.min(5, missing.size())));
    }
    List<String> unused = found.keySet().stream().filter(n -> !expected.containsKey(n)).toList();
    if (!unused.isEmpty()) {
      LOG.warn("{} holds {} tensors its config does not use, e.g. {}", source, unused.size(),
          unused.subList(0, Math.min(5, unused.size())));
    }
  }

  /** The name -> shape map of a component's safetensors headers (no tensor data is read). */
  public static Map<String, long[]> inHeaders(List<Path> files) {
    Map<String, long[]> found = new LinkedHashMap<>();
    for (Path f : files) {
      try (SafetensorsFile st = SafetensorsFile.open(f)) {
        st.tensors().values().forEach(info -> found.put(info.name(), info.dims()));
      }
    }
    return found;
  }

  // ---- building blocks (public so that other model packages describe their tensors here too) ----

  /** One parameter. */
  public void add(String name, Kind kind, long... shape) {
    params.add(new Param(name, shape, kind));
  }

  /** torch.nn.Linear: weight [out, in], optional bias [out]. */
  public void linear(String name, long out, long in, boolean bias) {
    add(name + ".weight", Kind.WEIGHT, out, in);
    if (bias) {
      add(name + ".bias", Kind.BIAS, out);
    }
  }

  /** torch.nn.Conv2d with bias: weight [out, in, kernel, kernel]. */
  public void conv(String name, long out, long in, long kernel) {
    add(name + ".weight", Kind.WEIGHT, out, in, kernel, kernel);
    add(name + ".bias", Kind.BIAS, out);
  }

  /** A norm's scale and shift [channels]. */
  public void norm(String name, long channels) {
    add(name + ".weight", Kind.NORM_WEIGHT, channels);
    add(name + ".bias", Kind.NORM_BIAS, channels);
  }

  /** diffusers' ResnetBlock2D; {@code temb} 0 for the VAE (no time embedding projection). */
  public void resnet(String p, long in, long out, long temb) {
    norm(p + ".norm1", in);
    conv(p + ".conv1", out, in, 3);
    if (temb > 0) {
      linear(p + ".time_emb_proj", out, temb, true);
    }
    norm(p + ".norm2", out);
    conv(p + ".conv2", out, out, 3);
    if (in != out) {
      conv(p + ".conv_shortcut", out, in, 1);
    }
  }
}
