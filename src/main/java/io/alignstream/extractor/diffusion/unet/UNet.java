package io.alignstream.extractor.diffusion.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.WeightStore;
import io.alignstream.extractor.diffusion.checkpoint.Weights;
import io.alignstream.extractor.nn.Kernels;
import io.alignstream.extractor.nn.Ops;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.nn.Pooling;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * diffusers' {@code UNet2DConditionModel} (0.30) for Stable Diffusion 1.x and 2.x: predicts the
 * noise in a latent at a timestep, conditioned on text encoder states, and records the output of
 * any of its modules on the way.
 *
 * <pre>{@code
 * try (UNet unet = UNet.load(PipelineFolder.open(dir), Placement.cpu());
 *      NDManager m = NDManager.newBaseManager()) {
 *   NDArray latents = ...;   // [B, 4, h, w], already noised
 *   NDArray text = ...;      // [B, 77, cross_attention_dim]
 *   List<Tap> layers = Taps.paper(unet.config());      // Down0..Down3, Mid, Up0..Up3
 *   UNetOutput out = unet.forward(latents, new float[] {500}, text, Taps.paths(layers), Pooling.MEAN);
 *   float[] down1 = out.get(layers.get(1)).row(0);     // [C] of batch entry 0
 *   UNetFlops flops = UNetFlops.of(unet.config(), 1, 64, 64, 77);
 * }
 * }</pre>
 *
 * <p>The forward reads like the architecture: one method per diffusers module type (a block's
 * plain and cross-attention variants share one), weights addressed by their checkpoint names
 * through {@link Weights} scopes, and each module hands its output to the {@link TapRecorder},
 * which ends the pass as soon as the deepest requested module has run. Every array a forward
 * creates lives in one sub-manager of the weight store that is closed before it returns; the
 * weights themselves are loaded once and never converted again. Forwards share nothing but the
 * read-only weights, so several threads may run them at once.
 */
public final class UNet implements AutoCloseable {

  private final UNetConfig config;
  private final WeightStore store;
  private final Weights root;

  private UNet(UNetConfig config, WeightStore store, Kernels kernels) {
    this.config = config;
    this.store = store;
    this.root = store.root().using(kernels);
  }

  /** Loads the {@code unet} component of a diffusers pipeline folder. */
  public static UNet load(PipelineFolder pipeline, Placement placement) {
    return load(pipeline.component("unet", "UNet2DConditionModel"), placement);
  }

  /**
   * Loads a UNet component folder: parses its config, checks every tensor name and shape in the
   * safetensors headers against what the config implies, then loads the weights.
   *
   * @throws CheckpointException for an unsupported config or a checkpoint that does not match it
   */
  public static UNet load(ComponentFolder folder, Placement placement) {
    UNetConfig config = UNetConfig.from(folder);
    UNetParameters.of(config).verify(ParameterLayout.inHeaders(folder.weightFiles()), folder);
    return new UNet(config, folder.loadWeights(placement), Kernels.configured());
  }

  /** Wraps an already loaded store (e.g. random weights for a benchmark); the UNet then owns it. */
  public static UNet of(UNetConfig config, WeightStore store) {
    java.util.Map<String, long[]> found = new java.util.LinkedHashMap<>();
    store.names().forEach(n -> found.put(n, store.shape(n)));
    UNetParameters.of(config).verify(found, store.source());
    return new UNet(config, store, Kernels.configured());
  }

  /**
   * The same UNet computing with other kernels (e.g. {@link Kernels#explicit()} as a reference).
   * The two share one weight store: closing either closes it.
   */
  public UNet using(Kernels kernels) {
    return new UNet(config, store, kernels);
  }

  /** The kernels the forward computes group norms, attention and memory layout with. */
  public Kernels kernels() {
    return root.kernels();
  }

  public UNetConfig config() {
    return config;
  }

  public Placement placement() {
    return store.placement();
  }

  /** The weight store (owned by the UNet), e.g. to count its live arrays. */
  public WeightStore weights() {
    return store;
  }

  /** See {@link WeightStore#weightsDigest()}. */
  public String weightsDigest() {
    return store.weightsDigest();
  }

  /** Number of parameters loaded. */
  public long parameters() {
    return store.loadedParameters();
  }

  /**
   * One forward pass that records the given modules and stops after the deepest of them.
   *
   * @param sample noisy latents [B, in_channels, h, w]; h and w multiples of 2^(levels-1)
   * @param timesteps one timestep for the whole batch, or one per batch entry
   * @param encoderHiddenStates text encoder last hidden states [B, M, cross_attention_dim]
   * @param taps module paths to record (see {@link Taps}); request {@code "out"} for the noise prediction
   * @param pooling how each recorded feature map is reduced
   * @throws IllegalArgumentException for inputs of the wrong shape or an unknown tap
   */
  public UNetOutput forward(
      NDArray sample, float[] timesteps, NDArray encoderHiddenStates, List<String> taps, Pooling pooling) {
    requireInputs(sample, timesteps, encoderHiddenStates);
    if (taps.isEmpty()) {
      throw new IllegalArgumentException("no taps requested: a forward that records nothing is wasted work");
    }
    Taps.requireValid(taps, config);
    TapRecorder recorder = new TapRecorder(taps, pooling);
    try (NDManager scope = store.manager().newSubManager()) {
      Pass pass = new Pass(scope, Ops.enter(encoderHiddenStates, scope, store.dtype()), recorder);
      try {
        pass.unet(root.kernels().layout(Ops.enter(sample, scope, store.dtype())), timesteps);
      } catch (TapRecorder.AllRecorded done) {
        // the deepest requested module has run: nothing below it is needed
      }
      return recorder.result();
    }
  }

  private void requireInputs(NDArray sample, float[] timesteps, NDArray context) {
    Shape s = sample.getShape();
    long f = config.downsamplingFactor();
    if (s.dimension() != 4 || s.get(1) != config.inChannels() || s.get(2) % f != 0 || s.get(3) % f != 0) {
      throw new IllegalArgumentException("sample must be [B, " + config.inChannels() + ", h, w] with h and w multiples of "
          + f + " (the UNet halves them " + (config.levels() - 1) + " times and must double back to the skips); got " + s);
    }
    long batch = s.get(0);
    if (timesteps.length != 1 && timesteps.length != batch) {
      throw new IllegalArgumentException(
          "need one timestep or one per batch entry (" + batch + "), got " + timesteps.length);
    }
    Shape c = context.getShape();
    int width = config.crossAttentionDims().get(0);
    if (c.dimension() != 3 || c.get(0) != batch || c.get(2) != width) {
      throw new IllegalArgumentException(
          "encoder hidden states must be [" + batch + ", tokens, " + width + "] to match the sample batch and "
              + "cross_attention_dim; got " + c);
    }
  }

  @Override
  public void close() {
    store.close();
  }

  @Override
  public String toString() {
    return "UNet " + config.blockOutChannels() + " of " + store.source();
  }

  /**
   * One forward pass: the conditioning shared by all blocks (time embedding, text states), the
   * tap recorder, and the blocks as methods. Shapes in comments use B = batch, C = channels of
   * the current level, H x W = its resolution, E = time embedding width, M = text tokens, T = 1
   * or B timesteps.
   */
  private final class Pass {

    private final NDManager scope;
    private final NDArray context; // encoder_hidden_states [B, M, Dc]
    private final TapRecorder taps;
    private final int groups = config.normNumGroups();
    private final float eps = (float) config.normEps();
    /** silu(time embedding) [T, E]: every ResnetBlock2D applies silu to temb before projecting it; done once here. */
    private NDArray tembAct;

    Pass(NDManager scope, NDArray context, TapRecorder taps) {
      this.scope = scope;
      this.context = context;
      this.taps = taps;
    }

    /** UNet2DConditionModel.forward. */
    void unet(NDArray sample, float[] timesteps) {
      if (config.centerInputSample()) {
        sample = sample.mul(2).sub(1); // [B, 4, H, W]
      }
      // 1. time: sinusoidal projection, then an MLP; shared by every resnet
      NDArray tProj = tap("time_proj", Ops.timestepEmbedding(scope, timesteps, config.blockOutChannels().get(0),
          config.flipSinToCos(), config.freqShift())); // [T] -> [T, C0]
      NDArray emb = timeEmbedding(root.scope("time_embedding"), tProj.toType(store.dtype(), false)); // [T, E]
      tembAct = Ops.silu(emb); // [T, E]

      // 2. conv_in
      NDArray h = tap("conv_in", root.conv2d(sample, "conv_in", 1, 1)); // [B, 4, H, W] -> [B, C0, H, W]

      // 3. down: every resnet/transformer output and every downsampled map is kept as a skip
      Deque<NDArray> skips = new ArrayDeque<>();
      skips.push(h); // skip [B, C0, H, W]: conv_in output, consumed last
      for (int i = 0; i < config.levels(); i++) {
        Weights block = root.scope("down_blocks." + i);
        // [B, C(i-1), H, W] -> [B, Ci, H/2, W/2] (the deepest block keeps its resolution)
        h = downBlock(block, i, h, skips);
      }

      // 4. mid
      h = midBlock(root.scope("mid_block"), h); // [B, Cn, H/2^(n-1), W/2^(n-1)]

      // 5. up: each resnet consumes the most recent skip (last in, first out)
      for (int i = 0; i < config.levels(); i++) {
        Weights block = root.scope("up_blocks." + i);
        // [B, C', H, W] -> [B, C, 2H, 2W] (the shallowest block keeps its resolution)
        h = upBlock(block, i, h, skips);
      }

      // 6. out: GroupNorm, SiLU, conv 3x3 to the predicted noise
      h = root.groupNormSilu(h, "conv_norm_out", groups, eps); // [B, C0, H, W]
      h = root.conv2d(h, "conv_out", 1, 1); // [B, C0, H, W] -> [B, 4, H, W]
      tap("out", h); // [B, 4, H, W]
    }

    /** TimestepEmbedding: linear_1, SiLU, linear_2. */
    private NDArray timeEmbedding(Weights w, NDArray tProj) {
      NDArray h = w.linear(tProj, "linear_1"); // [T, C0] -> [T, E]
      h = w.linear(Ops.silu(h), "linear_2"); // [T, E] -> [T, E]
      return tap(w, h); // [T, E]
    }

    /**
     * DownBlock2D, or CrossAttnDownBlock2D with a transformer after each resnet: every layer's
     * output is a skip; then a downsampler.
     */
    private NDArray downBlock(Weights w, int i, NDArray h, Deque<NDArray> skips) {
      float scale = (float) config.resnetOutScaleFactor();
      boolean attention = config.downHasAttention(i);
      for (int j = 0; j < config.layersPerBlock().get(i); j++) {
        h = resnet(w.scope("resnets." + j), h, scale); // [B, Cin, H, W] -> [B, C, H, W]
        if (attention) {
          h = transformer2d(w.scope("attentions." + j), h, config.downHeads(i),
              config.transformerLayersPerBlock().get(i)); // [B, C, H, W]
        }
        skips.push(h); // skip [B, C, H, W]
      }
      if (config.downHasDownsampler(i)) {
        h = downsample(w.scope("downsamplers.0"), h); // [B, C, H, W] -> [B, C, H/2, W/2]
        skips.push(h); // skip [B, C, H/2, W/2]
      }
      return tap(w, h); // [B, C, H/2, W/2]
    }

    /** UNetMidBlock2DCrossAttn: resnet, transformer, resnet at the deepest resolution. */
    private NDArray midBlock(Weights w, NDArray h) {
      float scale = (float) config.midBlockScaleFactor();
      int layers = config.transformerLayersPerBlock().get(config.levels() - 1);
      h = resnet(w.scope("resnets.0"), h, scale); // [B, C, H, W]
      h = transformer2d(w.scope("attentions.0"), h, config.midHeads(), layers); // [B, C, H, W]
      h = resnet(w.scope("resnets.1"), h, scale); // [B, C, H, W]
      return tap(w, h); // [B, C, H, W]
    }

    /**
     * UpBlock2D, or CrossAttnUpBlock2D with a transformer after each resnet: per layer, the latest
     * skip is concatenated on channels first; then an upsampler.
     */
    private NDArray upBlock(Weights w, int i, NDArray h, Deque<NDArray> skips) {
      float scale = (float) config.resnetOutScaleFactor();
      boolean attention = config.upHasAttention(i);
      int layers = config.transformerLayersPerBlock().get(config.upLevel(i));
      for (int j = 0; j < config.upResnets(i); j++) {
        h = NDArrays.concat(new NDList(h, skips.pop()), 1); // [B, Cprev, H, W] ++ [B, Cskip, H, W] -> [B, Cprev+Cskip, H, W]
        h = resnet(w.scope("resnets." + j), h, scale); // -> [B, C, H, W]
        if (attention) {
          h = transformer2d(w.scope("attentions." + j), h, config.upHeads(i), layers); // [B, C, H, W]
        }
      }
      if (config.upHasUpsampler(i)) {
        h = upsample(w.scope("upsamplers.0"), h); // [B, C, H, W] -> [B, C, 2H, 2W]
      }
      return tap(w, h); // [B, C, 2H, 2W]
    }

    /**
     * ResnetBlock2D (pre-norm, time embedding added after the first conv): out = (shortcut(x) +
     * conv2(silu(norm2(conv1(silu(norm1(x))) + proj(silu(temb)))))) / output_scale_factor.
     * Dropout is the identity at inference.
     */
    private NDArray resnet(Weights w, NDArray x, float outputScale) {
      NDArray h = w.groupNormSilu(x, "norm1", groups, eps); // [B, Cin, H, W]
      h = w.conv2d(h, "conv1", 1, 1); // [B, Cin, H, W] -> [B, C, H, W]
      NDArray t = w.linear(tembAct, "time_emb_proj"); // [T, E] -> [T, C]
      h = h.add(t.reshape(t.getShape().get(0), -1, 1, 1)); // [B, C, H, W] + [T, C, 1, 1] (broadcast over positions)
      h = w.groupNormSilu(h, "norm2", groups, eps); // [B, C, H, W]
      h = w.conv2d(h, "conv2", 1, 1); // [B, C, H, W] -> [B, C, H, W]
      // a 1x1 conv adapts the residual where the channel count changes
      NDArray residual = w.has("conv_shortcut.weight") ? w.conv2d(x, "conv_shortcut", 1, 0) : x; // [B, C, H, W]
      NDArray out = residual.add(h); // [B, C, H, W]
      return tap(w, outputScale == 1f ? out : out.div(outputScale)); // [B, C, H, W]
    }

    /**
     * Transformer2DModel: GroupNorm (eps 1e-6), proj_in, BasicTransformerBlocks over the H*W
     * positions as tokens, proj_out, plus the input. SD 2.x projects with Linear over tokens
     * (use_linear_projection), SD 1.x with 1x1 convs over the map: the same matrix, applied
     * before rather than after flattening.
     *
     * @param heads the level's attention_head_dim entry, which diffusers uses as the number of
     *     heads (see {@link UNetConfig#from}); each head is C / heads wide
     */
    private NDArray transformer2d(Weights w, NDArray x, int heads, int layers) {
      Shape s = x.getShape();
      long batch = s.get(0);
      long channels = s.get(1);
      long height = s.get(2);
      long width = s.get(3);
      NDArray h = w.groupNorm(x, "norm", groups, UNetConfig.TRANSFORMER_NORM_EPS); // [B, C, H, W]
      if (config.useLinearProjection()) {
        h = h.transpose(0, 2, 3, 1).reshape(batch, height * width, channels); // [B, C, H, W] -> [B, H*W, C]
        h = w.linear(h, "proj_in"); // [B, H*W, C] -> [B, H*W, C]
      } else {
        h = w.conv2d(h, "proj_in", 1, 0); // [B, C, H, W] -> [B, C, H, W]
        h = h.transpose(0, 2, 3, 1).reshape(batch, height * width, channels); // -> [B, H*W, C]
      }
      for (int k = 0; k < layers; k++) {
        h = basicTransformerBlock(w.scope("transformer_blocks." + k), h, heads); // [B, H*W, C]
      }
      if (config.useLinearProjection()) {
        h = w.linear(h, "proj_out"); // [B, H*W, C] -> [B, H*W, C]
        h = h.reshape(batch, height, width, channels).transpose(0, 3, 1, 2); // -> [B, H, W, C] -> [B, C, H, W]
      } else {
        h = h.reshape(batch, height, width, channels).transpose(0, 3, 1, 2); // [B, H*W, C] -> [B, C, H, W]
        h = w.conv2d(h, "proj_out", 1, 0); // [B, C, H, W] -> [B, C, H, W]
      }
      // residual first: the sum takes the layout of its first operand, x's contiguous NCHW rather
      // than h's permuted view, so the next block's reshapes stay free
      return tap(w, x.add(h)); // [B, C, H, W]
    }

    /**
     * BasicTransformerBlock (pre-LayerNorm): self-attention over positions, cross-attention from
     * positions to text tokens, GEGLU feed-forward; each added to its input.
     */
    private NDArray basicTransformerBlock(Weights w, NDArray x, int heads) {
      float lnEps = UNetConfig.TRANSFORMER_BLOCK_NORM_EPS;
      NDArray n1 = w.layerNorm(x, "norm1", lnEps); // [B, N, C]
      x = x.add(w.scope("attn1").attention(n1, null, heads)); // [B, N, C] attends to itself
      NDArray n2 = w.layerNorm(x, "norm2", lnEps); // [B, N, C]
      x = x.add(w.scope("attn2").attention(n2, context, heads)); // [B, N, C] attends to [B, M, Dc]
      NDArray n3 = w.layerNorm(x, "norm3", lnEps); // [B, N, C]
      return x.add(feedForward(w.scope("ff"), n3)); // [B, N, C]
    }

    /** FeedForward with GEGLU: net.0.proj to 2 x 4C, value * gelu(gate), net.2 back to C. */
    private NDArray feedForward(Weights w, NDArray x) {
      NDList halves = w.linear(x, "net.0.proj").split(2, 2); // [B, N, C] -> [B, N, 8C] -> 2 x [B, N, 4C]
      NDArray gated = halves.get(0).mul(Ops.gelu(halves.get(1))); // [B, N, 4C]
      return w.linear(gated, "net.2"); // [B, N, 4C] -> [B, N, C]
    }

    /**
     * Downsample2D: 3x3 conv with stride 2. With downsample_padding 0 diffusers pads one zero row
     * and column at the bottom/right instead of one on every side.
     */
    private NDArray downsample(Weights w, NDArray x) {
      NDArray h = config.downsamplePadding() == 0
          ? w.conv2d(w.kernels().padRightBottom(x), "conv", 2, 0) // [B, C, H+1, W+1] -> [B, C, H/2, W/2]
          : w.conv2d(x, "conv", 2, 1); // [B, C, H, W] -> [B, C, H/2, W/2]
      return tap(w, h); // [B, C, H/2, W/2]
    }

    /** Upsample2D: nearest-neighbour 2x, then a 3x3 conv. */
    private NDArray upsample(Weights w, NDArray x) {
      NDArray h = w.kernels().upsample2x(x); // [B, C, H, W] -> [B, C, 2H, 2W]
      return tap(w, w.conv2d(h, "conv", 1, 1)); // [B, C, 2H, 2W]
    }

    private NDArray tap(Weights module, NDArray x) {
      return taps.record(module.modulePath(), x);
    }

    private NDArray tap(String path, NDArray x) {
      return taps.record(path, x);
    }
  }
}
