package io.alignstream.extractor.diffusion.unet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.extractor.diffusion.Fixtures;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsWriter;
import io.alignstream.extractor.diffusion.checkpoint.TensorInfo;
import io.alignstream.extractor.nn.Kernels;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.nn.Pooling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The UNet against diffusers 0.30 on the tiny-sd2 fixture, loaded through the same path as a
 * real checkpoint: every module output the reference recorded, as full maps and spatial means,
 * at three timesteps, for 2 images x 3 prompts in one batch.
 */
class UNetParityTest {

  private static final float TOLERANCE = 1e-4f;

  static UNet unet;
  static SafetensorsFile ref;

  @BeforeAll
  static void load() {
    unet = UNet.load(PipelineFolder.open(Fixtures.tinySd2()), Placement.cpu());
    ref = Fixtures.reference();
  }

  @AfterAll
  static void close() {
    if (unet != null) {
      unet.close();
    }
    if (ref != null) {
      ref.close();
    }
  }

  /** Reference names (block outputs are "down0", "mid", ...) mapped to module paths. */
  static Map<String, String> referenceTaps(String t) {
    String prefix = "unet." + t + ".";
    Map<String, String> byPath = new LinkedHashMap<>();
    for (String name : new TreeSet<>(ref.names())) {
      if (!name.startsWith(prefix) || name.endsWith(".spatial_mean")) {
        continue;
      }
      String tap = name.substring(prefix.length());
      String path = tap.matches("down\\d+") ? "down_blocks." + tap.substring(4)
          : tap.matches("up\\d+") ? "up_blocks." + tap.substring(2)
          : tap.equals("mid") ? "mid_block"
          : tap;
      byPath.put(path, name);
    }
    return byPath;
  }

  /** Each timestep on both kernel paths: the fused TorchScript one and the explicit DJL operators. */
  static Stream<Arguments> timestepsAndKernels() {
    return Stream.of(0, 500, 899).flatMap(t -> Stream.of("fused", "explicit", "fused,channels_last").map(k -> Arguments.of(t, k)));
  }

  @ParameterizedTest(name = "t={0}, kernels {1}")
  @MethodSource("timestepsAndKernels")
  void everyTappedModuleMatchesDiffusers(int timestep, String kernels) {
    UNet unet = UNetParityTest.unet.using(Kernels.parse(kernels));
    String t = String.format("t%03d", timestep);
    assertThat(ref.longs(t + ".timestep")).containsExactly(timestep);
    Map<String, String> expected = referenceTaps(t);
    // the reference hooked every module the UNet has: the tap list and the fixture must agree
    assertThat(expected.keySet()).containsExactlyInAnyOrderElementsOf(unet.config().modulePaths());

    List<String> paths = new ArrayList<>(expected.keySet());
    UNetOutput full;
    UNetOutput means;
    try (NDManager m = NDManager.newBaseManager()) {
      float[] ts = {timestep};
      full = unet.forward(Fixtures.latents(m, ref, t), ts, Fixtures.context(m, ref), paths, Pooling.NONE);
      means = unet.forward(Fixtures.latents(m, ref, t), ts, Fixtures.context(m, ref), paths, Pooling.MEAN);
    }

    StringBuilder report = new StringBuilder("max |java - diffusers| at " + t + ", kernels " + kernels + ":\n");
    Map<String, Float> errors = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : expected.entrySet()) {
      String path = e.getKey();
      String name = e.getValue();
      TapValue map = full.get(path);
      assertThat(map.shape()).as(path).containsExactly(flattenImagePrompt(ref.info(name).dims()));
      float mapError = Fixtures.maxAbsDiff(map.values(), ref.floats(name));
      String meanColumn = "   -    ";
      if (ref.contains(name + ".spatial_mean")) {
        TapValue mean = means.get(path);
        assertThat(mean.shape()).as(path).containsExactly(flattenImagePrompt(ref.info(name + ".spatial_mean").dims()));
        float meanError = Fixtures.maxAbsDiff(mean.values(), ref.floats(name + ".spatial_mean"));
        errors.put(path + " (spatial mean)", meanError);
        meanColumn = String.format("%.2e", meanError);
      }
      errors.put(path + " (map)", mapError);
      report.append(String.format("  %-40s map %.2e  spatial mean %s%n", path, mapError, meanColumn));
    }
    System.out.print(report);
    assertThat(errors).allSatisfy((tap, error) -> assertThat(error).as(tap).isLessThanOrEqualTo(TOLERANCE));
  }

  /**
   * SD 1.x's Transformer2DModel projects with 1x1 convs instead of Linear layers. The tiny-sd2
   * weights rewritten as [C, C, 1, 1] kernels under use_linear_projection=false define the same
   * function, so the conv path must reproduce the same diffusers outputs.
   */
  @Test
  void sd1StyleConvProjectionsReproduceTheReference(@TempDir Path tmp) throws Exception {
    ComponentFolder tiny = ComponentFolder.open(Fixtures.dir().resolve("tiny-sd2/unet"), "unet", null);
    ObjectNode config = (ObjectNode) tiny.config().deepCopy();
    config.put("use_linear_projection", false);
    Path dir = Files.createDirectories(tmp.resolve("unet"));
    Files.writeString(dir.resolve("config.json"), config.toString());
    SafetensorsWriter writer = new SafetensorsWriter();
    try (SafetensorsFile weights = SafetensorsFile.open(tiny.weightFiles().get(0))) {
      for (TensorInfo info : weights.tensors().values()) {
        long[] shape = info.dims();
        boolean projection = info.name().matches(".*\\.proj_(in|out)\\.weight");
        writer.putFloats(info.name(), projection ? new long[] {shape[0], shape[1], 1, 1} : shape,
            weights.floats(info.name()));
      }
    }
    writer.write(dir.resolve("diffusion_pytorch_model.safetensors"));

    List<String> taps = List.of("down_blocks.0.attentions.0", "mid_block.attentions.0", "up_blocks.3", "out");
    try (UNet sd1 = UNet.load(ComponentFolder.open(dir, "unet", "UNet2DConditionModel"), Placement.cpu());
        NDManager m = NDManager.newBaseManager()) {
      assertThat(sd1.config().useLinearProjection()).isFalse();
      UNetOutput out = sd1.forward(Fixtures.latents(m, ref, "t500"), new float[] {500},
          Fixtures.context(m, ref), taps, Pooling.NONE);
      Map<String, String> names = referenceTaps("t500");
      for (String tap : taps) {
        float error = Fixtures.maxAbsDiff(out.get(tap).values(), ref.floats(names.get(tap)));
        System.out.printf("conv projections, t500 %-28s map %.2e%n", tap, error);
        assertThat(error).as(tap).isLessThanOrEqualTo(TOLERANCE);
      }
    }
  }

  /** [image, prompt, rest...] -> [image*prompt, rest...]; 2-D time embeddings stay as they are. */
  private static long[] flattenImagePrompt(long[] dims) {
    if (dims.length < 3) {
      return dims;
    }
    long[] out = new long[dims.length - 1];
    out[0] = dims[0] * dims[1];
    System.arraycopy(dims, 2, out, 1, dims.length - 2);
    return out;
  }
}
