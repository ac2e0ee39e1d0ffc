package io.alignstream.extractor.diffusion;

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
 * Every parameter (checkpoint name, shape, and how it is initialised) diffusers/transformers
 * create for the SD model classes, derived from their parsed configs the way their constructors
 * derive module widths, in module order. The one description of each architecture's tensors:
 * used to check a checkpoint against its config before any weight is loaded ({@link #verify}),
 * to count parameters, and to write or draw complete random checkpoints ({@link TinyPipeline},
 * {@link RandomWeights}); the tiny-sd2 fixture's safetensors headers check it.
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
     * from ({@link TinyPipeline}, {@link RandomWeights}): 1/sqrt(fan-in) for weights, so every
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

  /** ResnetBlock2D; {@code temb} 0 for the VAE (no time embedding projection). */
  private void resnet(String p, long in, long out, long temb) {
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

  /** The VAE mid block's Attention (group norm, biased q/k/v/out). */
  private void vaeAttention(String p, long c) {
    norm(p + ".group_norm", c);
    linear(p + ".to_q", c, c, true);
    linear(p + ".to_k", c, c, true);
    linear(p + ".to_v", c, c, true);
    linear(p + ".to_out.0", c, c, true);
  }

  /** Transformer2DModel of {@code blocks} BasicTransformerBlocks (inner width = channels). */
  private void transformer(String p, long c, int blocks, long crossDim, boolean linearProjection) {
    norm(p + ".norm", c);
    projection(p + ".proj_in", c, linearProjection);
    for (int k = 0; k < blocks; k++) {
      String b = p + ".transformer_blocks." + k;
      norm(b + ".norm1", c);
      attention(b + ".attn1", c, c);
      norm(b + ".norm2", c);
      attention(b + ".attn2", c, crossDim);
      norm(b + ".norm3", c);
      long inner = UNetConfig.FF_MULT * c;
      linear(b + ".ff.net.0.proj", 2 * inner, c, true); // GEGLU: value and gate halves
      linear(b + ".ff.net.2", c, inner, true);
    }
    projection(p + ".proj_out", c, linearProjection);
  }

  /** proj_in/proj_out: Linear over tokens (SD 2.x) or a 1x1 conv over the map (SD 1.x). */
  private void projection(String name, long c, boolean linear) {
    if (linear) {
      linear(name, c, c, true);
    } else {
      conv(name, c, c, 1);
    }
  }

  /** A BasicTransformerBlock's Attention: unbiased q/k/v (k and v from the context), biased out. */
  private void attention(String p, long dim, long contextDim) {
    linear(p + ".to_q", dim, dim, false);
    linear(p + ".to_k", dim, contextDim, false);
    linear(p + ".to_v", dim, contextDim, false);
    linear(p + ".to_out.0", dim, dim, true);
  }

  // ---- models ----------------------------------------------------------------------------

  /**
   * UNet2DConditionModel with CrossAttnDownBlock2D/DownBlock2D, UNetMidBlock2DCrossAttn and
   * UpBlock2D/CrossAttnUpBlock2D and a positional time embedding, as its __init__ builds it.
   */
  public static ParameterLayout unet(UNetConfig c) {
    ParameterLayout l = new ParameterLayout();
    long temb = c.timeEmbedDim();
    List<UNetConfig.Module> modules = c.modules();
    // diffusers registers conv_in before the time embedding; random checkpoints draw their
    // values in this order, so it is kept
    modules.stream().filter(m -> m.kind() == UNetConfig.ModuleKind.CONV_IN)
        .forEach(m -> l.conv(m.path(), m.outChannels(), m.inChannels(), 3));
    for (UNetConfig.Module m : modules) {
      String p = m.path();
      switch (m.kind()) {
        case TIME_EMBEDDING -> {
          l.linear(p + ".linear_1", m.outChannels(), m.inChannels(), true);
          l.linear(p + ".linear_2", m.outChannels(), m.outChannels(), true);
        }
        case RESNET -> l.resnet(p, m.inChannels(), m.outChannels(), temb);
        case TRANSFORMER -> l.transformer(p, m.outChannels(), m.transformerLayers(), m.crossAttentionDim(),
            c.useLinearProjection());
        case DOWNSAMPLER, UPSAMPLER -> l.conv(p + ".conv", m.outChannels(), m.inChannels(), 3);
        case OUT -> {
          l.norm("conv_norm_out", m.inChannels());
          l.conv("conv_out", m.outChannels(), m.inChannels(), 3);
        }
        case TIME_PROJ, CONV_IN, BLOCK -> { } // no weights, or added above
      }
    }
    return l;
  }

  /** AutoencoderKL: encoder, quant convs and decoder (the decoder so the folder is complete). */
  public static ParameterLayout autoencoderKl(VaeConfig c) {
    ParameterLayout l = new ParameterLayout();
    int inChannels = c.inChannels();
    int latentChannels = c.latentChannels();
    List<Integer> blockOut = c.blockOutChannels();
    int layersPerBlock = c.layersPerBlock();
    int n = blockOut.size();
    long last = blockOut.get(n - 1);
    l.conv("encoder.conv_in", blockOut.get(0), inChannels, 3);
    long out = blockOut.get(0);
    for (int i = 0; i < n; i++) {
      long in = out;
      out = blockOut.get(i);
      for (int j = 0; j < layersPerBlock; j++) {
        l.resnet("encoder.down_blocks." + i + ".resnets." + j, j == 0 ? in : out, out, 0);
      }
      if (i < n - 1) {
        l.conv("encoder.down_blocks." + i + ".downsamplers.0.conv", out, out, 3);
      }
    }
    l.vaeMid("encoder.mid_block", last);
    l.norm("encoder.conv_norm_out", last);
    l.conv("encoder.conv_out", 2L * latentChannels, last, 3);
    if (c.useQuantConv()) {
      l.conv("quant_conv", 2L * latentChannels, 2L * latentChannels, 1);
    }
    if (c.usePostQuantConv()) {
      l.conv("post_quant_conv", latentChannels, latentChannels, 1);
    }
    l.conv("decoder.conv_in", last, latentChannels, 3);
    l.vaeMid("decoder.mid_block", last);
    long upOut = last;
    for (int i = 0; i < n; i++) {
      long prev = upOut;
      upOut = blockOut.get(n - 1 - i);
      for (int j = 0; j <= layersPerBlock; j++) {
        l.resnet("decoder.up_blocks." + i + ".resnets." + j, j == 0 ? prev : upOut, upOut, 0);
      }
      if (i < n - 1) {
        l.conv("decoder.up_blocks." + i + ".upsamplers.0.conv", upOut, upOut, 3);
      }
    }
    l.norm("decoder.conv_norm_out", blockOut.get(0));
    l.conv("decoder.conv_out", c.outChannels(), blockOut.get(0), 3);
    return l;
  }

  private void vaeMid(String p, long c) {
    resnet(p + ".resnets.0", c, c, 0);
    vaeAttention(p + ".attentions.0", c);
    resnet(p + ".resnets.1", c, c, 0);
  }

  /** transformers CLIPTextModel ({@code text_model.*}). */
  public static ParameterLayout clipText(ClipTextConfig c) {
    ParameterLayout l = new ParameterLayout();
    long h = c.hiddenSize();
    l.add("text_model.embeddings.token_embedding.weight", Kind.EMBEDDING, c.vocabSize(), h);
    l.add("text_model.embeddings.position_embedding.weight", Kind.EMBEDDING, c.maxPositions(), h);
    for (int i = 0; i < c.layers(); i++) {
      String p = "text_model.encoder.layers." + i;
      l.norm(p + ".layer_norm1", h);
      l.linear(p + ".self_attn.q_proj", h, h, true);
      l.linear(p + ".self_attn.k_proj", h, h, true);
      l.linear(p + ".self_attn.v_proj", h, h, true);
      l.linear(p + ".self_attn.out_proj", h, h, true);
      l.norm(p + ".layer_norm2", h);
      l.linear(p + ".mlp.fc1", c.intermediateSize(), h, true);
      l.linear(p + ".mlp.fc2", h, c.intermediateSize(), true);
    }
    l.norm("text_model.final_layer_norm", h);
    return l;
  }
}
