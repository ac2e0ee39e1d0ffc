package io.alignstream.extractor.sd3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import io.alignstream.extractor.diffusion.checkpoint.WeightStore;
import io.alignstream.extractor.diffusion.checkpoint.Weights;
import io.alignstream.extractor.diffusion.unet.TapRecorder;
import io.alignstream.extractor.diffusion.unet.UNetOutput;
import io.alignstream.extractor.nn.Kernels;
import io.alignstream.extractor.nn.Ops;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.nn.Pooling;
import java.util.List;

/**
 * diffusers' {@code SD3Transformer2DModel} (0.30), the MMDiT of Stable Diffusion 3: predicts the
 * flow velocity of a latent at a timestep, conditioned on text states and a pooled text vector,
 * and records the output of any block on the way (see {@link Sd3TransformerConfig#modulePaths}).
 *
 * <p>The forward reads like the module tree: patch embedding with the centre-cropped sin-cos
 * position table, timestep + pooled-text embedding, context embedder, joint blocks (adaLN-Zero
 * modulation, one attention over image and text tokens together, separate MLPs per stream; the
 * last block keeps only the image stream), then the output norm, projection and unpatchify.
 * Weights are addressed by their checkpoint names through {@link Weights} scopes; every array a
 * forward creates lives in a sub-manager closed before it returns, and the pass stops as soon as
 * the deepest requested tap is recorded. Forwards share only the read-only weights.
 */
public final class Sd3Transformer implements AutoCloseable {

  private final Sd3TransformerConfig config;
  private final WeightStore store;
  private final Weights root;
  /** The sin-cos position table [M*M, D] when the checkpoint lacks it (random weights); else null. */
  private final NDArray computedPositions;

  private Sd3Transformer(Sd3TransformerConfig config, WeightStore store, Kernels kernels, NDArray computedPositions) {
    this.config = config;
    this.store = store;
    this.root = store.root().using(kernels);
    this.computedPositions = computedPositions;
  }

  /**
   * Loads a {@code transformer/} component: parses its config, checks every tensor name and
   * shape in the safetensors headers against it, then loads the weights.
   *
   * @throws CheckpointException for an unsupported config or a checkpoint that does not match it
   */
  public static Sd3Transformer load(ComponentFolder folder, Placement placement) {
    Sd3TransformerConfig config = Sd3TransformerConfig.parse(folder.configReader());
    Sd3Parameters.transformer(config).verify(ParameterLayout.inHeaders(folder.weightFiles()), folder);
    return of(config, folder.loadWeights(placement));
  }

  /** Wraps an already loaded store (e.g. random weights); the transformer then owns it. */
  public static Sd3Transformer of(Sd3TransformerConfig config, WeightStore store) {
    long m = config.posEmbedMaxSize();
    NDArray computed = null;
    if (store.contains(Sd3Parameters.POS_EMBED_TABLE)) {
      store.get(Sd3Parameters.POS_EMBED_TABLE, 1, m * m, config.innerDim());
    } else {
      computed = store.manager().create(sincosTable(config), new Shape(m * m, config.innerDim()))
          .toType(store.dtype(), false);
    }
    return new Sd3Transformer(config, store, Kernels.configured(), computed);
  }

  /** The same transformer computing with other kernels; the two share the weight store (closing either closes it). */
  public Sd3Transformer using(Kernels kernels) {
    return new Sd3Transformer(config, store, kernels, computedPositions);
  }

  public Sd3TransformerConfig config() {
    return config;
  }

  public Placement placement() {
    return store.placement();
  }

  public WeightStore weights() {
    return store;
  }

  /** Number of parameters loaded. */
  public long parameters() {
    return store.loadedParameters();
  }

  /**
   * diffusers' get_2d_sincos_pos_embed(D, M, base_size = sample_size / patch_size) as PatchEmbed
   * stores it: grid coordinates i / (M / base_size) in float32 (numpy keeps float32), sinusoids
   * in float64, rounded to float32. The first D/2 channels encode the column, the rest the row.
   *
   * @return [M*M * D] row-major, position index = row * M + column
   */
  static float[] sincosTable(Sd3TransformerConfig c) {
    int m = c.posEmbedMaxSize();
    int d = c.innerDim();
    int quarter = d / 4;
    float spacing = (float) m / c.baseSize();
    double[] omega = new double[quarter];
    for (int k = 0; k < quarter; k++) {
      omega[k] = 1.0 / Math.pow(10000, k / (d / 4.0));
    }
    float[] out = new float[m * m * d];
    for (int row = 0; row < m; row++) {
      for (int col = 0; col < m; col++) {
        double[] coords = {(float) col / spacing, (float) row / spacing}; // grid[0] = column, grid[1] = row
        int base = (row * m + col) * d;
        for (int half = 0; half < 2; half++) {
          for (int k = 0; k < quarter; k++) {
            double arg = coords[half] * omega[k];
            out[base + half * d / 2 + k] = (float) Math.sin(arg);
            out[base + half * d / 2 + quarter + k] = (float) Math.cos(arg);
          }
        }
      }
    }
    return out;
  }

  /**
   * One forward pass that records the given modules and stops after the deepest of them.
   *
   * @param latents noisy latents [B, in_channels, h, w], h and w multiples of the patch size
   * @param timesteps one timestep (1000 sigma) for the batch, or one per entry
   * @param context text states [B, M, joint_attention_dim]
   * @param pooled pooled text [B, pooled_projection_dim]
   * @param taps module paths (see {@link Sd3TransformerConfig#modulePaths})
   * @param pooling how each recorded output is reduced: over tokens for the streams
   * @throws IllegalArgumentException for inputs of the wrong shape or an unknown tap
   */
  public UNetOutput forward(NDArray latents, float[] timesteps, NDArray context, NDArray pooled, List<String> taps,
      Pooling pooling) {
    requireInputs(latents, timesteps, context, pooled);
    if (taps.isEmpty()) {
      throw new IllegalArgumentException("no taps requested: a forward that records nothing is wasted work");
    }
    Sd3Taps.requireValid(taps, config);
    TapRecorder recorder = new TapRecorder(taps, pooling::applyTokens);
    try (NDManager scope = store.manager().newSubManager()) {
      Pass pass = new Pass(scope, recorder);
      try {
        pass.transformer(Ops.enter(latents, scope, store.dtype()), timesteps,
            Ops.enter(context, scope, store.dtype()), Ops.enter(pooled, scope, store.dtype()));
      } catch (TapRecorder.AllRecorded done) {
        // the deepest requested module has run
      }
      return recorder.result();
    }
  }

  private void requireInputs(NDArray latents, float[] timesteps, NDArray context, NDArray pooled) {
    Shape s = latents.getShape();
    int p = config.patchSize();
    if (s.dimension() != 4 || s.get(1) != config.inChannels() || s.get(2) % p != 0 || s.get(3) % p != 0) {
      throw new IllegalArgumentException("latents must be [B, " + config.inChannels() + ", h, w] with h and w multiples "
          + "of the patch size " + p + "; got " + s);
    }
    long grid = Math.max(s.get(2), s.get(3)) / p;
    if (grid > config.posEmbedMaxSize()) {
      throw new IllegalArgumentException("a " + s.get(2) + " x " + s.get(3) + " latent has " + grid
          + " patches per side, more than the position table's " + config.posEmbedMaxSize());
    }
    long batch = s.get(0);
    if (timesteps.length != 1 && timesteps.length != batch) {
      throw new IllegalArgumentException("need one timestep or one per batch entry (" + batch + "), got "
          + timesteps.length);
    }
    Shape c = context.getShape();
    if (c.dimension() != 3 || c.get(0) != batch || c.get(2) != config.jointAttentionDim()) {
      throw new IllegalArgumentException("context must be [" + batch + ", tokens, " + config.jointAttentionDim()
          + "]; got " + c);
    }
    Shape q = pooled.getShape();
    if (q.dimension() != 2 || q.get(0) != batch || q.get(1) != config.pooledProjectionDim()) {
      throw new IllegalArgumentException("pooled text must be [" + batch + ", " + config.pooledProjectionDim()
          + "]; got " + q);
    }
  }

  @Override
  public void close() {
    store.close();
  }

  @Override
  public String toString() {
    return "SD3 transformer (" + config.layers() + " blocks, width " + config.innerDim() + ") of " + store.source();
  }

  /**
   * One forward pass. Shapes use B = batch, N = image tokens (patches), M = text tokens, D = model
   * width, C = latent channels, p = patch size.
   */
  private final class Pass {

    private final NDManager scope;
    private final TapRecorder taps;
    private final float eps = Sd3TransformerConfig.NORM_EPS;
    /** silu(temb) [B, D]: every adaptive norm projects it; computed once. */
    private NDArray tembAct;

    Pass(NDManager scope, TapRecorder taps) {
      this.scope = scope;
      this.taps = taps;
    }

    /** SD3Transformer2DModel.forward. */
    void transformer(NDArray latents, float[] timesteps, NDArray context, NDArray pooled) {
      long batch = latents.getShape().get(0);
      long h = latents.getShape().get(2);
      long w = latents.getShape().get(3);
      int p = config.patchSize();
      // 1. patches: a p x p stride-p conv, tokens row-major, plus the cropped position table
      NDArray x = tap("pos_embed", patchEmbed(root.scope("pos_embed"), latents)); // [B, C, h, w] -> [B, N, D]
      // 2. conditioning vector: timestep MLP + pooled-text MLP
      NDArray temb = tap("time_text_embed", timeTextEmbed(root.scope("time_text_embed"), timesteps, pooled)); // [B, D]
      tembAct = Ops.silu(temb); // [B, D]
      // 3. text tokens to the model width
      NDArray c = tap("context_embedder", root.linear(context, "context_embedder")); // [B, M, 4096] -> [B, M, D]
      // 4. joint blocks
      for (int i = 0; i < config.layers(); i++) {
        NDArray[] streams = jointBlock(root.scope("transformer_blocks." + i), i, x, c); // ([B, N, D], [B, M, D])
        x = streams[0];
        c = streams[1];
        if (c != null) {
          tap("transformer_blocks." + i + ".context", c); // [B, M, D]
        }
        tap("transformer_blocks." + i, x); // [B, N, D]
      }
      // 5. out: AdaLayerNormContinuous, linear to p*p*C per token, unpatchify
      x = continuousNorm(root.scope("norm_out"), x); // [B, N, D]
      x = root.linear(x, "proj_out"); // [B, N, D] -> [B, N, p*p*C]
      long c0 = config.outChannels();
      x = x.reshape(batch, h / p, w / p, p, p, c0) // [B, h/p, w/p, p, p, C]
          .transpose(0, 5, 1, 3, 2, 4) // einsum nhwpqc -> nchpwq: [B, C, h/p, p, w/p, p]
          .reshape(batch, c0, h, w); // [B, C, h, w]
      tap("out", x);
    }

    /** PatchEmbed (SD3 form): conv, flatten to tokens, add the centre crop of the position table. */
    private NDArray patchEmbed(Weights w, NDArray latents) {
      int p = config.patchSize();
      long gh = latents.getShape().get(2) / p;
      long gw = latents.getShape().get(3) / p;
      NDArray x = w.conv2d(latents, "proj", p, 0); // [B, C, h, w] -> [B, D, h/p, w/p]
      long batch = x.getShape().get(0);
      long d = x.getShape().get(1);
      x = x.reshape(batch, d, gh * gw).transpose(0, 2, 1); // -> [B, D, N] -> [B, N, D]
      int m = config.posEmbedMaxSize();
      long top = (m - gh) / 2;
      long left = (m - gw) / 2;
      NDArray table = computedPositions != null ? computedPositions : w.tensor("pos_embed"); // [1, M*M, D]
      NDArray grid = Ops.local(table, x, m, m, d) // a view owned by the scope: [M, M, D]
          .get(top + ":" + (top + gh) + ", " + left + ":" + (left + gw)); // centre crop [gh, gw, D]
      return x.add(grid.reshape(gh * gw, d)); // [B, N, D] + [N, D]
    }

    /** CombinedTimestepTextProjEmbeddings: TimestepEmbedding(Timesteps(256)) + PixArtAlphaTextProjection(silu). */
    private NDArray timeTextEmbed(Weights w, float[] timesteps, NDArray pooled) {
      NDArray proj = Ops.timestepEmbedding(scope, timesteps, Sd3TransformerConfig.TIME_PROJ_CHANNELS, true, 0)
          .toType(store.dtype(), false); // [T] -> [T, 256]
      Weights t = w.scope("timestep_embedder");
      NDArray time = t.linear(Ops.silu(t.linear(proj, "linear_1")), "linear_2"); // [T, 256] -> [T, D]
      Weights text = w.scope("text_embedder");
      NDArray pooledEmb = text.linear(Ops.silu(text.linear(pooled, "linear_1")), "linear_2"); // [B, 2048] -> [B, D]
      return pooledEmb.add(time); // [B, D] + [T, D], T = 1 or B
    }

    /**
     * JointTransformerBlock: adaLN-Zero modulation of both streams, joint attention (image tokens
     * first, then text tokens, one softmax over both), gated residuals, gated MLPs. The last
     * block (context_pre_only) modulates the text with AdaLayerNormContinuous and drops it after
     * the attention.
     *
     * @return {image stream [B, N, D], text stream [B, M, D] or null after the last block}
     */
    private NDArray[] jointBlock(Weights w, int index, NDArray x, NDArray c) {
      boolean last = config.contextPreOnly(index);
      NDList mod = w.linear(tembAct, "norm1.linear").split(6, 1); // [B, D] -> [B, 6D] -> 6 x [B, D]
      // shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp
      NDArray nx = w.kernels().modulatedLayerNorm(x, mod.get(1), mod.get(0), eps); // [B, N, D]
      NDList cmod = null;
      NDArray nc;
      if (last) {
        nc = continuousNorm(w.scope("norm1_context"), c); // [B, M, D]
      } else {
        cmod = w.linear(tembAct, "norm1_context.linear").split(6, 1); // 6 x [B, D]
        nc = w.kernels().modulatedLayerNorm(c, cmod.get(1), cmod.get(0), eps); // [B, M, D]
      }
      NDArray[] attn = jointAttention(w.scope("attn"), nx, nc, last); // [B, N, D], [B, M, D] or null

      x = x.add(gated(mod.get(2), attn[0])); // [B, N, D] + gate_msa [B, 1, D] * [B, N, D]
      NDArray nx2 = w.kernels().modulatedLayerNorm(x, mod.get(4), mod.get(3), eps); // [B, N, D]
      x = x.add(gated(mod.get(5), feedForward(w.scope("ff"), nx2))); // [B, N, D]
      if (last) {
        return new NDArray[] {x, null};
      }
      c = c.add(gated(cmod.get(2), attn[1])); // [B, M, D]
      NDArray nc2 = w.kernels().modulatedLayerNorm(c, cmod.get(4), cmod.get(3), eps); // [B, M, D]
      c = c.add(gated(cmod.get(5), feedForward(w.scope("ff_context"), nc2))); // [B, M, D]
      return new NDArray[] {x, c};
    }

    /** gate [B, D] per sample times a stream [B, T, D]. */
    private NDArray gated(NDArray gate, NDArray stream) {
      return stream.mul(gate.expandDims(1)); // [B, T, D] * [B, 1, D]
    }

    /**
     * Attention with JointAttnProcessor2_0: q/k/v of the image tokens and add_q/k/v of the text
     * tokens, concatenated along tokens, one scaled-dot-product attention, split back; to_out.0
     * for the image part, to_add_out for the text part (absent in the last block).
     */
    private NDArray[] jointAttention(Weights w, NDArray x, NDArray c, boolean last) {
      long n = x.getShape().get(1);
      long m = c.getShape().get(1);
      NDArray q = NDArrays.concat(new NDList(w.linear(x, "to_q"), w.linear(c, "add_q_proj")), 1); // [B, N+M, D]
      NDArray k = NDArrays.concat(new NDList(w.linear(x, "to_k"), w.linear(c, "add_k_proj")), 1); // [B, N+M, D]
      NDArray v = NDArrays.concat(new NDList(w.linear(x, "to_v"), w.linear(c, "add_v_proj")), 1); // [B, N+M, D]
      NDArray o = w.kernels().attention(q, k, v, config.heads()); // [B, N+M, D]
      NDArray image = w.linear(o.get(":, 0:" + n), "to_out.0"); // [B, N, D]
      NDArray text = last ? null : w.linear(o.get(":, " + n + ":" + (n + m)), "to_add_out"); // [B, M, D]
      return new NDArray[] {image, text};
    }

    /** FeedForward(gelu-approximate): net.0.proj to 4D, tanh GELU, net.2 back to D. */
    private NDArray feedForward(Weights w, NDArray x) {
      NDArray h = w.kernels().geluTanh(w.linear(x, "net.0.proj")); // [B, T, D] -> [B, T, 4D]
      return w.linear(h, "net.2"); // [B, T, 4D] -> [B, T, D]
    }

    /** AdaLayerNormContinuous (no affine, eps 1e-6): linear(silu(temb)) split into scale, then shift. */
    private NDArray continuousNorm(Weights w, NDArray x) {
      NDList mod = w.linear(tembAct, "linear").split(2, 1); // [B, D] -> [B, 2D] -> scale, shift
      return w.kernels().modulatedLayerNorm(x, mod.get(0), mod.get(1), eps); // [B, T, D]
    }

    private NDArray tap(String path, NDArray x) {
      return taps.record(path, x);
    }
  }
}
