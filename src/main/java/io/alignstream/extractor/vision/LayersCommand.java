package io.alignstream.extractor.vision;

import io.alignstream.extractor.ModelFlags;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code alignstream layers --model M}: what a vision model offers, as thingsvision's
 * {@code show_model}: every value the model can give (for TorchScript its outputs, for ONNX every
 * float value of the graph) with its shape for one input, its kind and the poolings that apply,
 * so a user can pick {@code --layers} and {@code --pool}. Exported layers are marked; values that
 * are not per image (weights the graph reshapes, constants) are left out. For TorchScript it
 * then lists the submodules the archive holds ({@link TorchScriptModules}): the candidates for
 * an export that returns more layers.
 */
@Command(name = "layers", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Lists every named layer / ONNX value of a vision model with its shape for one input.")
public final class LayersCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "FILE|DIR|ORG/NAME",
      description = "A TorchScript (.pt) or ONNX (.onnx) file, a folder holding one, or a cached hub id.")
  String model;

  @Mixin
  ModelFlags modelFlags;

  @Override
  public Integer call() {
    VisionModelSource source = VisionModelSource.resolve(model, modelFlags.checkpointOptions())
        .orElseThrow(() -> new IllegalArgumentException("'" + model + "' is not a vision model (a TorchScript or "
            + "ONNX file, a folder holding layers.onnx/layers.pt/model.onnx/model.pt, or a cached hub id)"));
    modelFlags.applyEngineSettings();
    ImageProcessorConfig config = ImageProcessorConfig.resolve(source.preprocessorConfig(),
        modelFlags.toOptions(16, "all", "default").vision());
    VisionFeatureModel.Opened opened = VisionFeatureModel.openNetwork(source, modelFlags.device(), "all",
        config == null ? null : config.outputSize(), false);
    try (LayerNetwork network = opened.network()) {
      List<String> exported = network.exportedLayers();
      var out = spec.commandLine().getOut();
      out.printf("%s (%s), input [1, 3, %s]%n", source.file(), source.format(),
          config == null ? "model's size" : config.outputSize()[0] + ", " + config.outputSize()[1]);
      out.printf(Locale.ROOT, "%-60s %-22s %-8s %s%n", "layer", "shape (one image)", "kind", "poolings");
      int shown = 0;
      for (Map.Entry<String, long[]> e : opened.shapes().entrySet()) {
        long[] shape = e.getValue().clone();
        if (shape.length < 2 || shape[0] != opened.probeBatch()) {
          continue; // not per image: weights and constants the graph computes
        }
        LayerPooling.Kind kind = shape.length <= 4 ? LayerPooling.Kind.of(e.getKey(), shape) : null;
        shape[0] = 1;
        out.printf(Locale.ROOT, "%-60s %-22s %-8s %s%s%n", e.getKey(), VisionShapes.format(shape),
            kind == null ? "-" : kind.name().toLowerCase(Locale.ROOT),
            kind == null ? "-" : String.join(", ", kind.poolings.stream().map(LayerPooling::label).toList()),
            exported.contains(e.getKey()) ? "  (exported)" : "");
        shown++;
      }
      out.printf("%d values per image, %d exported%n", shown, exported.size());
      if (source.format().equals(VisionModelSource.TORCHSCRIPT)) {
        printModules(out, TorchScriptModules.read(source.file()));
      }
      out.flush();
    }
    return 0;
  }

  /**
   * A traced module's layers are its outputs; its submodules are listed as what a new export can
   * return (paths from the archive's root: a wrapper's own attribute, {@code model.} in the
   * export recipe, comes first).
   */
  private static void printModules(PrintWriter out, TorchScriptModules archive) {
    if (archive.modules().isEmpty()) {
      return;
    }
    out.printf("%nmodules in the archive (%d), candidates for a new export: this file gives only what forward "
        + "returns; export again with forward hooks on the ones wanted (docs/vision-models.md, Export recipe)%n",
        archive.modules().size());
    for (TorchScriptModules.Module m : archive.modules()) {
      out.printf(Locale.ROOT, "  %-58s %s%n", m.path(), m.type());
    }
  }
}
