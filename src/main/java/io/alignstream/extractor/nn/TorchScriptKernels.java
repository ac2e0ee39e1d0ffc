package io.alignstream.extractor.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;

/**
 * Torch operators the DJL API does not expose (scaled_dot_product_attention, group_norm, the
 * im2col convolution, oneDNN's linear, memory formats, nearest upsampling), reached through a
 * TorchScript module that this class writes in memory and libtorch compiles when it loads it: no
 * Python, no C++, no file. Registered operators are called as {@code ops.<namespace>.<name>}, the
 * only spelling the serialized-code importer resolves.
 *
 * <p>The archive is written by {@link TorchScriptArchive}; {@code TorchScriptKernelsTest} loads
 * it on the engine in use and checks every method against the explicit operators.
 *
 * <p>The module has no parameters, so one instance serves every device and thread; it is
 * compiled once per process, on first use. Tensors it returns are inference tensors: never
 * modify them in place.
 */
final class TorchScriptKernels {

  private static final String CLASS = "FusedKernels";

  /**
   * The module source. Each method is one Java -> TorchScript call (about 6 us on CPU) that
   * replaces one or several DJL operators (about 2 us each, plus a pass over memory per operator)
   * or reaches an operator DJL does not expose.
   */
  static final String SOURCE = String.join("\n",
      "class " + CLASS + "(Module):",
      "  __parameters__ = []",
      "  __buffers__ = []",
      "  training : bool",
      // [B, Nq, h*d] x3 -> [B, Nq, h*d]; SDPA picks a fused kernel (flash / memory-efficient on
      // CUDA, a blocked kernel on CPU) that never materialises the [B, h, Nq, Nk] scores and
      // accumulates the softmax in float32 for float16 inputs.
      "  def attention(self: __torch__." + CLASS + ", q: Tensor, k: Tensor, v: Tensor, heads: int) -> Tensor:",
      "    o = torch.scaled_dot_product_attention(self.split_heads(q, heads), self.split_heads(k, heads),"
          + " self.split_heads(v, heads))",
      "    return self.merge_heads(o, q.size())",
      // attention with an additive bias [*, h or 1, Nq, Nk] and a given scale (T5's relative positions)
      "  def attention_bias(self: __torch__." + CLASS
          + ", q: Tensor, k: Tensor, v: Tensor, heads: int, bias: Tensor, scale: float) -> Tensor:",
      "    o = torch.scaled_dot_product_attention(self.split_heads(q, heads), self.split_heads(k, heads),"
          + " self.split_heads(v, heads), bias, 0.0, False, scale=scale)",
      "    return self.merge_heads(o, q.size())",
      // [B, N, h*d] -> [B, h, N, d] and back
      "  def split_heads(self: __torch__." + CLASS + ", x: Tensor, heads: int) -> Tensor:",
      "    b, n, inner = x.size()",
      "    return x.reshape([b, n, heads, inner // heads]).transpose(1, 2)",
      "  def merge_heads(self: __torch__." + CLASS + ", o: Tensor, size: List[int]) -> Tensor:",
      "    return o.transpose(1, 2).reshape(size)",
      "  def gelu_tanh(self: __torch__." + CLASS + ", x: Tensor) -> Tensor:",
      // the archive's operator version knows only the exact gelu: the tanh form spelled out
      "    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))",
      // SD3's adaptive layer norms: LayerNorm without affine, then (1 + scale) and shift per sample
      "  def modulated_layer_norm(self: __torch__." + CLASS
          + ", x: Tensor, scale: Tensor, shift: Tensor, eps: float) -> Tensor:",
      "    d = x.size(-1)",
      "    return torch.layer_norm(x, [d], None, None, eps) * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)",
      // torch.nn.GroupNorm with affine, optionally followed by SiLU (every resnet norm is)
      "  def group_norm(self: __torch__." + CLASS
          + ", x: Tensor, groups: int, weight: Tensor, bias: Tensor, eps: float) -> Tensor:",
      "    return torch.group_norm(x, groups, weight, bias, eps)",
      "  def group_norm_silu(self: __torch__." + CLASS
          + ", x: Tensor, groups: int, weight: Tensor, bias: Tensor, eps: float) -> Tensor:",
      "    return torch.silu(torch.group_norm(x, groups, weight, bias, eps))",
      // NHWC strides for [B, C, H, W]: oneDNN and cuDNN convolve without reordering, and the
      // [B, C, H, W] -> [B, H*W, C] token view of a transformer becomes free
      "  def channels_last(self: __torch__." + CLASS + ", x: Tensor) -> Tensor:",
      "    return x.contiguous(memory_format=2)", // c10::MemoryFormat::ChannelsLast: the importer knows no torch.channels_last
      // im2col + GEMM (libtorch's slow_conv2d): reads the weight in place, where oneDNN would
      // first reorder all of it (see Kernels.GEMM_CONV_MAX_POSITIONS)
      "  def conv2d_gemm(self: __torch__." + CLASS
          + ", x: Tensor, w: Tensor, b: Tensor, stride: int, padding: int) -> Tensor:",
      "    return ops.aten.thnn_conv2d(x, w, [w.size(2), w.size(3)], b, [stride, stride], [padding, padding])",
      // oneDNN's linear (reorders the weight per call like the convolution, but its AVX-512
      // kernels beat the MKL sgemm libtorch otherwise calls on AMD: see Kernels.onednnLinear)
      "  def linear(self: __torch__." + CLASS + ", x: Tensor, w: Tensor, b: Tensor) -> Tensor:",
      "    return ops.mkldnn._linear_pointwise(x, w, b, \"none\", annotate(List[Optional[number]], []), \"\")",
      "  def linear_no_bias(self: __torch__." + CLASS + ", x: Tensor, w: Tensor) -> Tensor:",
      "    return ops.mkldnn._linear_pointwise(x, w, None, \"none\", annotate(List[Optional[number]], []), \"\")",
      "  def upsample_nearest_2x(self: __torch__." + CLASS + ", x: Tensor) -> Tensor:",
      "    return torch.upsample_nearest2d(x, None, [2.0, 2.0])",
      "  def pad_right_bottom(self: __torch__." + CLASS + ", x: Tensor) -> Tensor:",
      "    return torch.constant_pad_nd(x, [0, 1, 0, 1], 0.0)",
      "");

  private static volatile PtSymbolBlock module;

  private TorchScriptKernels() {}

  /** The compiled module, loaded on first use; later calls return the same instance. */
  static PtSymbolBlock module() {
    PtSymbolBlock m = module;
    if (m == null) {
      synchronized (TorchScriptKernels.class) {
        m = module;
        if (m == null) {
          m = load();
          module = m;
        }
      }
    }
    return m;
  }

  private static PtSymbolBlock load() {
    // the manager only anchors the module object; it lives as long as the process
    PtNDManager anchor = (PtNDManager) NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
    try {
      return TorchScriptArchive.load(anchor, CLASS, SOURCE);
    } catch (IllegalStateException e) {
      anchor.close();
      throw new IllegalStateException(e.getMessage() + "; run with -D" + Kernels.PROPERTY
          + "=explicit to use the DJL operators", e);
    }
  }

  /**
   * Calls a method of the module; the result is owned by the manager of the first argument (as
   * DJL's own operators do).
   */
  static NDArray call(String method, NDArray first, Object... rest) {
    IValue[] args = new IValue[rest.length + 1];
    try {
      args[0] = IValue.from((PtNDArray) first);
      for (int i = 0; i < rest.length; i++) {
        args[i + 1] = ivalue(rest[i]);
      }
      try (IValue out = IValueUtils.runMethod(module(), method, args)) {
        return out.toTensor((PtNDManager) first.getManager());
      }
    } finally {
      for (IValue a : args) {
        if (a != null) {
          a.close();
        }
      }
    }
  }

  private static IValue ivalue(Object o) {
    if (o instanceof NDArray a) {
      return IValue.from((PtNDArray) a);
    }
    if (o instanceof Integer i) {
      return IValue.from((long) i);
    }
    if (o instanceof Float f) {
      return IValue.from((double) f);
    }
    throw new IllegalArgumentException("no TorchScript argument for " + o.getClass());
  }
}
