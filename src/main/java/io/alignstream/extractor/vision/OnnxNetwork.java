package io.alignstream.extractor.vision;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An ONNX model on ONNX Runtime's Java API (com.microsoft.onnxruntime, natives inside the jar),
 * with the layers asked for added to the graph outputs ({@link OnnxGraph#withOutputs}).
 *
 * <p>Why the runtime's own API and not DJL's OnnxRuntime engine: DJL's engine loads a model from
 * a path, so an edited graph would have to be written out (and its external data found again),
 * and it pins an older runtime (1.21 for DJL 0.33); the runtime's API takes the edited bytes and
 * the folder its external data lives in, and returns float buffers without a further copy
 * through NDArrays. The choice rests on those API facts; the two have not been timed against
 * each other (docs/vision-models.md, "What each format can and cannot do").
 *
 * <p>Every call into the runtime runs on one thread of the network's own with a 16 MiB stack:
 * creating a session crashed the JVM (SIGSEGV, no error file) on threads with the default 1 MiB
 * stack when the class path was long (docs/platform.md).
 *
 * <p>Threads: the intra-op pool takes its size from {@code OMP_NUM_THREADS} and stops spinning
 * when {@code OMP_WAIT_POLICY=PASSIVE}, the variables PyTorch's OpenMP reads, so one setting
 * tames both engines on a shared machine (docs/platform.md).
 */
final class OnnxNetwork implements LayerNetwork {

  private static final long NATIVE_STACK_BYTES = 16L << 20;

  private final OnnxGraph graph;
  private final ExecutorService runtimeThread;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String inputName;
  private final List<String> requested;
  private final long[] inputDims;

  private OnnxNetwork(OnnxGraph graph, ExecutorService runtimeThread, OrtEnvironment env, OrtSession session,
      List<String> requested) {
    this.graph = graph;
    this.runtimeThread = runtimeThread;
    this.env = env;
    this.session = session;
    this.inputName = graph.input().getName();
    this.requested = List.copyOf(requested);
    this.inputDims = graph.inputDims();
  }

  /**
   * Creates a session that returns {@code layers} (graph outputs or any other value).
   *
   * @param device "cpu", "gpu" or "gpu:N" (CUDA; needs the onnxruntime_gpu build, -Pcuda)
   * @throws IllegalArgumentException for a model ONNX Runtime cannot load, an input that is not
   *     [N, 3, H, W], or a GPU this build cannot use
   */
  static OnnxNetwork open(OnnxGraph graph, List<String> layers, String device) {
    long[] dims = graph.inputDims();
    if (dims.length != 4 || (dims[1] != -1 && dims[1] != 3)) {
      throw new IllegalArgumentException(graph.file() + ": input " + graph.input().getName() + " has shape "
          + VisionShapes.format(dims) + "; a vision model takes images [N, 3, H, W]");
    }
    ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(null, r, "onnxruntime-" + graph.file().getFileName(), NATIVE_STACK_BYTES);
      t.setDaemon(true);
      return t;
    });
    try {
      return onThread(thread, () -> create(graph, layers, device, thread));
    } catch (RuntimeException e) {
      thread.shutdown();
      throw e;
    }
  }

  private static OnnxNetwork create(OnnxGraph graph, List<String> layers, String device, ExecutorService thread) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      String threads = System.getenv("OMP_NUM_THREADS");
      if (threads != null && threads.matches("[1-9][0-9]*")) {
        options.setIntraOpNumThreads(Integer.parseInt(threads));
      }
      if ("PASSIVE".equalsIgnoreCase(System.getenv("OMP_WAIT_POLICY"))) {
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
      }
      // The edited graph is handed over as bytes: name the folder its external data lives in.
      options.addConfigEntry("session.model_external_initializers_file_folder_path", graph.folder().toString());
      int gpu = VisionShapes.gpuIndex(device);
      if (gpu >= 0) {
        try {
          options.addCUDA(gpu);
        } catch (OrtException e) {
          throw new IllegalArgumentException("--device " + device + ": this ONNX Runtime build cannot use CUDA ("
              + e.getMessage() + "); build with -Pcuda (onnxruntime_gpu) on a machine with a CUDA driver", e);
        }
      }
      OrtSession session = env.createSession(graph.withOutputs(layers), options);
      return new OnnxNetwork(graph, thread, env, session, layers);
    } catch (OrtException e) {
      throw new IllegalArgumentException("ONNX Runtime cannot load " + graph.file() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String format() {
    return "onnx";
  }

  @Override
  public List<String> exportedLayers() {
    return graph.outputs();
  }

  @Override
  public List<String> allLayers() {
    return graph.nodeValues();
  }

  @Override
  public int maxBatch() {
    return inputDims[0] > 0 ? (int) inputDims[0] : 0;
  }

  @Override
  public int[] inputSize() {
    return inputDims[2] > 0 && inputDims[3] > 0 ? new int[] {(int) inputDims[2], (int) inputDims[3]} : null;
  }

  @Override
  public Map<String, Output> run(float[] pixels, long[] shape) {
    return onThread(runtimeThread, () -> runHere(pixels, shape));
  }

  private Map<String, Output> runHere(float[] pixels, long[] shape) {
    Map<String, Output> out = new LinkedHashMap<>();
    try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), shape);
        OrtSession.Result result = session.run(Map.of(inputName, input), new LinkedHashSet<>(requested))) {
      for (Map.Entry<String, OnnxValue> e : result) {
        if (!(e.getValue() instanceof OnnxTensor tensor)
            || ((TensorInfo) tensor.getInfo()).type != ai.onnxruntime.OnnxJavaType.FLOAT) {
          continue; // shapes, indices, masks: only float values can be layers
        }
        FloatBuffer buffer = tensor.getFloatBuffer();
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        out.put(e.getKey(), new Output(((TensorInfo) tensor.getInfo()).getShape(), values));
      }
    } catch (OrtException e) {
      throw new IllegalArgumentException("ONNX Runtime failed on a batch of shape " + VisionShapes.format(shape)
          + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** Names of the values this session returns. */
  List<String> requested() {
    return requested;
  }

  @Override
  public void close() {
    try {
      onThread(runtimeThread, () -> {
        try {
          session.close();
        } catch (OrtException e) {
          throw new IllegalStateException("closing the ONNX Runtime session failed: " + e.getMessage(), e);
        }
        return null;
      });
    } finally {
      runtimeThread.shutdown();
    }
  }

  /** Runs a call on the runtime's thread; its exceptions come back as they were thrown. */
  private static <T> T onThread(ExecutorService thread, Callable<T> call) {
    try {
      return thread.submit(call).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while ONNX Runtime was working", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
