package io.alignstream.extractor.diffusion.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import io.alignstream.extractor.nn.Kernels;

/**
 * A view of a {@link WeightStore} under one module path, with the primitive layers every block is
 * built from. Each layer takes its parameters by the checkpoint name relative to this scope
 * ({@code "proj_in"} reads {@code <scope>.proj_in.weight} and {@code .bias}), checks their shapes
 * against the input, and returns a new array in the input's manager.
 *
 * <pre>{@code
 * Weights resnet = unet.scope("down_blocks.1.resnets.0");
 * NDArray h = resnet.groupNorm(x, "norm1", 32, 1e-5f);
 * h = resnet.conv2d(Ops.silu(h), "conv1", 1, 1);
 * }</pre>
 */
public final class Weights {

  private final WeightStore store;
  private final String prefix;
  private final Kernels kernels;

  /** A view computing with the process's {@link Kernels#configured() configured} kernels. */
  Weights(WeightStore store, String prefix) {
    this(store, prefix, Kernels.configured());
  }

  private Weights(WeightStore store, String prefix, Kernels kernels) {
    this.store = store;
    this.prefix = prefix;
    this.kernels = kernels;
  }

  /** A narrower view: {@code scope("resnets.0")} of "down_blocks.1" is "down_blocks.1.resnets.0". */
  public Weights scope(String sub) {
    return new Weights(store, prefix + sub + ".", kernels);
  }

  /** The same view computing group norms and attention with the given kernels (its scopes inherit them). */
  public Weights using(Kernels kernels) {
    return new Weights(store, prefix, kernels);
  }

  public Kernels kernels() {
    return kernels;
  }

  /** Full checkpoint name of a tensor in this scope. */
  public String path(String name) {
    return prefix + name;
  }

  /** The module path of this scope, without trailing dot. */
  public String modulePath() {
    return prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
  }

  public WeightStore store() {
    return store;
  }

  /** Whether the checkpoint has this tensor (relative name, e.g. "conv_shortcut.weight"). */
  public boolean has(String name) {
    return store.contains(prefix + name);
  }

  /** A tensor by relative name, shape-checked ({@code -1} = any). */
  public NDArray tensor(String name, long... expectedShape) {
    return store.get(prefix + name, expectedShape);
  }

  /** A tensor by relative name, unchecked. */
  public NDArray tensor(String name) {
    return store.get(prefix + name);
  }

  /**
   * torch.nn.Linear: y = x W^T + b, bias optional (attention projections have none).
   *
   * @param x [..., in]
   * @return [..., out]
   */
  public NDArray linear(NDArray x, String name) {
    long in = x.getShape().get(x.getShape().dimension() - 1);
    NDArray w = tensor(name + ".weight", -1, in); // [out, in]
    NDArray b = has(name + ".bias") ? tensor(name + ".bias", w.getShape().get(0)) : null; // [out]
    return kernels.linear(x, w, b); // [..., in] -> [..., out]
  }

  /**
   * torch.nn.Conv2d with square stride and symmetric zero padding, dilation 1, one group.
   *
   * @param x [B, Cin, H, W]
   * @return [B, Cout, H', W']
   */
  public NDArray conv2d(NDArray x, String name, int stride, int padding) {
    long in = x.getShape().get(1);
    NDArray w = tensor(name + ".weight", -1, in, -1, -1); // [Cout, Cin, kh, kw]
    NDArray b = has(name + ".bias") ? tensor(name + ".bias", w.getShape().get(0)) : null; // [Cout]
    return kernels.conv2d(x, w, b, stride, padding); // [B, Cin, H, W] -> [B, Cout, H', W']
  }

  /**
   * torch.nn.GroupNorm with affine weight and bias.
   *
   * @param x [B, C, *spatial]
   * @return [B, C, *spatial]
   */
  public NDArray groupNorm(NDArray x, String name, int groups, float eps) {
    long c = x.getShape().get(1);
    return kernels.groupNorm(x, groups, tensor(name + ".weight", c), tensor(name + ".bias", c), eps, false);
  }

  /** SiLU(GroupNorm(x)): the pre-activation every ResnetBlock2D conv and the output conv take. */
  public NDArray groupNormSilu(NDArray x, String name, int groups, float eps) {
    long c = x.getShape().get(1);
    return kernels.groupNorm(x, groups, tensor(name + ".weight", c), tensor(name + ".bias", c), eps, true);
  }

  /**
   * torch.nn.LayerNorm over the last axis, with weight and bias.
   *
   * @param x [..., C]
   * @return [..., C]
   */
  public NDArray layerNorm(NDArray x, String name, float eps) {
    long c = x.getShape().get(x.getShape().dimension() - 1);
    NDArray w = tensor(name + ".weight", c); // [C]
    NDArray b = tensor(name + ".bias", c); // [C]
    return LayerNorm.layerNorm(x, new Shape(c), w, b, eps).singletonOrThrow(); // [..., C] -> [..., C]
  }

  /**
   * A diffusers {@code Attention} module: {@code to_q}, {@code to_k}, {@code to_v} (bias optional)
   * and {@code to_out.0}; the legacy names {@code query}, {@code key}, {@code value},
   * {@code proj_attn} of older VAE checkpoints are accepted as well.
   *
   * @param x queries' source [B, N, C]
   * @param context keys' and values' source [B, M, Cc], or null for self-attention
   * @param heads number of heads (inner width / heads = head dim)
   * @return [B, N, Cout]
   */
  public NDArray attention(NDArray x, NDArray context, int heads) {
    boolean legacy = !has("to_q.weight") && has("query.weight");
    NDArray src = context == null ? x : context;
    NDArray q = linear(x, legacy ? "query" : "to_q"); // [B, N, C] -> [B, N, inner]
    NDArray k = linear(src, legacy ? "key" : "to_k"); // [B, M, Cc] -> [B, M, inner]
    NDArray v = linear(src, legacy ? "value" : "to_v"); // [B, M, Cc] -> [B, M, inner]
    NDArray o = kernels.attention(q, k, v, heads); // [B, N, inner]
    return linear(o, legacy ? "proj_attn" : "to_out.0"); // [B, N, inner] -> [B, N, Cout]
  }

  @Override
  public String toString() {
    return "weights '" + modulePath() + "' of " + store.source();
  }
}
