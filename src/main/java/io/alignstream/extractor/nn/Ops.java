package io.alignstream.extractor.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import java.util.Arrays;

/**
 * Weightless tensor operations shared by every block. Each returns a new array in the manager of
 * its input {@code x} (DJL's rule: the first operand's manager), so callers that run inside a
 * sub-manager scope free everything when the scope closes.
 */
public final class Ops {

  private Ops() {}

  /** SiLU (swish): x * sigmoid(x). */
  public static NDArray silu(NDArray x) {
    // [*] -> [*]
    return x.mul(Activation.sigmoid(x));
  }

  /** GELU in its exact erf form (transformers' "gelu", diffusers' GELU/GEGLU). */
  public static NDArray gelu(NDArray x) {
    // [*] -> [*]; DJL's PyTorch gelu is the erf form, not the tanh approximation
    return Activation.gelu(x);
  }

  /** transformers' "quick_gelu": x * sigmoid(1.702 x), used by OpenAI CLIP (SD 1.x). */
  public static NDArray quickGelu(NDArray x) {
    // [*] -> [*]
    return x.mul(Activation.sigmoid(x.mul(1.702f)));
  }

  /**
   * Group normalisation without the affine part: per sample, the channels are split into
   * {@code groups} groups and each is normalised over its channels and all positions, with the
   * biased variance as torch.nn.GroupNorm uses. The engine exposes no group-norm op, but a group
   * is exactly one row of the [B, G, C/G*H*W] view, so torch's fused layer_norm over that row
   * computes it in one kernel (instead of separate mean, centre, square, mean, sqrt and divide
   * passes), with identity weight and zero bias. Statistics are computed in float32 even for
   * float16 inputs because squared activations overflow half precision.
   */
  public static NDArray groupNormalize(NDArray x, int groups, float eps) {
    Shape shape = x.getShape(); // [B, C, *spatial]
    long batch = shape.get(0);
    long channels = shape.get(1);
    if (channels % groups != 0) {
      throw new IllegalArgumentException(channels + " channels do not split into " + groups + " groups");
    }
    DataType type = x.getDataType();
    NDArray xf = type == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    NDArray g = xf.reshape(batch, groups, -1); // [B, C, H, W] -> [B, G, C/G*H*W]
    Shape row = new Shape(g.getShape().get(2)); // [C/G*H*W]
    NDManager m = x.getManager();
    NDArray one = m.ones(row, DataType.FLOAT32, x.getDevice()); // identity scale
    NDArray zero = m.zeros(row, DataType.FLOAT32, x.getDevice()); // no shift
    NDArray normed = LayerNorm.layerNorm(g, row, one, zero, eps).singletonOrThrow(); // [B, G, C/G*H*W]
    NDArray out = normed.reshape(shape); // [B, G, C/G*H*W] -> [B, C, H, W]
    return type == DataType.FLOAT32 ? out : out.toType(type, false);
  }

  /**
   * Scaled dot-product attention over heads: softmax(q k^T / sqrt(d) + mask) v.
   *
   * <p>Scores and softmax are computed in float32 even for float16 inputs (diffusers'
   * {@code upcast_attention}/{@code upcast_softmax}, which SD 2.1 needs to stay finite).
   *
   * <p>The 1/sqrt(d) scale is applied to the queries [B, h, Nq, d] rather than to the scores
   * [B, h, Nq, Nk]: the same product (bit-identical when d is a power of 4, as SD's 64 is), but
   * a pass over d values per query instead of Nk, which at SD's 4096-token self-attention is 64x
   * less memory traffic.
   *
   * @param q queries [B, Nq, heads*d]
   * @param k keys [B, Nk, heads*d]
   * @param v values [B, Nk, heads*d]
   * @param heads number of heads
   * @param mask additive mask [Nq, Nk] (float32), or null
   * @return [B, Nq, heads*d]
   */
  public static NDArray attention(NDArray q, NDArray k, NDArray v, int heads, NDArray mask) {
    long d = q.getShape().get(2) / heads;
    return attention(q, k, v, heads, mask, (float) (1.0 / Math.sqrt(d)));
  }

  /**
   * Attention as {@link #attention(NDArray, NDArray, NDArray, int, NDArray)} with a given score
   * scale (T5 uses 1: its query projection absorbs it) and a mask that broadcasts to
   * [B, heads, Nq, Nk] (T5's relative position bias is [1, heads, Nq, Nk]).
   */
  public static NDArray attention(NDArray q, NDArray k, NDArray v, int heads, NDArray mask, float scale) {
    long batch = q.getShape().get(0);
    long nq = q.getShape().get(1);
    long nk = k.getShape().get(1);
    long inner = q.getShape().get(2);
    if (inner % heads != 0) {
      throw new IllegalArgumentException("attention width " + inner + " does not split into " + heads + " heads");
    }
    long d = inner / heads;
    DataType type = v.getDataType();
    NDArray qh = q.reshape(batch, nq, heads, d).transpose(0, 2, 1, 3); // [B, Nq, h*d] -> [B, h, Nq, d]
    NDArray kt = k.reshape(batch, nk, heads, d).transpose(0, 2, 3, 1); // [B, Nk, h*d] -> [B, h, d, Nk]
    NDArray vh = v.reshape(batch, nk, heads, d).transpose(0, 2, 1, 3); // [B, Nk, h*d] -> [B, h, Nk, d]
    if (type != DataType.FLOAT32) {
      qh = qh.toType(DataType.FLOAT32, false);
      kt = kt.toType(DataType.FLOAT32, false);
    }
    // The [B, h, Nq, Nk] intermediates are the largest arrays of a forward (heads x tokens^2):
    // each is closed as soon as the next exists, instead of living until the forward's scope
    // closes, so that a UNet forward holds one set of them at a time rather than one per layer.
    // Scaling the queries rather than the scores saves one pass over the largest tensor.
    NDArray scores = (scale == 1f ? qh : qh.mul(scale)).matMul(kt); // [B, h, Nq, d] x [B, h, d, Nk] -> [B, h, Nq, Nk]
    if (mask != null) {
      NDArray masked = scores.add(mask); // [B, h, Nq, Nk] + [Nq, Nk]
      scores.close();
      scores = masked;
    }
    NDArray probs = scores.softmax(-1); // [B, h, Nq, Nk]
    scores.close();
    if (type != DataType.FLOAT32) {
      NDArray narrowed = probs.toType(type, false);
      probs.close();
      probs = narrowed;
    }
    NDArray out = probs.matMul(vh); // [B, h, Nq, Nk] x [B, h, Nk, d] -> [B, h, Nq, d]
    probs.close();
    return out.transpose(0, 2, 1, 3).reshape(batch, nq, inner); // -> [B, Nq, h, d] -> [B, Nq, h*d]
  }

  /** GELU in its tanh approximation (diffusers' "gelu-approximate", transformers' "gelu_new"). */
  public static NDArray geluTanh(NDArray x) {
    // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), [*] -> [*]
    NDArray inner = x.add(x.pow(3f).mul(0.044715f)).mul((float) Math.sqrt(2.0 / Math.PI));
    return x.mul(0.5f).mul(inner.tanh().add(1f));
  }

  /**
   * Layer norm over the last axis without affine parameters, then the adaptive modulation of
   * diffusers' AdaLayerNormZero / AdaLayerNormContinuous: norm(x) (1 + scale) + shift.
   *
   * @param x [B, N, D]
   * @param scale [B, D]
   * @param shift [B, D]
   */
  public static NDArray modulatedLayerNorm(NDArray x, NDArray scale, NDArray shift, float eps) {
    Shape row = new Shape(x.getShape().get(x.getShape().dimension() - 1)); // [D]
    NDManager m = x.getManager();
    NDArray one = m.ones(row, x.getDataType(), x.getDevice());
    NDArray zero = m.zeros(row, x.getDataType(), x.getDevice());
    NDArray normed = LayerNorm.layerNorm(x, row, one, zero, eps).singletonOrThrow(); // [B, N, D]
    return normed.mul(scale.expandDims(1).add(1f)).add(shift.expandDims(1)); // * [B, 1, D] + [B, 1, D]
  }

  /**
   * Zero-pads one row at the bottom and one column at the right: the asymmetric (0, 1, 0, 1)
   * padding diffusers' VAE Downsample2D applies before its stride-2, padding-0 convolution.
   */
  public static NDArray padRightBottom(NDArray x) {
    Shape s = x.getShape(); // [B, C, H, W]
    NDManager m = x.getManager();
    NDArray col = m.zeros(new Shape(s.get(0), s.get(1), s.get(2), 1), x.getDataType(), x.getDevice());
    NDArray wider = NDArrays.concat(new ai.djl.ndarray.NDList(x, col), 3); // [B, C, H, W+1]
    NDArray row = m.zeros(new Shape(s.get(0), s.get(1), 1, s.get(3) + 1), x.getDataType(), x.getDevice());
    return NDArrays.concat(new ai.djl.ndarray.NDList(wider, row), 2); // [B, C, H+1, W+1]
  }

  /**
   * Nearest-neighbour 2x upsampling, as {@code F.interpolate(x, scale_factor=2, mode="nearest")}:
   * each value fills a 2x2 square. Expanding a [.., H, 1, W, 1] view and reshaping copies once.
   */
  public static NDArray nearestUpsample2x(NDArray x) {
    Shape s = x.getShape(); // [B, C, H, W]
    long b = s.get(0);
    long c = s.get(1);
    long h = s.get(2);
    long w = s.get(3);
    return x.reshape(b, c, h, 1, w, 1) // [B, C, H, 1, W, 1]
        .broadcast(new Shape(b, c, h, 2, w, 2)) // [B, C, H, 2, W, 2] (a view)
        .reshape(b, c, 2 * h, 2 * w); // [B, C, 2H, 2W]
  }

  /**
   * A reshaped view of a weight, owned by the manager of {@code like} (the running scope), so
   * that the view is freed with the scope rather than accumulating in the weight store.
   */
  public static NDArray local(NDArray weight, NDArray like, long... shape) {
    NDArray view = weight.reshape(shape);
    view.attach(like.getManager());
    return view;
  }

  /**
   * A copy of a forward's input owned by the forward's scope, on the scope's device and in the
   * compute dtype. Every later result inherits the scope as manager from this first operand, so
   * closing the scope frees all intermediates (the caller's own input is left untouched). It
   * copies once: a duplicate on the same device, else the transfer itself.
   */
  public static NDArray enter(NDArray input, NDManager scope, DataType dtype) {
    NDArray copy = input.getDevice().equals(scope.getDevice())
        ? input.duplicate()
        : input.toDevice(scope.getDevice(), false);
    copy.attach(scope);
    return copy.getDataType() == dtype ? copy : copy.toType(dtype, false);
  }

  /**
   * diffusers' get_timestep_embedding (max_period 10000, scale 1): sinusoids of each timestep at
   * dim/2 geometric frequencies, computed with the same float32 tensor operations torch uses so
   * that the sines match to the last bit or two.
   *
   * @param timesteps [T], may be fractional (SD3's 1000 sigma)
   * @param flipSinToCos cos half first
   * @param freqShift diffusers' downscale_freq_shift
   * @return [T, dim] in {@code scope}
   */
  public static NDArray timestepEmbedding(NDManager scope, float[] timesteps, int dim, boolean flipSinToCos,
      double freqShift) {
    int half = dim / 2;
    NDArray t = scope.create(timesteps).reshape(timesteps.length, 1); // [T] -> [T, 1]
    NDArray exponent = scope.arange(0f, half, 1f, DataType.FLOAT32)
        .mul((float) -Math.log(10000)).div((float) (half - freqShift)); // [half]
    NDArray args = t.mul(exponent.exp().reshape(1, half)); // [T, 1] * [1, half] -> [T, half]
    ai.djl.ndarray.NDList parts = flipSinToCos ? new ai.djl.ndarray.NDList(args.cos(), args.sin())
        : new ai.djl.ndarray.NDList(args.sin(), args.cos());
    NDArray emb = NDArrays.concat(parts, 1); // [T, half] ++ [T, half] -> [T, 2*half]
    if (dim % 2 == 1) {
      emb = NDArrays.concat(new ai.djl.ndarray.NDList(emb, scope.zeros(new Shape(timesteps.length, 1))), 1); // [T, dim]
    }
    return emb;
  }

  /** The values of each entry of a batch [N, ...] as float32, copied off the engine: N rows of equal length. */
  public static float[][] rows(NDArray batch) {
    float[] flat = batch.toType(DataType.FLOAT32, false).toFloatArray();
    int n = Math.toIntExact(batch.getShape().get(0));
    int per = flat.length / n;
    float[][] rows = new float[n][];
    for (int i = 0; i < n; i++) {
      rows[i] = Arrays.copyOfRange(flat, i * per, (i + 1) * per);
    }
    return rows;
  }

  /** The spatial mean of a [B, C, H, W] map: [B, C] (chained single-axis means; see docs/platform.md). */
  public static NDArray spatialMean(NDArray x) {
    return x.mean(new int[] {3}).mean(new int[] {2}); // [B, C, H, W] -> [B, C, H] -> [B, C]
  }
}
