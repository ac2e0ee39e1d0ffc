package io.alignstream.extractor.sd3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.checkpoint.WeightStore;
import io.alignstream.extractor.diffusion.checkpoint.Weights;
import io.alignstream.extractor.nn.Kernels;
import io.alignstream.extractor.nn.Ops;

/**
 * transformers' {@code T5EncoderModel} (T5 v1.1) up to {@code last_hidden_state}, SD3's third text
 * encoder: token embedding; per block pre-norm self-attention with a relative position bias
 * (computed once, by block 0's table, and shared by every block) and a gated-GELU feed-forward;
 * a final RMS norm. T5 scales nothing: no 1/sqrt(d) on the scores, no bias anywhere, norms with
 * a scale only. As in the SD3 pipeline no attention mask is applied, so padding is attended to.
 */
public final class T5Encoder implements AutoCloseable {

  private final T5Config config;
  private final WeightStore weights;
  private final Kernels kernels;

  /** An encoder over loaded weights; it owns the store from now on. */
  public T5Encoder(T5Config config, WeightStore weights) {
    this.config = config;
    this.weights = weights;
    this.kernels = Kernels.configured();
    embedding().getShape(); // fails early, naming the checkpoint, when neither embedding name is present
  }

  public T5Config config() {
    return config;
  }

  public WeightStore weights() {
    return weights;
  }

  /** The token embedding: {@code shared.weight}, or its tied copy {@code encoder.embed_tokens.weight}. */
  private NDArray embedding() {
    String name = weights.contains("shared.weight") || !weights.contains("encoder.embed_tokens.weight")
        ? "shared.weight" : "encoder.embed_tokens.weight";
    return weights.get(name, config.vocabSize(), config.dModel());
  }

  /**
   * Encodes token ids.
   *
   * @param ids [P, L] int64
   * @return last_hidden_state [P, L, d_model] in the compute dtype, in {@code ids}' manager
   */
  public NDArray encode(NDArray ids) {
    NDManager caller = ids.getManager();
    long length = ids.getShape().get(1);
    try (NDManager scope = caller.newSubManager(weights.placement().device())) {
      NDArray x = embedding().get(Ops.enter(ids, scope, ids.getDataType())); // [V, d][P, L] -> [P, L, d]
      x.attach(scope); // a gather on the weight lands in the store's manager
      Weights encoder = weights.scope("encoder").using(kernels);
      NDArray bias = positionBias(encoder.scope("block.0.layer.0.SelfAttention"), scope, length); // [1, h, L, L]
      for (int i = 0; i < config.layers(); i++) {
        x = block(encoder.scope("block." + i), x, bias); // [P, L, d]
      }
      NDArray out = rmsNorm(encoder, x, "final_layer_norm"); // [P, L, d]
      out.attach(caller);
      return out;
    }
  }

  /** One T5Block: x + attention(norm(x)), then x + gated-GELU MLP(norm(x)). */
  private NDArray block(Weights block, NDArray x, NDArray bias) {
    Weights attn = block.scope("layer.0.SelfAttention");
    NDArray h = rmsNorm(block, x, "layer.0.layer_norm"); // [P, L, d]
    NDArray q = attn.linear(h, "q"); // [P, L, d] -> [P, L, h*dkv]
    NDArray k = attn.linear(h, "k"); // [P, L, h*dkv]
    NDArray v = attn.linear(h, "v"); // [P, L, h*dkv]
    NDArray o = kernels.attention(q, k, v, config.heads(), bias, 1f); // softmax(q k^T + bias) v, [P, L, h*dkv]
    x = fp16Clamp(x.add(attn.linear(o, "o"))); // [P, L, d]
    Weights ff = block.scope("layer.1.DenseReluDense");
    h = rmsNorm(block, x, "layer.1.layer_norm"); // [P, L, d]
    NDArray gate = kernels.geluTanh(ff.linear(h, "wi_0")); // [P, L, d_ff], gelu_new
    NDArray gated = gate.mul(ff.linear(h, "wi_1")); // [P, L, d_ff]
    return fp16Clamp(x.add(ff.linear(gated, "wo"))); // [P, L, d_ff] -> [P, L, d]
  }

  /**
   * transformers' T5Block guard for float16: T5 v1.1's residual stream outgrows half precision,
   * so once a sub-layer's output holds an infinity, every value is clamped to +-(65504 - 1000)
   * (otherwise to +-65504, which changes no finite value). Nothing happens in float32.
   */
  private static NDArray fp16Clamp(NDArray x) {
    if (x.getDataType() != DataType.FLOAT16 || !x.isInfinite().any().getBoolean()) {
      return x;
    }
    float limit = 65504f - 1000f;
    return x.clip(-limit, limit);
  }

  /** T5LayerNorm: x / sqrt(mean(x^2) + eps) * weight, the mean square taken in float32. */
  private NDArray rmsNorm(Weights w, NDArray x, String name) {
    NDArray scale = w.tensor(name + ".weight", config.dModel()); // [d]
    NDArray xf = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    NDArray variance = xf.square().mean(new int[] {-1}, true); // [P, L, 1]
    NDArray normed = xf.mul(variance.add((float) config.eps()).sqrt().pow(-1f)); // [P, L, d]
    NDArray typed = x.getDataType() == DataType.FLOAT32 ? normed : normed.toType(x.getDataType(), false);
    return typed.mul(scale); // [P, L, d]
  }

  /** compute_bias: the table's row for each (query, key) pair's bucket, as [1, heads, L, L]. */
  private NDArray positionBias(Weights attention, NDManager scope, long length) {
    int n = Math.toIntExact(length);
    long[] buckets = new long[n * n];
    for (int q = 0; q < n; q++) {
      for (int k = 0; k < n; k++) {
        buckets[q * n + k] = relativePositionBucket(k - q, config.buckets(), config.maxDistance());
      }
    }
    NDArray table = attention.tensor("relative_attention_bias.weight", config.buckets(), config.heads()); // [32, h]
    NDArray values = table.get(scope.create(buckets, new Shape((long) n * n))); // [L*L, h]
    values.attach(scope);
    NDArray bias = values.reshape(n, n, config.heads()).transpose(2, 0, 1).expandDims(0); // [1, h, L, L]
    return bias.getDataType() == DataType.FLOAT32 ? bias : bias.toType(DataType.FLOAT32, false);
  }

  /**
   * T5's bidirectional relative position bucket of {@code memory - query}: half the buckets per
   * direction; within one, distances below half of it are exact, larger ones share logarithmic
   * bins up to {@code maxDistance}. Computed in float32 as transformers' torch code is (log of
   * n / maxExact, divided by log(maxDistance / maxExact), times the log bins, truncated), so that
   * positions on a bin edge (16, 32, 64 with 32 buckets) fall where the reference puts them.
   */
  static int relativePositionBucket(int relative, int buckets, int maxDistance) {
    int half = buckets / 2;
    int bucket = relative > 0 ? half : 0;
    int n = Math.abs(relative);
    int maxExact = half / 2;
    if (n < maxExact) {
      return bucket + n;
    }
    float logRatio = (float) Math.log((float) n / maxExact);
    float scaled = logRatio / (float) Math.log((double) maxDistance / maxExact) * (half - maxExact);
    return bucket + Math.min(maxExact + (int) scaled, half - 1);
  }

  @Override
  public void close() {
    weights.close();
  }
}
