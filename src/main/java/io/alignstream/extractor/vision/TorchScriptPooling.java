package io.alignstream.extractor.vision;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import io.alignstream.extractor.nn.TorchScriptArchive;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pools a TorchScript network's layers inside libtorch: a module compiled at open time from
 * TorchScript source written here ({@link TorchScriptArchive}) takes what the user's module
 * returns, applies each target's {@link LayerPooling} and returns every target's vectors in one
 * flat tensor with their shapes, so a batch costs two module calls and one copy into Java.
 *
 * <p>Why: pooling with DJL's eager operators cost several JNI calls per target (about 8 us each,
 * against about 1.3 us for an operator inside TorchScript), plus a tensor wrapper, a float
 * conversion and a copy into Java per target; at batch 1 that per-call work was a large part of
 * the TorchScript extractor's time (docs/benchmarks.md, "Vision models"). ONNX pools inside its
 * graph for the same reason ({@link OnnxGraph}).
 *
 * <p>The source for a module returning {@code Dict[str, Tensor]}, targets layer4 = mean and
 * encoder.ln = cls+mean:
 *
 * <pre>
 * def forward(self: __torch__.LayerPooling, layers: Dict[str, Tensor]) -&gt; Tuple[Tensor, List[int]]:
 *   x0 = layers["layer4"]
 *   p0 = torch.mean(x0, [2, 3])                                  # [N, C, H, W] -&gt; [N, C]
 *   x1 = layers["encoder.ln"]
 *   p1 = torch.cat([torch.select(x1, 1, 0), torch.mean(x1, [1])], 1)  # [N, T, D] -&gt; [N, 2D]
 *   values = torch.cat([torch.reshape(p0, [-1]), torch.reshape(p1, [-1])]).float()
 *   return (values, p0.size() + p1.size())
 * </pre>
 */
final class TorchScriptPooling implements AutoCloseable {

  /** How the user's module returns its layers, which gives the pooling module's argument type. */
  enum Returns {
    /** {@code Dict[str, Tensor]}, keyed by layer name. */
    DICT,
    /** {@code Tuple[Tensor, ...]}, layers {@code output.0}, {@code output.1}, ... */
    TUPLE,
    /** {@code List[Tensor]}, named as a tuple's. */
    LIST,
    /** One {@code Tensor}, layer {@code output}. */
    TENSOR
  }

  private static final String CLASS = "LayerPooling";

  private final PtSymbolBlock module;
  private final List<LayerSelection.Target> targets;
  /** Each target's rank in the shapes list the module returns. */
  private final int[] ranks;

  private TorchScriptPooling(PtSymbolBlock module, List<LayerSelection.Target> targets, int[] ranks) {
    this.module = module;
    this.targets = targets;
    this.ranks = ranks;
  }

  /**
   * Compiles the pooling of {@code targets} for a module that returns {@code outputs} as {@code
   * returns} says; the module is owned by {@code manager}.
   *
   * @param shapes each target layer's shape [N, ...]
   */
  static TorchScriptPooling compile(PtNDManager manager, Returns returns, List<String> outputs,
      List<LayerSelection.Target> targets, Map<String, long[]> shapes) {
    int[] ranks = targets.stream().mapToInt(t -> switch (t.pooling()) {
      case FLATTEN, NONE -> shapes.get(t.layer()).length;
      case MEAN, CLS, CLS_MEAN -> 2;
    }).toArray();
    return new TorchScriptPooling(TorchScriptArchive.load(manager, CLASS, source(returns, outputs, targets, shapes)),
        List.copyOf(targets), ranks);
  }

  /** The module's TorchScript source (see the class comment); {@code shapes} as for {@link #compile}. */
  static String source(Returns returns, List<String> outputs, List<LayerSelection.Target> targets,
      Map<String, long[]> shapes) {
    String argument = switch (returns) {
      case DICT -> "Dict[str, Tensor]";
      case TUPLE -> "Tuple[" + String.join(", ", Collections.nCopies(outputs.size(), "Tensor")) + "]";
      case LIST -> "List[Tensor]";
      case TENSOR -> "Tensor";
    };
    List<String> lines = new ArrayList<>(List.of(
        "class " + CLASS + "(Module):",
        "  __parameters__ = []",
        "  __buffers__ = []",
        "  training : bool",
        "  def forward(self: __torch__." + CLASS + ", layers: " + argument + ") -> Tuple[Tensor, List[int]]:"));
    List<String> flat = new ArrayList<>();
    List<String> sizes = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      LayerSelection.Target t = targets.get(i);
      String x = "x" + i;
      lines.add("    " + x + " = " + layer(returns, outputs, t.layer()));
      lines.add("    p" + i + " = " + switch (t.pooling()) {
        case FLATTEN, NONE -> x; // as the layer is
        // [N, C, H, W] -> [N, C], or [N, T, D] -> [N, D]
        case MEAN -> "torch.mean(" + x + (shapes.get(t.layer()).length == 4 ? ", [2, 3])" : ", [1])");
        case CLS -> "torch.select(" + x + ", 1, 0)"; // [N, T, D] -> [N, D]
        case CLS_MEAN -> "torch.cat([torch.select(" + x + ", 1, 0), torch.mean(" + x + ", [1])], 1)"; // [N, 2D]
      });
      flat.add("torch.reshape(p" + i + ", [-1])");
      sizes.add("p" + i + ".size()");
    }
    lines.add("    values = torch.cat([" + String.join(", ", flat) + "]).float()");
    lines.add("    return (values, " + String.join(" + ", sizes) + ")");
    return String.join("\n", lines) + "\n";
  }

  /** The expression for one layer of the user's module's result. */
  private static String layer(Returns returns, List<String> outputs, String name) {
    return switch (returns) {
      case DICT -> "layers[" + literal(name) + "]";
      case TUPLE, LIST -> "layers[" + outputs.indexOf(name) + "]";
      case TENSOR -> "layers";
    };
  }

  /** A TorchScript string literal. */
  private static String literal(String text) {
    return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /**
   * Pools one result of the user's module: each target's vectors by {@link
   * LayerSelection.Target#key()}, [N, dim] (flatten and none: the layer's own shape).
   *
   * @param manager holds the pooled tensor while it is copied into Java, then it is freed
   */
  Map<String, LayerNetwork.Output> apply(IValue layers, PtNDManager manager) {
    float[] values;
    long[] sizes;
    try (IValue pooled = module.forward(layers)) {
      IValue[] parts = pooled.toIValueTuple();
      try (IValue v = parts[0]; IValue s = parts[1]) {
        try (PtNDArray tensor = v.toTensor(manager)) {
          values = tensor.toFloatArray();
        }
        sizes = s.toLongArray();
      }
    }
    Map<String, LayerNetwork.Output> out = new LinkedHashMap<>();
    int from = 0;
    int at = 0;
    for (int i = 0; i < targets.size(); i++) {
      long[] shape = Arrays.copyOfRange(sizes, at, at + ranks[i]);
      at += ranks[i];
      int length = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
      out.put(targets.get(i).key(), new LayerNetwork.Output(shape, Arrays.copyOfRange(values, from, from + length)));
      from += length;
    }
    return out;
  }

  @Override
  public void close() {
    module.close();
  }
}
