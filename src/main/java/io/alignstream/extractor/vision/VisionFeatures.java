package io.alignstream.extractor.vision;

import io.alignstream.common.ImageFile;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code alignstream features} for a vision model: one batch through the network, written as the
 * fixtures lay it out: {@code input} [N, 3, H, W] (the preprocessed batch, or the tensor given
 * with {@code --input-tensor}) and {@code layer.<name>} per layer, raw with {@code --pool none}
 * ([N, ...] as the network returns it) or pooled ({@code layer.<name>.<pooling>} [N, dim]).
 * {@code __metadata__} records the model's identity and how the input was made.
 */
public final class VisionFeatures {

  private VisionFeatures() {}

  /** What to run and where to write it. */
  public record Request(VisionModelSource source, ModelOptions options, List<Path> images, String inputTensor,
      Path out) {}

  /** Runs the request and returns a one-line summary. */
  public static String write(Request r) {
    boolean fromTensor = r.inputTensor() != null;
    if (fromTensor == (r.images() != null && !r.images().isEmpty())) {
      throw new IllegalArgumentException("give either --image FILE... or --input-tensor FILE.safetensors:NAME");
    }
    ImageProcessorConfig config = ImageProcessorConfig.resolve(r.source().preprocessorConfig(), r.options().vision());
    float[] input;
    long[] shape;
    List<String> inputNames = new ArrayList<>();
    if (fromTensor) {
      Tensor t = readTensor(r.inputTensor());
      input = t.values();
      shape = t.shape();
      inputNames.add(r.inputTensor());
    } else {
      if (config == null) {
        throw new IllegalArgumentException(r.source().file() + " has no preprocessor_config.json beside it: give "
            + "--preprocessor-config FILE or --resize/--crop (or --input-tensor with a preprocessed batch)");
      }
      VisionPreprocessor preprocessor = new VisionPreprocessor(config);
      List<VisionPreprocessor.Pixels> pixels = new ArrayList<>();
      for (ImageFile image : ImageFile.readAll(r.images())) {
        pixels.add(preprocessor.pixels(image.image()));
        inputNames.add(image.toString());
      }
      int h = pixels.get(0).height();
      int w = pixels.get(0).width();
      if (pixels.stream().anyMatch(p -> p.height() != h || p.width() != w)) {
        throw new IllegalArgumentException("the images preprocess to different sizes (no center crop): one batch "
            + "needs one size; add --crop");
      }
      shape = new long[] {pixels.size(), 3, h, w};
      input = new float[pixels.size() * 3 * h * w];
      for (int i = 0; i < pixels.size(); i++) {
        System.arraycopy(pixels.get(i).values(), 0, input, i * 3 * h * w, 3 * h * w);
      }
    }
    VisionFeatureModel.Opened opened = VisionFeatureModel.openNetwork(r.source(), r.options().device(),
        r.options().taps(), new int[] {(int) shape[2], (int) shape[3]}, true);
    LayerSelection selection;
    try {
      selection = LayerSelection.of(opened.shapes(), r.options().pooling(), true);
    } catch (RuntimeException e) {
      opened.network().close();
      throw e;
    }
    try (LayerNetwork network = opened.network().pooled(selection.targets(), opened.shapes())) {
      Map<String, LayerNetwork.Output> out = network.run(input, shape);
      SafetensorsWriter writer = new SafetensorsWriter();
      writer.putFloats("input", shape, input);
      for (LayerSelection.Target t : selection.targets()) {
        LayerNetwork.Output o = out.get(t.key());
        if (t.pooling() == LayerPooling.NONE) {
          writer.putFloats("layer." + t.layer(), o.shape(), o.values());
        } else { // [N, dim]; flatten comes back as the layer's own shape
          writer.putFloats("layer." + t.key(),
              new long[] {shape[0], o.values().length / shape[0]}, o.values());
        }
      }
      writer.metadata("format", "pt");
      writer.metadata("generator", "alignstream features");
      writer.metadata("model", r.source().file().toString());
      writer.metadata("model_format", r.source().format());
      writer.metadata("model_sha256", r.source().origin().fileSha256());
      writer.metadata("inputs", String.join("\n", inputNames));
      writer.metadata("preprocessing", fromTensor ? "none (--input-tensor)" : config.describe());
      writer.metadata("layers", String.join(",", selection.layers()));
      writer.metadata("pooling", r.options().pooling());
      Path parent = r.out().toAbsolutePath().getParent();
      try {
        Files.createDirectories(parent);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create " + parent, e);
      }
      writer.write(r.out());
      return String.format("wrote %s: %d images %s, %d layers (%s)", r.out(), shape[0],
          VisionShapes.format(shape), selection.targets().size(), r.source().format());
    }
  }

  private record Tensor(long[] shape, float[] values) {}

  /** FILE.safetensors:NAME, a preprocessed batch [N, 3, H, W]. */
  private static Tensor readTensor(String spec) {
    int colon = spec.lastIndexOf(':');
    if (colon <= 0 || colon == spec.length() - 1) {
      throw new IllegalArgumentException("--input-tensor must be FILE.safetensors:NAME, got '" + spec + "'");
    }
    Path file = Path.of(spec.substring(0, colon));
    String name = spec.substring(colon + 1);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("--input-tensor file not found: " + file.toAbsolutePath().normalize());
    }
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      if (!st.contains(name)) {
        throw new IllegalArgumentException("--input-tensor: " + file + " has no tensor '" + name + "'");
      }
      long[] dims = st.info(name).dims();
      if (dims.length != 4 || dims[1] != 3) {
        throw new IllegalArgumentException("--input-tensor " + spec + " has shape " + Arrays.toString(dims)
            + "; a vision model takes images [N, 3, H, W]");
      }
      return new Tensor(dims, st.floats(name));
    }
  }
}
