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
   * Runs a batch and returns the named float values (those given to the network when it was
   * opened; values of other types are left out).
   *
   * @param pixels [N, 3, H, W] row-major
   */
  Map<String, Output> run(float[] pixels, long[] shape);

  @Override
  void close();
}
