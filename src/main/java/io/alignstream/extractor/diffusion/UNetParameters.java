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
 * The parameters a {@link UNetConfig} implies, by checkpoint name and shape, exactly as diffusers'
 * UNet2DConditionModel would create them. Used to check a checkpoint against its config before
 * any weight is loaded (a mismatch names the tensor and both shapes), to count parameters, and
 * to write random-weight checkpoints of a real architecture for benchmarks.
 */
public final class UNetParameters {

  private static final Logger LOG = LoggerFactory.getLogger(UNetParameters.class);

  private final UNetConfig c;
  private final Map<String, long[]> shapes = new LinkedHashMap<>();

  private UNetParameters(UNetConfig config) {
    this.c = config;
  }

  /** Name -> shape of every parameter, in module order. */
  public static Map<String, long[]> of(UNetConfig config) {
    UNetParameters p = new UNetParameters(config);
    p.unet();
    return Collections.unmodifiableMap(p.shapes);
  }

  /** Total number of parameters (elements). */
  public static long count(UNetConfig config) {
    return of(config).values().stream().mapToLong(s -> Arrays.stream(s).reduce(1, Math::multiplyExact)).sum();
  }

  /**
   * Checks the tensors found in a checkpoint's headers against the config's expectation.
   *
   * @throws CheckpointException naming the first missing or mis-shaped tensors; tensors the
   *     config does not use are only logged (diffusers ignores them as well)
   */
  public static void verify(UNetConfig config, Map<String, long[]> found, Object source) {
    Map<String, long[]> expected = of(config);
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

  // ---- the module tree, one method per module type, as UNet2DConditionModel.__init__ builds it ----

  private void unet() {
    int c0 = c.blockOutChannels().get(0);
    linear("time_embedding.linear_1", c0, c.timeEmbedDim(), true);
    linear("time_embedding.linear_2", c.timeEmbedDim(), c.timeEmbedDim(), true);
    conv("conv_in", c.inChannels(), c0, 3);
    for (int i = 0; i < c.levels(); i++) {
      String b = "down_blocks." + i;
      int out = c.downOutChannels(i);
      for (int j = 0; j < c.layersPerBlock().get(i); j++) {
        resnet(b + ".resnets." + j, j == 0 ? c.downInChannels(i) : out, out);
        if (c.downHasAttention(i)) {
          transformer2d(b + ".attentions." + j, out, c.transformerLayersPerBlock().get(i), c.crossAttentionDims().get(i));
        }
      }
      if (c.downHasDownsampler(i)) {
        conv(b + ".downsamplers.0.conv", out, out, 3);
      }
    }
    int mid = c.midChannels();
    resnet("mid_block.resnets.0", mid, mid);
    transformer2d("mid_block.attentions.0", mid, c.transformerLayersPerBlock().get(c.levels() - 1),
        c.crossAttentionDims().get(c.levels() - 1));
    resnet("mid_block.resnets.1", mid, mid);
    for (int i = 0; i < c.levels(); i++) {
      String b = "up_blocks." + i;
      int out = c.upOutChannels(i);
      int level = c.upLevel(i);
      for (int j = 0; j < c.upResnets(i); j++) {
        resnet(b + ".resnets." + j, c.upResnetInChannels(i, j) + c.upSkipChannels(i, j), out);
        if (c.upHasAttention(i)) {
          transformer2d(b + ".attentions." + j, out, c.transformerLayersPerBlock().get(level),
              c.crossAttentionDims().get(level));
        }
      }
      if (c.upHasUpsampler(i)) {
        conv(b + ".upsamplers.0.conv", out, out, 3);
      }
    }
    norm("conv_norm_out", c0);
    conv("conv_out", c0, c.outChannels(), 3);
  }

  private void resnet(String path, int in, int out) {
    norm(path + ".norm1", in);
    conv(path + ".conv1", in, out, 3);
    linear(path + ".time_emb_proj", c.timeEmbedDim(), out, true);
    norm(path + ".norm2", out);
    conv(path + ".conv2", out, out, 3);
    if (in != out) {
      conv(path + ".conv_shortcut", in, out, 1);
    }
  }

  private void transformer2d(String path, int channels, int layers, int crossDim) {
    norm(path + ".norm", channels);
    projection(path + ".proj_in", channels);
    for (int k = 0; k < layers; k++) {
      basicTransformerBlock(path + ".transformer_blocks." + k, channels, crossDim);
    }
    projection(path + ".proj_out", channels);
  }

  private void projection(String path, int channels) {
    if (c.useLinearProjection()) {
      linear(path, channels, channels, true);
    } else {
      conv(path, channels, channels, 1);
    }
  }

  private void basicTransformerBlock(String path, int dim, int crossDim) {
    norm(path + ".norm1", dim);
    attention(path + ".attn1", dim, dim);
    norm(path + ".norm2", dim);
    attention(path + ".attn2", dim, crossDim);
    norm(path + ".norm3", dim);
    int inner = UNetConfig.FF_MULT * dim;
    linear(path + ".ff.net.0.proj", dim, 2 * inner, true); // GEGLU: value and gate halves
    linear(path + ".ff.net.2", inner, dim, true);
  }

  private void attention(String path, int dim, int contextDim) {
    linear(path + ".to_q", dim, dim, false);
    linear(path + ".to_k", contextDim, dim, false);
    linear(path + ".to_v", contextDim, dim, false);
    linear(path + ".to_out.0", dim, dim, true);
  }

  private void conv(String path, int in, int out, int kernel) {
    shapes.put(path + ".weight", new long[] {out, in, kernel, kernel});
    shapes.put(path + ".bias", new long[] {out});
  }

  private void linear(String path, int in, int out, boolean bias) {
    shapes.put(path + ".weight", new long[] {out, in});
    if (bias) {
      shapes.put(path + ".bias", new long[] {out});
    }
  }

  private void norm(String path, int channels) {
    shapes.put(path + ".weight", new long[] {channels});
    shapes.put(path + ".bias", new long[] {channels});
  }
}
