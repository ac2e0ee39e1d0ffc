package io.alignstream.extractor.diffusion.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.WeightStore;
import io.alignstream.extractor.diffusion.checkpoint.Weights;
import io.alignstream.extractor.nn.Ops;
import io.alignstream.extractor.nn.Placement;

/**
 * transformers' {@code CLIPTextModel} up to {@code last_hidden_state}, which Stable Diffusion
 * uses as the UNet's cross-attention context: token + position embeddings, pre-LN transformer
 * layers with causal self-attention, final layer norm. As in the SD pipeline no padding mask is
 * applied: padding positions attend to everything before them, which changes their states.
 *
 * <p>Weights are read by their {@code text_model.*} names from {@code text_encoder/}.
 */
public final class ClipTextEncoder implements AutoCloseable {

  private final ClipTextConfig config;
  private final WeightStore weights;
  private final Weights model;

  public ClipTextEncoder(ComponentFolder textEncoder, Placement placement) {
    this(ClipTextConfig.parse(textEncoder.configReader()), textEncoder.loadWeights(placement, "text_model."));
  }

  /** An encoder over weights already loaded (e.g. random ones); it owns the store from now on. */
  public ClipTextEncoder(ClipTextConfig config, WeightStore weights) {
    this.config = config;
    this.weights = weights;
    this.model = weights.scope("text_model");
    long h = config.hiddenSize();
    model.tensor("embeddings.token_embedding.weight", config.vocabSize(), h);
    model.tensor("embeddings.position_embedding.weight", config.maxPositions(), h);
  }

  /** The {@code text_encoder} component of a pipeline folder. */
  public static ClipTextEncoder load(PipelineFolder pipeline, Placement placement) {
    return new ClipTextEncoder(
        pipeline.component("text_encoder", "CLIPTextModel", "CLIPTextModelWithProjection"), placement);
  }

  public ClipTextConfig config() {
    return config;
  }

  public WeightStore weights() {
    return weights;
  }

  /**
   * Encodes token ids.
   *
   * @param ids [P, L] int64 (L at most max_position_embeddings), in the caller's manager
   * @return last_hidden_state [P, L, hidden] in the compute dtype, in {@code ids}' manager
   */
  public NDArray encode(NDArray ids) {
    NDManager caller = ids.getManager();
    try (NDManager scope = caller.newSubManager(weights.placement().device())) {
      NDArray x = embed(Ops.enter(ids, scope, ids.getDataType()), scope); // [P, L] -> [P, L, H]
      NDArray mask = causalMask(scope, ids.getShape().get(1)); // [L, L]
      for (int i = 0; i < config.layers(); i++) {
        x = encoderLayer(model.scope("encoder.layers." + i), x, mask); // [P, L, H]
      }
      NDArray out = model.layerNorm(x, "final_layer_norm", (float) config.layerNormEps()); // [P, L, H]
      out.attach(caller);
      return out;
    }
  }

  /**
   * What Stable Diffusion 3 reads of a {@code CLIPTextModelWithProjection}.
   *
   * @param penultimate {@code hidden_states[-2]}: the output of the second-to-last layer, before
   *     the final layer norm [P, L, hidden]
   * @param pooled the final-layer-norm state at the end-of-text token (the first position of the
   *     highest id, as transformers' argmax finds it), through {@code text_projection} when the
   *     checkpoint has one [P, projection]
   */
  public record Encoded(NDArray penultimate, NDArray pooled) {}

  /**
   * Encodes token ids for SD3: every layer runs (the pooled output needs the last one).
   *
   * @param ids [P, L] int64
   * @return arrays in {@code ids}' manager
   */
  public Encoded encodeForSd3(NDArray ids) {
    NDManager caller = ids.getManager();
    try (NDManager scope = caller.newSubManager(weights.placement().device())) {
      NDArray x = embed(Ops.enter(ids, scope, ids.getDataType()), scope); // [P, L] -> [P, L, H]
      NDArray mask = causalMask(scope, ids.getShape().get(1)); // [L, L]
      NDArray penultimate = x;
      for (int i = 0; i < config.layers(); i++) {
        penultimate = x;
        x = encoderLayer(model.scope("encoder.layers." + i), x, mask); // [P, L, H]
      }
      NDArray last = model.layerNorm(x, "final_layer_norm", (float) config.layerNormEps()); // [P, L, H]
      long[] flat = ids.toLongArray();
      int length = Math.toIntExact(ids.getShape().get(1));
      long[] eos = new long[Math.toIntExact(ids.getShape().get(0))];
      for (int p = 0; p < eos.length; p++) {
        int best = 0;
        for (int j = 1; j < length; j++) {
          if (flat[p * length + j] > flat[p * length + best]) {
            best = j;
          }
        }
        eos[p] = (long) p * length + best;
      }
      NDArray pooled = last.reshape(-1, config.hiddenSize()).get(scope.create(eos)); // [P*L, H] -> [P, H]
      if (weights.contains("text_projection.weight")) {
        pooled = weights.root().linear(pooled, "text_projection"); // [P, H] -> [P, projection]
      }
      penultimate.attach(caller);
      pooled.attach(caller);
      return new Encoded(penultimate, pooled);
    }
  }

  /** Convenience: tokenized prompts as a [P, L] int64 array in {@code manager}. */
  public static NDArray ids(NDManager manager, long[][] tokenIds) {
    int p = tokenIds.length;
    int l = tokenIds[0].length;
    long[] flat = new long[p * l];
    for (int i = 0; i < p; i++) {
      System.arraycopy(tokenIds[i], 0, flat, i * l, l);
    }
    return manager.create(flat, new Shape(p, l));
  }

  private NDArray embed(NDArray ids, NDManager scope) {
    long length = ids.getShape().get(1);
    if (length > config.maxPositions()) {
      throw new IllegalArgumentException(length + " tokens exceed max_position_embeddings " + config.maxPositions());
    }
    NDArray tokens = model.tensor("embeddings.token_embedding.weight").get(ids); // [V, H][P, L] -> [P, L, H]
    tokens.attach(scope); // a gather on the weight lands in the store's manager: move it to the scope
    NDArray positions = model.tensor("embeddings.position_embedding.weight").get("0:" + length); // [L, H]
    positions.attach(scope);
    return tokens.add(positions); // [P, L, H] + [L, H]
  }

  /** transformers' causal mask: 0 on and below the diagonal, float32's lowest value above it. */
  private static NDArray causalMask(NDManager scope, long length) {
    float[] mask = new float[(int) (length * length)];
    for (int i = 0; i < length; i++) {
      for (int j = i + 1; j < length; j++) {
        mask[(int) (i * length + j)] = -Float.MAX_VALUE;
      }
    }
    return scope.create(mask, new Shape(length, length)); // [L, L], float32 (attention scores are float32)
  }

  /** One {@code CLIPEncoderLayer}: x + attn(ln1(x)), then x + mlp(ln2(x)). */
  private NDArray encoderLayer(Weights layer, NDArray x, NDArray mask) {
    float eps = (float) config.layerNormEps();
    NDArray h = layer.layerNorm(x, "layer_norm1", eps); // [P, L, H]
    x = x.add(selfAttention(layer.scope("self_attn"), h, mask)); // [P, L, H]
    h = layer.layerNorm(x, "layer_norm2", eps); // [P, L, H]
    return x.add(mlp(layer.scope("mlp"), h)); // [P, L, H]
  }

  /** {@code CLIPAttention}: q/k/v/out projections with bias, causal mask. */
  private NDArray selfAttention(Weights attn, NDArray x, NDArray mask) {
    NDArray q = attn.linear(x, "q_proj"); // [P, L, H] -> [P, L, H]
    NDArray k = attn.linear(x, "k_proj"); // [P, L, H]
    NDArray v = attn.linear(x, "v_proj"); // [P, L, H]
    NDArray o = Ops.attention(q, k, v, config.heads(), mask); // [P, L, heads*d]
    return attn.linear(o, "out_proj"); // [P, L, H]
  }

  /** {@code CLIPMLP}: fc1, activation, fc2. */
  private NDArray mlp(Weights mlp, NDArray x) {
    NDArray h = mlp.linear(x, "fc1"); // [P, L, H] -> [P, L, I]
    h = config.hiddenAct().equals("gelu") ? Ops.gelu(h) : Ops.quickGelu(h); // [P, L, I]
    return mlp.linear(h, "fc2"); // [P, L, I] -> [P, L, H]
  }

  /** The compute dtype of the output. */
  public DataType dtype() {
    return weights.dtype();
  }

  @Override
  public void close() {
    weights.close();
  }
}
