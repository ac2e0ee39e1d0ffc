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
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
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
 * <p>A {@link #pooled} network hands the module's result to a second, compiled module that pools
 * every target inside libtorch ({@link TorchScriptPooling}) and copies only the pooled vectors
 * into Java, in one array.
 */
final class TorchScriptNetwork implements LayerNetwork {

  private final Path file;
  private final NDManager base;
  private final PtSymbolBlock module;
  /** The module's outputs and how it returns them, learnt from the first forward. */
  private List<String> outputs;
  private TorchScriptPooling.Returns returns;
  /** The pooling {@link #run} applies, or null for the outputs as they are. */
  private final TorchScriptPooling pooling;
  private final ModuleInput input = new ModuleInput();

  private TorchScriptNetwork(Path file, NDManager base, PtSymbolBlock module, List<String> outputs,
      TorchScriptPooling.Returns returns, TorchScriptPooling pooling) {
    this.file = file;
    this.base = base;
    this.module = module;
    this.outputs = outputs;
    this.returns = returns;
    this.pooling = pooling;
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
      return new TorchScriptNetwork(file, base, module, null, null, null);
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
    exportedLayers(); // the pooling module's argument type is the module's result type
    TorchScriptPooling compiled;
    try {
      compiled = TorchScriptPooling.compile((PtNDManager) base, returns, outputs, targets, shapes);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    return new TorchScriptNetwork(file, base, module, outputs, returns, compiled);
  }

  @Override
  public synchronized Map<String, Output> run(float[] pixels, long[] shape) {
    try {
      IValue in = input.fill(pixels, shape);
      try (IValue result = module.forward(in)) {
        if (pooling != null) {
          return pooling.apply(result, (PtNDManager) base);
        }
        try (NDManager scope = base.newSubManager()) {
          Map<String, Output> out = new LinkedHashMap<>();
          named(result, (PtNDManager) scope).forEach((name, value) -> out.put(name, output(value)));
          return out;
        }
      }
    } catch (EngineException e) {
      throw new IllegalArgumentException(file.getFileName() + " failed on a batch of shape "
          + VisionShapes.format(shape) + ": " + firstLine(e.getMessage()), e);
    }
  }

  /**
   * The module's argument: a tensor on the {@link InputBuffer}'s memory, made once per batch shape
   * and kept, so that a batch crosses into libtorch as one copy into that memory (no NDManager,
   * tensor or IValue made and freed per call: together about 40 us of a 400 us forward of the ViT
   * fixture at batch 1, docs/benchmarks.md).
   */
  private final class ModuleInput {
    private final InputBuffer buffer = new InputBuffer();
    private long[] shape;
    private int generation = -1;
    private PtNDArray tensor;
    private IValue value;

    IValue fill(float[] pixels, long[] batchShape) {
      ByteBuffer bytes = buffer.fill(pixels);
      if (value == null || generation != buffer.generation() || !Arrays.equals(shape, batchShape)) {
        close();
        // on the CPU the tensor is the buffer itself (torch::from_blob); elsewhere a copy made here,
        // so it is made again for every batch
        tensor = (PtNDArray) base.create(bytes, new Shape(batchShape), DataType.FLOAT32);
        value = IValue.from(tensor);
        shape = batchShape.clone();
        generation = base.getDevice().equals(Device.cpu()) ? buffer.generation() : -1;
      }
      return value;
    }

    void close() {
      if (value != null) {
        value.close();
        tensor.close();
        value = null;
      }
    }
  }

  private static Output output(NDArray value) {
    NDArray floats = value.getDataType() == DataType.FLOAT32 ? value : value.toType(DataType.FLOAT32, false);
    return new Output(floats.getShape().getShape(), floats.toFloatArray());
  }

  /**
   * The module's result as named tensors, sorted by name for a dictionary; the first call learns
   * the outputs' names and how the module returns them.
   */
  private Map<String, PtNDArray> named(IValue result, PtNDManager manager) {
    Map<String, PtNDArray> named = new LinkedHashMap<>();
    TorchScriptPooling.Returns kind;
    if (result.isMap()) {
      kind = TorchScriptPooling.Returns.DICT;
      Map<String, IValue> map = result.toIValueMap();
      for (String key : new java.util.TreeSet<>(map.keySet())) {
        named.put(key, tensor(key, map.get(key), manager));
      }
      map.values().forEach(IValue::close);
    } else if (result.isTuple() || result.isList() || result.isTensorList()) {
      kind = result.isTuple() ? TorchScriptPooling.Returns.TUPLE : TorchScriptPooling.Returns.LIST;
      IValue[] items = result.isTuple() ? result.toIValueTuple() : result.toIValueArray();
      for (int i = 0; i < items.length; i++) {
        named.put("output." + i, tensor("output." + i, items[i], manager));
        items[i].close();
      }
    } else {
      kind = TorchScriptPooling.Returns.TENSOR;
      named.put("output", tensor("output", result, manager));
    }
    if (outputs == null) {
      outputs = List.copyOf(named.keySet());
      returns = kind;
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
    if (pooling != null) {
      pooling.close();
    }
    input.close();
    module.close();
    base.close();
  }
}
