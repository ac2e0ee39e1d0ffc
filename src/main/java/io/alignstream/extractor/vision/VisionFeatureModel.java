package io.alignstream.extractor.vision;

import io.alignstream.common.Digests;
import io.alignstream.extractor.Feature;
import io.alignstream.extractor.ImageInput;
import io.alignstream.extractor.ModelInfo;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.extractor.ModelOrigin;
import io.alignstream.extractor.StagedFeatureModel;
import io.alignstream.extractor.nn.Placement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TorchScript or ONNX vision model as a {@link StagedFeatureModel}: each image is preprocessed
 * ({@link VisionPreprocessor}), images of one size run through the network in batches of up to
 * {@code --batch} (ModelOptions' unetBatch), and each selected layer is pooled per {@link
 * LayerSelection} into a pooled setting (model, layer, pooling): no noise, no text.
 *
 * <p>Opening runs one probe forward (two seeded random images, or the model's fixed batch) to
 * learn each layer's shape, which decides its kind, its poolings and the dimensions on the model
 * card, so a layer or pooling that cannot work fails at start-up, not on the first request.
 */
public final class VisionFeatureModel implements StagedFeatureModel<VisionPreprocessor.Pixels> {

  private final LayerNetwork network;
  private final VisionPreprocessor preprocessor;
  private final LayerSelection selection;
  private final int batch;
  private final ModelInfo info;
  private long imagesExtracted;
  private final AtomicLong preprocessingNanos = new AtomicLong();
  private long forwardNanos;

  private VisionFeatureModel(LayerNetwork network, VisionPreprocessor preprocessor, LayerSelection selection,
      int batch, ModelInfo info) {
    this.network = network;
    this.preprocessor = preprocessor;
    this.selection = selection;
    this.batch = batch;
    this.info = info;
  }

  /**
   * Opens a resolved vision model for extraction.
   *
   * @param modelId the id settings carry; null for the model's own name
   * @throws IllegalArgumentException for an unloadable model, an unknown layer (with the closest
   *     names), a pooling that does not apply, missing preprocessing, a model over the memory limit
   */
  public static VisionFeatureModel open(VisionModelSource source, String modelId, ModelOptions options) {
    VisionOptions vision = options.vision();
    ImageProcessorConfig config = ImageProcessorConfig.resolve(source.preprocessorConfig(), vision);
    if (config == null) {
      throw new IllegalArgumentException(source.file() + " has no preprocessor_config.json beside it: give "
          + "--preprocessor-config FILE, or --resize/--crop (with --mean/--std) to say how images are prepared");
    }
    long weightBytes = size(source);
    if (options.deviceMemoryLimit() > 0 && weightBytes > options.deviceMemoryLimit()) {
      throw new IllegalArgumentException(source.file() + " holds " + weightBytes + " bytes of weights, more than "
          + "--device-memory-limit " + options.deviceMemoryLimit() + ": the model does not fit");
    }
    Opened opened = openNetwork(source, options.device(), options.taps(), config.outputSize(), true);
    LayerSelection selection;
    int batch;
    ModelInfo info;
    try {
      selection = LayerSelection.of(opened.shapes(), options.pooling(), false);
      batch = batchWithin(options, opened, weightBytes);
      String id = modelId == null ? source.name() : modelId;
      info = describe(id, source, opened, selection, config, options, batch);
    } catch (RuntimeException e) {
      opened.network().close();
      throw e;
    }
    LayerNetwork pooled = opened.network().pooled(selection.targets(), opened.shapes());
    return new VisionFeatureModel(pooled, new VisionPreprocessor(config), selection, batch, info);
  }

  /**
   * Sets the intra-op threads of ONNX Runtime sessions opened from now on, as {@code --threads}
   * sets PyTorch's (process-wide); 0 = {@code OMP_NUM_THREADS}, else one per core.
   */
  public static void useThreads(int threads) {
    OnnxNetwork.useThreads(threads);
  }

  /** A network opened with the layers asked for, and each layer's shape at the probe batch. */
  record Opened(LayerNetwork network, Map<String, long[]> shapes, int probeBatch) {}

  /**
   * Opens the network with the layers {@code layerSpec} names and learns their shapes from one
   * probe forward at {@code inputSize} (or the model's own input size).
   *
   * @param vectorsOnly keep only values that can be scored (rank 2 to 4, batch first), as
   *     {@code --layers all} wants; false keeps every float value ({@code layers} lists them)
   */
  static Opened openNetwork(VisionModelSource source, String device, String layerSpec, int[] inputSize,
      boolean vectorsOnly) {
    LayerNetwork network;
    if (source.format().equals(VisionModelSource.ONNX)) {
      OnnxGraph graph = OnnxGraph.read(source.file());
      List<String> names = LayerSelection.names(layerSpec, graph.outputs(), graph.nodeValues());
      VisionShapes.gpuIndex(device); // a bad --device name fails before the session
      network = OnnxNetwork.open(graph, names, device);
    } else {
      network = TorchScriptNetwork.open(source.file(), Placement.parse(device, "float32").device());
    }
    try {
      int[] size = inputSize != null ? inputSize : network.inputSize();
      if (size == null) {
        throw new IllegalArgumentException("cannot tell the input size of " + source.file() + ": give a "
            + "preprocessor_config.json or --crop / --resize");
      }
      int[] required = network.inputSize();
      if (required != null && (required[0] != size[0] || required[1] != size[1])) {
        throw new IllegalArgumentException(source.file() + " takes images of " + required[0] + "x" + required[1]
            + " but the preprocessing gives " + size[0] + "x" + size[1] + " (" + (inputSize == null ? "" : "see ")
            + "preprocessor_config.json, --resize, --crop)");
      }
      int probeBatch = network.maxBatch() > 0 ? network.maxBatch() : 2;
      long[] shape = {probeBatch, 3, size[0], size[1]};
      Map<String, LayerNetwork.Output> out = network.run(probeInput(shape), shape);
      List<String> names = network instanceof OnnxNetwork onnx ? onnx.requested()
          : torchScriptLayers(source, layerSpec, network);
      Map<String, long[]> shapes = new LinkedHashMap<>();
      for (String name : names) {
        LayerNetwork.Output o = out.get(name);
        if (o == null && isAll(layerSpec)) {
          continue;
        }
        if (o == null) {
          throw new IllegalArgumentException("value " + name + " of " + source.file().getFileName()
              + " is not a float tensor; only float values can be layers");
        }
        boolean scorable = o.shape().length >= 2 && o.shape().length <= 4 && o.shape()[0] == probeBatch;
        if (scorable || !vectorsOnly || !isAll(layerSpec)) {
          shapes.put(name, o.shape());
        }
      }
      return new Opened(network, shapes, probeBatch);
    } catch (RuntimeException e) {
      network.close();
      throw e;
    }
  }

  /**
   * The outputs {@code layerSpec} names; for a name that is no output but a submodule of the
   * archive, the error says so and how to make it a layer.
   */
  private static List<String> torchScriptLayers(VisionModelSource source, String layerSpec, LayerNetwork network) {
    try {
      return LayerSelection.names(layerSpec, network.exportedLayers(), network.allLayers());
    } catch (IllegalArgumentException e) {
      String unknown = Arrays.stream(layerSpec.split(",")).map(String::trim)
          .filter(name -> !network.allLayers().contains(name)).findFirst().orElseThrow(() -> e);
      TorchScriptModules.Module module = TorchScriptModules.read(source.file()).find(unknown).orElseThrow(() -> e);
      throw new IllegalArgumentException(e.getMessage() + ". The archive has module " + module.path() + " ("
          + module.type() + "), but a traced module gives only what forward returns: export again with a forward "
          + "hook on it (docs/vision-models.md, Export recipe)", e);
    }
  }

  private static boolean isAll(String spec) {
    return spec != null && spec.trim().equalsIgnoreCase("all");
  }

  /** Seeded values in [-1, 1): a probe input that exercises every path (no all-zero normalizations). */
  public static float[] probeInput(long[] shape) {
    int n = Math.toIntExact(shape[0] * shape[1] * shape[2] * shape[3]);
    float[] values = new float[n];
    SplittableRandom random = new SplittableRandom(0);
    for (int i = 0; i < n; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return values;
  }

  /**
   * --batch, capped by a batch the model was exported with and by the memory limit: weights plus
   * the batch's selected outputs (a lower bound of what a forward holds) must fit.
   */
  private static int batchWithin(ModelOptions options, Opened opened, long weightBytes) {
    int batch = options.unetBatch();
    if (opened.network().maxBatch() > 0) {
      batch = opened.network().maxBatch();
    }
    if (options.deviceMemoryLimit() > 0) {
      long perImage = 0;
      for (long[] shape : opened.shapes().values()) {
        long values = 1;
        for (int i = 1; i < shape.length; i++) {
          values *= shape[i];
        }
        perImage += 4 * values;
      }
      long fits = perImage == 0 ? batch : (options.deviceMemoryLimit() - weightBytes) / perImage;
      if (fits < 1) {
        throw new IllegalArgumentException("the model's weights (" + weightBytes + " bytes) and the layers of one "
            + "image (" + perImage + " bytes) do not fit --device-memory-limit " + options.deviceMemoryLimit());
      }
      batch = (int) Math.min(batch, fits);
    }
    return batch;
  }

  private static long size(VisionModelSource source) {
    try {
      return Files.size(source.file());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + source.file(), e);
    }
  }

  private static ModelInfo describe(String id, VisionModelSource source, Opened opened, LayerSelection selection,
      ImageProcessorConfig config, ModelOptions options, int batch) {
    List<ModelInfo.Layer> layers = new ArrayList<>();
    for (LayerSelection.Target t : selection.targets()) {
      long[] shape = opened.shapes().get(t.layer());
      layers.add(new ModelInfo.Layer(t.layer(), t.layer() + " " + VisionShapes.format(shape) + " pooled "
          + t.pooling().label(), t.pooling().length(shape), t.pooling().label()));
    }
    Integer opset = null;
    String producer = null;
    if (opened.network() instanceof OnnxNetwork) {
      OnnxGraph graph = OnnxGraph.read(source.file());
      opset = graph.opset();
      producer = graph.producer().isEmpty() ? null : graph.producer();
    }
    ModelOrigin origin = source.origin().withFormat(new ModelOrigin.FileFormat(source.format(), opset, producer));
    Map<String, String> p = new LinkedHashMap<>();
    p.put("format", source.format());
    p.put("file", source.file().toString());
    p.put("preprocessing", config.describe());
    p.put("layers", String.join(",", selection.layers()));
    p.put("pooling", options.pooling());
    p.put("batch", String.valueOf(batch));
    p.put("device", options.device());
    if (opset != null) {
      p.put("onnx_opset", String.valueOf(opset));
    }
    String configDigest = Digests.sha256Hex(config.describe() + "|" + selection);
    String device = VisionShapes.gpuIndex(options.device()) >= 0 ? "gpu" : "cpu";
    return new ModelInfo(id, "vision", source.file().toString(), layers, false, false, "per layer", device, "float32",
        configDigest, "sha256:" + source.origin().fileSha256(), p, origin);
  }

  @Override
  public ModelInfo info() {
    return info;
  }

  /** Images of one preprocessed size, by index. */
  private record SizeGroup(int height, int width, List<Integer> images) {}

  /**
   * Where the time of {@link #extract} went, summed since the model was opened: preparing the
   * images (decoded image to normalised pixels, summed over the threads that prepare them) and the
   * network (forward and pooling).
   */
  public record Timings(long images, long preprocessingNanos, long forwardNanos) {}

  public synchronized Timings timings() {
    return new Timings(imagesExtracted, preprocessingNanos.get(), forwardNanos);
  }

  @Override
  public List<Feature> extract(List<ImageInput> images) {
    // Images are independent: prepare them on the common pool's threads beside this one, so every
    // core works on them (the network after them uses every core too). A batch that fails is retried in
    // halves down to one image (ExtractorService), which runs here and fails with its own error.
    return extractPrepared(images.parallelStream().map(this::prepare).toList());
  }

  /** Thread-safe: the extractor prepares the next poll's images while the network runs this one's. */
  @Override
  public VisionPreprocessor.Pixels prepare(ImageInput image) {
    long start = System.nanoTime();
    VisionPreprocessor.Pixels pixels = preprocessor.pixels(image.image());
    preprocessingNanos.addAndGet(System.nanoTime() - start);
    return pixels;
  }

  @Override
  public synchronized List<Feature> extractPrepared(List<VisionPreprocessor.Pixels> pixels) {
    long start = System.nanoTime();
    Map<String, SizeGroup> groups = new LinkedHashMap<>();
    for (int i = 0; i < pixels.size(); i++) {
      VisionPreprocessor.Pixels p = pixels.get(i);
      groups.computeIfAbsent(p.height() + "x" + p.width(), k -> new SizeGroup(p.height(), p.width(),
          new ArrayList<>())).images().add(i);
    }
    List<Feature> features = new ArrayList<>();
    for (SizeGroup group : groups.values()) {
      for (int from = 0; from < group.images().size(); from += batch) {
        List<Integer> chunk = group.images().subList(from, Math.min(group.images().size(), from + batch));
        int plane = 3 * group.height() * group.width();
        float[] input = new float[chunk.size() * plane];
        for (int j = 0; j < chunk.size(); j++) {
          System.arraycopy(pixels.get(chunk.get(j)).values(), 0, input, j * plane, plane);
        }
        features.addAll(forward(input, chunk, group.height(), group.width()));
      }
    }
    forwardNanos += System.nanoTime() - start;
    imagesExtracted += pixels.size();
    return features;
  }

  /**
   * The features of a batch already preprocessed, [images, 3, height, width]: the network and the
   * pooling alone, what {@code bench extractor} times as the model.
   */
  public synchronized List<Feature> extractPreprocessed(float[] batch, int images, int height, int width) {
    return forward(batch, java.util.stream.IntStream.range(0, images).boxed().toList(), height, width);
  }

  /** The input size the preprocessing gives, [height, width], or null when it depends on the image. */
  public int[] inputSize() {
    return preprocessor.config().outputSize();
  }

  /** One forward of {@code input} (the images {@code indices}, in order) and each selected layer's pooled vectors. */
  private List<Feature> forward(float[] input, List<Integer> indices, int h, int w) {
    Map<String, LayerNetwork.Output> out = network.run(input, new long[] {indices.size(), 3, h, w});
    List<Feature> features = new ArrayList<>();
    for (int j = 0; j < indices.size(); j++) {
      for (LayerSelection.Target t : selection.targets()) {
        float[] vectors = out.get(t.key()).values(); // [N, dim], pooled by the network
        int dim = vectors.length / indices.size();
        features.add(Feature.pooled(indices.get(j), t.layer(), t.pooling().label(),
            Arrays.copyOfRange(vectors, j * dim, (j + 1) * dim)));
      }
    }
    return features;
  }

  @Override
  public synchronized void close() {
    network.close();
  }
}
