package io.alignstream.extractor.vision;

import java.util.List;
import java.util.Map;

/**
 * A loaded vision network that returns named intermediate values for a batch of preprocessed
 * images [N, 3, H, W]: a TorchScript module ({@link TorchScriptNetwork}) or an ONNX graph
 * ({@link OnnxNetwork}). Values come back as float32, row-major, batch first.
 */
interface LayerNetwork extends AutoCloseable {

  /** One named output: its shape [N, ...] and values. */
  record Output(long[] shape, float[] values) {}

  /** "torchscript" or "onnx". */
  String format();

  /** The layers the model exports: the module's outputs, or the ONNX graph's outputs. */
  List<String> exportedLayers();

  /**
   * Every value the model can give, in graph order: the outputs for TorchScript (a traced module
   * keeps no hooks), every float value of the graph for ONNX.
   */
  List<String> allLayers();

  /** The most images one forward takes (a model exported with a fixed batch size), or 0 for any. */
  int maxBatch();

  /** The input size the model requires, [height, width], or null when any size goes. */
  int[] inputSize();

  /**
   * Runs a batch and returns the named float values: each layer given when the network was
   * opened, by its name (values of other types are left out); from a {@link #pooled} network each
   * target's vectors by {@link LayerSelection.Target#key()}, image n's vector being the n-th of N
   * equal row-major slices.
   *
   * @param pixels [N, 3, H, W] row-major
   */
  Map<String, Output> run(float[] pixels, long[] shape);

  /**
   * The same network pooling each target in its own runtime, before anything is copied out: a
   * map's spatial mean, a token sequence's class token or mean, as [N, dim]; flatten and none as
   * the layer is. Why: copying a whole [N, C, H, W] map into Java to average it cost more than
   * the forward for small networks (docs/benchmarks.md, "Vision models"). The returned network
   * takes this one over (close that one, not this); on failure this one is closed.
   *
   * @param shapes each target layer's shape [N, ...], from a forward of this network
   */
  LayerNetwork pooled(List<LayerSelection.Target> targets, Map<String, long[]> shapes);

  @Override
  void close();
}
