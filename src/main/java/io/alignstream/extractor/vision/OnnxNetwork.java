package io.alignstream.extractor.vision;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.alignstream.common.OpenMpWaitPolicy;
import java.nio.FloatBuffer;
import java.util.Collections;
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
 * through NDArrays. Timed against each other on the fixture ResNet (same file, same threads,
 * alternating rounds), DJL's engine was not faster: 0.53 to 1.3 times the API's images/s, below 1
 * in most pairings (docs/vision-models.md, "ONNX Runtime's API or DJL's engine").
 *
 * <p>Every call into the runtime runs on one thread of the network's own with a 16 MiB stack:
 * creating a session crashed the JVM (SIGSEGV, no error file) on threads with the default 1 MiB
 * stack when the class path was long (docs/platform.md).
 *
 * <p>Pooling happens in the graph ({@link #pooled}): nodes added after each layer reduce it to
 * [N, dim] before ONNX Runtime hands it over, so a ResNet's [N, 64, 56, 56] map crosses into Java
 * as [N, 64].
 *
 * <p>Threads: the intra-op pool takes its size from {@code --threads} ({@link #useThreads}, as
 * PyTorch's pool does), else from {@code OMP_NUM_THREADS}, and stops spinning when {@code
 * OMP_WAIT_POLICY=PASSIVE}, the variables PyTorch's OpenMP reads, so one setting tames both
 * engines on a shared machine (docs/platform.md).
 */
final class OnnxNetwork implements LayerNetwork {

  private static final long NATIVE_STACK_BYTES = 16L << 20;
  /** Intra-op threads of the sessions opened from now on; 0 = {@code OMP_NUM_THREADS}, else the runtime's choice. */
  private static volatile int intraOpThreads;

  private final OnnxGraph graph;
  private final ExecutorService runtimeThread;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String inputName;
  private final String device;
  /** The name {@link #run} gives each value, and the graph output it comes from. */
  private final Map<String, String> outputs;
  private final long[] inputDims;
  private final InputBuffer inputBuffer = new InputBuffer();

  private OnnxNetwork(OnnxGraph graph, ExecutorService runtimeThread, OrtEnvironment env, OrtSession session,
      String device, Map<String, String> outputs) {
    this.graph = graph;
    this.runtimeThread = runtimeThread;
    this.env = env;
    this.session = session;
    this.device = device;
    this.inputName = graph.input().getName();
    this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    this.inputDims = graph.inputDims();
  }

  /** Sets the intra-op threads of sessions opened from now on (process-wide, as PyTorch's setting is); 0 = default. */
  static void useThreads(int threads) {
    intraOpThreads = threads;
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
      return onThread(thread, () -> {
        Map<String, String> outputs = new LinkedHashMap<>();
        layers.forEach(layer -> outputs.put(layer, layer));
        OrtSession session = createSession(graph, graph.withOutputs(layers), device);
        return new OnnxNetwork(graph, thread, OrtEnvironment.getEnvironment(), session, device, outputs);
      });
    } catch (RuntimeException e) {
      thread.shutdown();
      throw e;
    }
  }

  /**
   * This network's successor that returns each target pooled by the graph, keyed by {@link
   * LayerSelection.Target#key()}; this one's session is closed (the runtime thread carries over).
   * On failure this network is closed too.
   */
  @Override
  public LayerNetwork pooled(List<LayerSelection.Target> targets, Map<String, long[]> shapes) {
    try {
      return onThread(runtimeThread, () -> {
        Map<String, String> pooledOutputs = new LinkedHashMap<>();
        targets.forEach(t -> pooledOutputs.put(t.key(), OnnxGraph.outputName(t)));
        OrtSession pooledSession = createSession(graph, graph.withPooledOutputs(targets, shapes), device);
        closeSession();
        return new OnnxNetwork(graph, runtimeThread, env, pooledSession, device, pooledOutputs);
      });
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private static OrtSession createSession(OnnxGraph graph, byte[] model, String device) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      String threads = System.getenv("OMP_NUM_THREADS");
      if (intraOpThreads > 0) {
        options.setIntraOpNumThreads(intraOpThreads);
      } else if (threads != null && threads.matches("[1-9][0-9]*")) {
        options.setIntraOpNumThreads(Integer.parseInt(threads));
      }
      if (OpenMpWaitPolicy.passive()) {
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
      }
      // The edited graph is handed over as bytes: name the folder its external data lives in.
      options.addConfigEntry("session.model_external_initializers_file_folder_path", graph.dataFolder().toString());
      int gpu = VisionShapes.gpuIndex(device);
      if (gpu >= 0) {
        requireCuda(device, OrtEnvironment.getAvailableProviders());
        try {
          options.addCUDA(gpu);
        } catch (OrtException e) {
          throw new IllegalArgumentException("--device " + device + ": ONNX Runtime's CUDA provider did not start ("
              + e.getMessage() + "); it needs an NVIDIA driver and the CUDA 12 and cuDNN 9 libraries on the "
              + "library path (docs/vision-models.md)", e);
        }
      }
      return env.createSession(model, options);
    } catch (OrtException e) {
      throw new IllegalArgumentException("ONNX Runtime cannot load " + graph.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Refuses a GPU where the runtime carries no CUDA provider: the default build's
   * com.microsoft.onnxruntime:onnxruntime has CPU natives only; -Pcuda swaps in onnxruntime_gpu.
   */
  static void requireCuda(String device, java.util.Set<ai.onnxruntime.OrtProvider> providers) {
    if (!providers.contains(ai.onnxruntime.OrtProvider.CUDA)) {
      throw new IllegalArgumentException("--device " + device + ": this build carries ONNX Runtime's CPU natives "
          + "(providers " + providers + "); ONNX models on a GPU need the onnxruntime_gpu build: mvn -Pcuda package");
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
    // a direct buffer is read in place; a heap array would be copied into a new one per call
    try (OnnxTensor input = OnnxTensor.createTensor(env, inputBuffer.fill(pixels).asFloatBuffer(), shape);
        OrtSession.Result result = session.run(Map.of(inputName, input), new LinkedHashSet<>(outputs.values()))) {
      for (Map.Entry<String, String> named : outputs.entrySet()) {
        OnnxValue value = result.get(named.getValue()).orElseThrow();
        if (!(value instanceof OnnxTensor tensor)
            || ((TensorInfo) tensor.getInfo()).type != ai.onnxruntime.OnnxJavaType.FLOAT) {
          continue; // shapes, indices, masks: only float values can be layers
        }
        FloatBuffer buffer = tensor.getFloatBuffer();
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        out.put(named.getKey(), new Output(((TensorInfo) tensor.getInfo()).getShape(), values));
      }
    } catch (OrtException e) {
      throw new IllegalArgumentException("ONNX Runtime failed on a batch of shape " + VisionShapes.format(shape)
          + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** Names of the values this session returns. */
  List<String> requested() {
    return List.copyOf(outputs.keySet());
  }

  @Override
  public void close() {
    try {
      onThread(runtimeThread, () -> {
        closeSession();
        return null;
      });
    } finally {
      runtimeThread.shutdown();
    }
  }

  private void closeSession() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("closing the ONNX Runtime session failed: " + e.getMessage(), e);
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
