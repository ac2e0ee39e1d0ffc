package io.alignstream.extractor.vision;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import io.alignstream.extractor.diffusion.nn.Ops;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TorchScript module on DJL's PyTorch engine. Its {@code forward(pixel_values)} returns the
 * layers: a {@code Dict[str, Tensor]} keyed by module path (what forward hooks + {@code
 * torch.jit.trace(strict=False)} export, docs/vision-models.md), a tuple or list of tensors
 * ({@code output.0}, {@code output.1}, ...), or one tensor ({@code output}). A traced module
 * keeps no hooks, so its layers are exactly its outputs; the names are learnt from one forward
 * when the module is opened (a dictionary's order is not fixed: they are kept sorted).
 *
 * <p>A {@link #pooled} network pools with libtorch's own operations on the module's outputs and
 * copies only the [N, dim] results into Java.
 */
final class TorchScriptNetwork implements LayerNetwork {

  private final Path file;
  private final NDManager base;
  private final PtSymbolBlock module;
  private List<String> outputs;
  /** The targets {@link #run} pools, or null for the outputs as they are. */
  private final List<LayerSelection.Target> targets;
  private final InputBuffer inputBuffer = new InputBuffer();

  private TorchScriptNetwork(Path file, NDManager base, PtSymbolBlock module, List<String> outputs,
      List<LayerSelection.Target> targets) {
    this.file = file;
    this.base = base;
    this.module = module;
    this.outputs = outputs;
    this.targets = targets;
  }

  /**
   * Loads a TorchScript archive onto a device.
   *
   * @throws IllegalArgumentException for a file libtorch cannot load (not TorchScript, truncated)
   */
  static TorchScriptNetwork open(Path file, Device device) {
    NDManager base = NDManager.newBaseManager(device, "PyTorch");
    try {
      PtSymbolBlock module = JniUtils.loadModule((PtNDManager) base, file, true, new String[0], new String[0], false);
      return new TorchScriptNetwork(file, base, module, null, null);
    } catch (EngineException | IllegalArgumentException e) {
      base.close();
      throw new IllegalArgumentException(file + " is not a TorchScript module libtorch can load ("
          + firstLine(e.getMessage()) + "); truncated, or saved with torch.save instead of torch.jit.save?", e);
    }
  }

  @Override
  public String format() {
    return "torchscript";
  }

  @Override
  public List<String> exportedLayers() {
    if (outputs == null) {
      throw new IllegalStateException("the module's outputs are known after its first forward");
    }
    return outputs;
  }

  @Override
  public List<String> allLayers() {
    return exportedLayers();
  }

  @Override
  public int maxBatch() {
    return 0;
  }

  @Override
  public int[] inputSize() {
    return null;
  }

  @Override
  public synchronized LayerNetwork pooled(List<LayerSelection.Target> targets, Map<String, long[]> shapes) {
    return new TorchScriptNetwork(file, base, module, outputs, List.copyOf(targets));
  }

  @Override
  public synchronized Map<String, Output> run(float[] pixels, long[] shape) {
    Map<String, Output> out = new LinkedHashMap<>();
    try (NDManager scope = base.newSubManager()) {
      // on the CPU the tensor is the buffer itself (torch::from_blob); a heap array would be
      // copied into a new direct buffer per call
      PtNDArray input = (PtNDArray) scope.create(inputBuffer.fill(pixels), new Shape(shape), DataType.FLOAT32);
      try (IValue in = IValue.from(input); IValue result = module.forward(in)) {
        Map<String, PtNDArray> named = named(result, (PtNDManager) scope);
        if (outputs == null) {
          outputs = List.copyOf(named.keySet());
        }
        if (targets == null) {
          named.forEach((name, value) -> out.put(name, output(value)));
        } else {
          for (LayerSelection.Target t : targets) {
            out.put(t.key(), output(pool(named.get(t.layer()), t.pooling())));
          }
        }
      }
    } catch (EngineException e) {
      throw new IllegalArgumentException(file.getFileName() + " failed on a batch of shape "
          + VisionShapes.format(shape) + ": " + firstLine(e.getMessage()), e);
    }
    return out;
  }

  private static Output output(NDArray value) {
    NDArray floats = value.getDataType() == DataType.FLOAT32 ? value : value.toType(DataType.FLOAT32, false);
    return new Output(floats.getShape().getShape(), floats.toFloatArray());
  }

  /** One target's vectors from a layer's output [N, ...], as {@link LayerPooling} defines them. */
  private static NDArray pool(NDArray value, LayerPooling pooling) {
    Shape shape = value.getShape();
    return switch (pooling) {
      case FLATTEN, NONE -> value;
      case MEAN -> shape.dimension() == 4 ? Ops.spatialMean(value) // [N, C, H, W] -> [N, C]
          : value.mean(new int[] {1}); // [N, T, D] -> [N, D]
      case CLS -> value.get(":, 0"); // [N, T, D] -> [N, D]
      case CLS_MEAN -> value.get(":, 0").concat(value.mean(new int[] {1}), 1); // [N, 2D]
    };
  }

  /** The module's result as named tensors, sorted by name for a dictionary. */
  private Map<String, PtNDArray> named(IValue result, PtNDManager manager) {
    Map<String, PtNDArray> named = new LinkedHashMap<>();
    if (result.isMap()) {
      Map<String, IValue> map = result.toIValueMap();
      for (String key : new java.util.TreeSet<>(map.keySet())) {
        named.put(key, tensor(key, map.get(key), manager));
      }
      map.values().forEach(IValue::close);
    } else if (result.isTuple() || result.isList() || result.isTensorList()) {
      IValue[] items = result.isTuple() ? result.toIValueTuple() : result.toIValueArray();
      for (int i = 0; i < items.length; i++) {
        named.put("output." + i, tensor("output." + i, items[i], manager));
        items[i].close();
      }
    } else {
      named.put("output", tensor("output", result, manager));
    }
    return named;
  }

  private PtNDArray tensor(String name, IValue value, PtNDManager manager) {
    if (!value.isTensor()) {
      throw new IllegalArgumentException(file.getFileName() + ": output " + name + " is a " + value.getType()
          + ", not a tensor; forward must return Dict[str, Tensor], a tuple of tensors or one tensor");
    }
    return value.toTensor(manager);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no message";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  @Override
  public synchronized void close() {
    module.close();
    base.close();
  }
}
