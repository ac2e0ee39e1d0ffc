package io.alignstream.extractor.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.Feature;
import io.alignstream.extractor.FeatureModel;
import io.alignstream.extractor.FeatureModels;
import io.alignstream.extractor.ImageInput;
import io.alignstream.extractor.ModelInfo;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.text.ClipTextEncoder;
import io.alignstream.extractor.diffusion.unet.Tap;
import io.alignstream.extractor.diffusion.unet.TapGeometry;
import io.alignstream.extractor.diffusion.unet.Taps;
import io.alignstream.extractor.diffusion.unet.UNetConfig;
import io.alignstream.extractor.diffusion.unet.UNetOutput;
import io.alignstream.extractor.diffusion.vae.Posterior;
import io.alignstream.extractor.nn.DeviceOutOfMemoryException;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.nn.Pooling;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feature model on the built-in tiny pipeline: docs/method.md's protocol checked against an
 * independent wiring of the same components, and the work sharing (VAE once per image, text
 * encoder once per prompt, batching) checked through the model's counters.
 */
class StableDiffusionFeatureModelTest {

  @TempDir
  static Path cache;
  static Path tiny;
  static StableDiffusionFeatureModel model;
  /** The same pipeline loaded separately, for the independent computation. */
  static StableDiffusion reference;
  static NDManager manager;

  static int threads;

  @BeforeAll
  static void open() {
    threads = EngineThreads.set(1);
    tiny = TinyModelCache.folder(cache, 0);
    model = StableDiffusionFeatureModel.open(tiny, "tiny", "test", options().withTaps("conv_in,default"));
    reference = StableDiffusion.open(PipelineFolder.open(tiny), Placement.cpu());
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    EngineThreads.set(threads);
    if (model != null) {
      model.close();
      reference.close();
      manager.close();
    }
  }

  static ModelOptions options() {
    return ModelOptions.defaults().withModelCache(cache).withUnetBatch(8);
  }

  static BufferedImage image(long seed, int width, int height) {
    SplittableRandom rng = new SplittableRandom(seed);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int base = ((x / 8 + y / 8) % 2 == 0) ? 0x3060a0 : 0xc08040;
        image.setRGB(x, y, base ^ rng.nextInt(0x202020));
      }
    }
    return image;
  }

  static ImageInput input(String concept, BufferedImage image, List<Double> noise, long seed, LatentMode mode) {
    return new ImageInput(concept, concept, image, noise, List.of(), List.of(Conditioning.NONE, Conditioning.TEXT),
        seed, 64, mode);
  }

  /**
   * The protocol wired by hand from the pipeline parts: z0 from the VAE with the seed's
   * posterior eps, x_t from the seed's diffusion eps, the prompt's CLIP states, one UNet forward.
   */
  static Map<String, float[]> expected(ImageInput in, int t, String prompt, List<String> paths) {
    try (NDManager m = manager.newSubManager()) {
      int side = 64 / reference.vaeDownsampling();
      int per = 4 * side * side;
      ImageNoise noise = ImageNoise.draw(in.seed(), per);
      Posterior posterior = reference.vae().encode(ImagePreprocessor.batch(m, List.of(in.image()), 64));
      NDArray eps = m.create(noise.posterior(), new Shape(1, 4, side, side));
      float[] z0 = reference.vae().latents(posterior, in.latent() == LatentMode.MEAN ? null : eps).toFloatArray();
      double abar = reference.schedule().alphaCumprod(t);
      float[] xt = new float[per];
      for (int i = 0; i < per; i++) {
        xt[i] = (float) (Math.sqrt(abar) * z0[i] + Math.sqrt(1 - abar) * noise.diffusion()[i]);
      }
      NDArray context = reference.textEncoder().encode(
          ClipTextEncoder.ids(m, new long[][] {reference.tokenizer().encode(prompt)}));
      UNetOutput out = reference.unet().forward(m.create(xt, new Shape(1, 4, side, side)), new float[] {t}, context,
          paths, Pooling.MEAN);
      return out.taps().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().row(0)));
    }
  }

  static Feature find(List<Feature> features, int image, String layer, double s, Conditioning c) {
    return features.stream()
        .filter(f -> f.imageIndex() == image && f.layer().equals(layer) && f.noiseLevel() == s && f.conditioning() == c)
        .findFirst().orElseThrow(() -> new AssertionError("no feature " + image + "/" + layer + "/" + s + "/" + c));
  }

  @Test
  void followsTheProtocolWithOneNoiseDrawSharedByNoiseLevelsAndConditionings() {
    ImageInput in = input("camera1", image(1, 80, 64), List.of(0.2, 0.5), 7, LatentMode.SAMPLE);
    List<Feature> features = model.extract(List.of(in));
    // 2 noise levels x 2 conditionings x (conv_in + 9 paper layers)
    assertThat(features).hasSize(2 * 2 * 10);
    assertThat(features).extracting(Feature::timestep).containsOnly(191, 491);

    List<String> paths = model.taps().stream().map(Tap::path).toList();
    for (double s : List.of(0.2, 0.5)) {
      int t = s == 0.2 ? 191 : 491;
      for (Conditioning c : List.of(Conditioning.NONE, Conditioning.TEXT)) {
        String prompt = c == Conditioning.TEXT ? "a photo of a camera" : "";
        Map<String, float[]> want = expected(in, t, prompt, paths);
        for (Tap tap : model.taps()) {
          Feature f = find(features, 0, tap.name(), s, c);
          assertThat(f.prompt()).isEqualTo(prompt);
          assertThat(Fixtures.maxAbsDiff(f.vector(), want.get(tap.path()))).as("%s s=%s %s", tap.name(), s, c)
              .isLessThanOrEqualTo(1e-5f);
        }
      }
    }
    // TEXT and NONE differ from the first cross-attention on, not before it
    assertThat(find(features, 0, "conv_in", 0.2, Conditioning.TEXT).vector())
        .containsExactly(find(features, 0, "conv_in", 0.2, Conditioning.NONE).vector());
    assertThat(Fixtures.maxAbsDiff(find(features, 0, "Down0", 0.2, Conditioning.TEXT).vector(),
        find(features, 0, "Down0", 0.2, Conditioning.NONE).vector())).isGreaterThan(1e-3f);
  }

  @Test
  void meanLatentsAndNoneConditioningUseTheEmptyPromptNotZeros() {
    ImageInput in = input("ice_cream", image(2, 64, 64), List.of(0.1), 3, LatentMode.MEAN);
    List<Feature> features = model.extract(List.of(in));
    List<String> paths = List.of("mid_block");
    Map<String, float[]> empty = expected(in, 91, "", paths);
    assertThat(Fixtures.maxAbsDiff(find(features, 0, "Mid", 0.1, Conditioning.NONE).vector(), empty.get("mid_block")))
        .isLessThanOrEqualTo(1e-5f);
    assertThat(find(features, 0, "Mid", 0.1, Conditioning.TEXT).prompt()).isEqualTo("a photo of a ice cream");
    // a zero context would give something else
    try (NDManager m = manager.newSubManager()) {
      int side = 16;
      float[] zeros = new float[77 * 32];
      float[] vector = find(features, 0, "Mid", 0.1, Conditioning.NONE).vector();
      NDArray ctx = m.create(zeros, new Shape(1, 77, 32));
      NDArray x = m.zeros(new Shape(1, 4, side, side));
      float[] zeroContext = reference.unet().forward(x, new float[] {91}, ctx, paths, Pooling.MEAN)
          .get("mid_block").row(0);
      assertThat(Fixtures.maxAbsDiff(vector, zeroContext)).isGreaterThan(1e-3f);
    }
  }

  @Test
  void explicitTimestepsRecordNoiseLevelTOver1000AndLevelsSharingATimestepShareAForward() {
    ImageInput explicit = new ImageInput("cup", "cup", image(3, 64, 64), List.of(0.9), List.of(250, 999),
        List.of(Conditioning.NONE), 1, 64, LatentMode.SAMPLE);
    List<Feature> a = model.extract(List.of(explicit));
    assertThat(a).extracting(Feature::noiseLevel).containsOnly(0.25, 0.999);
    assertThat(a).extracting(Feature::timestep).containsOnly(250, 999);

    long samples = model.unetSamples();
    // 0 and 0.005 both map to t = 0 (10 * 0 - 9, clamped): one UNet input, two records
    ImageInput shared = input("cup", image(3, 64, 64), List.of(0.0, 0.005), 1, LatentMode.SAMPLE);
    List<Feature> b = model.extract(List.of(shared));
    assertThat(model.unetSamples() - samples).isEqualTo(2); // NONE and TEXT at t = 0
    assertThat(find(b, 0, "Mid", 0.0, Conditioning.TEXT).vector())
        .containsExactly(find(b, 0, "Mid", 0.005, Conditioning.TEXT).vector());
    assertThat(b).extracting(Feature::timestep).containsOnly(0);
  }

  @Test
  void vaeRunsOncePerImageAndTextEncoderOncePerPromptAcrossCalls() {
    try (StableDiffusionFeatureModel fresh = StableDiffusionFeatureModel.open(tiny, "tiny", "test", options())) {
      List<ImageInput> batch = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        batch.add(input("concept_" + (char) ('a' + i), image(10 + i, 64, 64), List.of(0.1, 0.5, 0.9), 5,
            LatentMode.SAMPLE));
      }
      List<Feature> first = fresh.extract(batch);
      assertThat(first).hasSize(3 * 3 * 2 * 9);
      assertThat(fresh.vaeImagesEncoded()).isEqualTo(3);
      assertThat(fresh.vaeCalls()).isEqualTo(1);
      assertThat(fresh.promptsEncoded()).isEqualTo(4); // "" and three concepts
      assertThat(fresh.textEncoderCalls()).isEqualTo(1);
      // 18 UNet inputs in batches of 8
      assertThat(fresh.unetSamples()).isEqualTo(18);
      assertThat(fresh.unetForwards()).isEqualTo(3);

      List<Feature> again = fresh.extract(batch);
      assertThat(fresh.vaeImagesEncoded()).isEqualTo(3);
      assertThat(fresh.promptsEncoded()).isEqualTo(4);
      for (int k = 0; k < first.size(); k++) {
        assertThat(again.get(k).vector()).containsExactly(first.get(k).vector());
      }
      // another seed is another posterior sample: the VAE runs again; another latent mode too
      fresh.extract(List.of(input("concept_a", image(10, 64, 64), List.of(0.1), 6, LatentMode.SAMPLE),
          input("concept_a", image(10, 64, 64), List.of(0.1), 5, LatentMode.MEAN)));
      assertThat(fresh.vaeImagesEncoded()).isEqualTo(5);
      assertThat(fresh.promptsEncoded()).isEqualTo(4);
      assertThat(fresh.liveArrays()).isZero();
    }
  }

  /** Three images, two sizes, both latent modes: 2 x 2 + 2 x 2 + 1 x 2 = 10 UNet inputs at a 16 x 16 latent. */
  static List<ImageInput> threeImagesTenUNetInputs() {
    return List.of(
        input("dog", image(20, 64, 64), List.of(0.3, 0.7), 1, LatentMode.SAMPLE),
        input("cat", image(21, 96, 64), List.of(0.3, 0.7), 2, LatentMode.SAMPLE),
        input("owl", image(22, 64, 64), List.of(0.01), 3, LatentMode.MEAN));
  }

  @Test
  void batchingGivesTheVectorsOfBatchSizeOne() {
    List<ImageInput> inputs = threeImagesTenUNetInputs();
    List<Feature> batched;
    List<Feature> single;
    try (StableDiffusionFeatureModel seven = StableDiffusionFeatureModel.open(tiny, "tiny", "test",
        options().withUnetBatch(7))) {
      batched = seven.extract(inputs);
      assertThat(seven.unetForwards()).isEqualTo(2); // 10 inputs
    }
    try (StableDiffusionFeatureModel one = StableDiffusionFeatureModel.open(tiny, "tiny", "test",
        options().withUnetBatch(1))) {
      single = one.extract(inputs);
      assertThat(one.unetForwards()).isEqualTo(10);
    }
    assertThat(batched).hasSameSizeAs(single);
    float worst = 0;
    for (int k = 0; k < batched.size(); k++) {
      Feature b = batched.get(k);
      Feature s = single.get(k);
      assertThat(List.of(b.imageIndex(), b.layer(), b.noiseLevel(), b.conditioning()))
          .isEqualTo(List.of(s.imageIndex(), s.layer(), s.noiseLevel(), s.conditioning()));
      worst = Math.max(worst, Fixtures.maxAbsDiff(b.vector(), s.vector()));
    }
    assertThat(worst).isLessThanOrEqualTo(1e-5f);
  }

  @Test
  void aBatchOverTheDeviceMemoryIsHalvedUntilItFitsAndTheFittingSizeIsKept() {
    List<ImageInput> inputs = threeImagesTenUNetInputs();
    // the tiny UNet's level-0 attention: 2 heads x 256^2 tokens, scores and weights
    long perInput = 2L * 2 * 256 * 256 * 4;
    assertThat(UNetBatcher.attentionBytesPerInput(reference.unet().config(), 16, 16, 4)).isEqualTo(perInput);
    List<Feature> single;
    try (StableDiffusionFeatureModel one = StableDiffusionFeatureModel.open(tiny, "tiny", "test",
        options().withUnetBatch(1))) {
      single = one.extract(inputs);
    }
    // Room for 2 inputs (not 3): batches of 8 and then 4 run out of memory, 2 fit.
    try (StableDiffusionFeatureModel limited = StableDiffusionFeatureModel.open(tiny, "tiny", "test",
        options().withUnetBatch(8).withDeviceMemoryLimit(3 * perInput - 1))) {
      List<Feature> halved = limited.extract(inputs);
      assertThat(limited.unetHalvings()).isEqualTo(2);
      assertThat(limited.unetForwards()).isEqualTo(5);
      assertThat(halved).hasSameSizeAs(single);
      for (int k = 0; k < halved.size(); k++) {
        assertThat(halved.get(k).layer()).isEqualTo(single.get(k).layer());
        assertThat(Fixtures.maxAbsDiff(halved.get(k).vector(), single.get(k).vector())).isLessThanOrEqualTo(1e-5f);
      }
      // The size that fitted is kept: the next call starts at 2 and halves nothing.
      limited.extract(inputs);
      assertThat(limited.unetHalvings()).isEqualTo(2);
      assertThat(limited.unetForwards()).isEqualTo(10);
    }
    // An input that does not fit alone fails, naming the limit.
    try (StableDiffusionFeatureModel tooSmall = StableDiffusionFeatureModel.open(tiny, "tiny", "test",
        options().withUnetBatch(4).withDeviceMemoryLimit(perInput - 1))) {
      assertThatThrownBy(() -> tooSmall.extract(inputs.subList(0, 1)))
          .isInstanceOf(DeviceOutOfMemoryException.class)
          .hasMessageContaining("one UNet input at latent 16 x 16 does not fit the device")
          .hasMessageContaining("over the limit of " + (perInput - 1) + " bytes (--device-memory-limit)");
      assertThat(tooSmall.unetHalvings()).isEqualTo(2); // its 4 inputs: 4 -> 2 -> 1, which still does not fit
      assertThat(tooSmall.unetForwards()).isZero();
    }
  }

  @Test
  void outOfMemoryIsRecognisedInTheEnginesWordsAndNothingElseIs() {
    assertThat(DeviceOutOfMemoryException.isOutOfMemory(new ai.djl.engine.EngineException(
        "CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 79.11 GiB total capacity)"))).isTrue();
    assertThat(DeviceOutOfMemoryException.isOutOfMemory(new RuntimeException("batch failed",
        new ai.djl.engine.EngineException("DefaultCPUAllocator: can't allocate memory: you tried to allocate 1 bytes"))))
        .isTrue();
    assertThat(DeviceOutOfMemoryException.isOutOfMemory(new OutOfMemoryError("Java heap space"))).isTrue();
    assertThat(DeviceOutOfMemoryException.isOutOfMemory(new IllegalArgumentException("shape mismatch"))).isFalse();
    assertThat(DeviceOutOfMemoryException.isOutOfMemory(new IllegalStateException((String) null))).isFalse();
  }

  @Test
  void tinyActivationsStayFiniteThroughEveryTapAndHaveTheStatedDims() {
    try (StableDiffusionFeatureModel all = StableDiffusionFeatureModel.open(tiny, "tiny", "test",
        options().withTaps("all").withPooling("flatten"))) {
      ImageInput in = new ImageInput("x", "zebra", image(30, 64, 64), List.of(), List.of(0, 500, 999),
          List.of(Conditioning.NONE, Conditioning.TEXT), 9, 64, LatentMode.SAMPLE);
      List<Feature> features = all.extract(List.of(in));
      UNetConfig config = all.pipeline().unet().config();
      assertThat(features).hasSize(3 * 2 * Taps.all(config).size());
      for (Feature f : features) {
        for (float v : f.vector()) {
          assertThat(Float.isFinite(v)).as("%s at t=%d", f.layer(), f.timestep()).isTrue();
        }
        TapGeometry g = TapGeometry.of(config, f.layer());
        assertThat(f.vector()).as(f.layer()).hasSize(g.pooledLength(Pooling.FLATTEN, 16));
        double rms = Math.sqrt(sumSquares(f.vector()) / f.vector().length);
        assertThat(rms).as("%s is neither dead nor exploding", f.layer()).isBetween(1e-3, 1e3);
      }
    }
    ModelInfo info = model.info();
    assertThat(info.layers()).extracting(ModelInfo.Layer::name)
        .containsExactly("conv_in", "Down0", "Down1", "Down2", "Down3", "Mid", "Up0", "Up1", "Up2", "Up3");
    // the tiny UNet's widths are 32, 32, 64, 64: Up0/Up1 at the deep levels are 64 wide
    assertThat(info.layers()).extracting(ModelInfo.Layer::dim).containsExactly(32, 32, 32, 64, 64, 64, 64, 64, 32, 32);
    assertThat(info.kind()).isEqualTo("diffusion");
    assertThat(info.configDigest()).isEqualTo(PipelineFolder.open(tiny).configDigest());
    assertThat(info.properties()).containsKeys("scheduler", "taps", "pooling", "unet_batch", "device", "dtype", "noise");
  }

  private static double sumSquares(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return s;
  }

  @Test
  void batchesAreCappedSoThatSelfAttentionFitsTheMemoryBudget() {
    // tiny level 0: 2 heads; at a 128 x 128 latent, scores + weights = 2 x 2 x 16384^2 x 4 bytes = 4 GiB per input
    assertThat(UNetBatcher.attentionBytesPerInput(reference.unet().config(), 128, 128, 4)).isEqualTo(4L << 30);
    assertThat(model.effectiveUnetBatch(128)).isEqualTo(1);
    // at 64 x 64 an input needs 256 MiB: the configured 8 fit
    assertThat(model.effectiveUnetBatch(64)).isEqualTo(8);
  }

  @Test
  void tapGeometryMatchesWhatTheUNetEmits() {
    UNetConfig config = reference.unet().config();
    List<String> paths = config.modulePaths();
    try (NDManager m = manager.newSubManager()) {
      UNetOutput out = reference.unet().forward(m.zeros(new Shape(1, 4, 16, 16)), new float[] {10},
          m.zeros(new Shape(1, 77, 32)), paths, Pooling.NONE);
      for (String p : paths) {
        long[] shape = out.get(p).shape();
        TapGeometry g = TapGeometry.of(config, p);
        if (g.spatial()) {
          assertThat(shape).as(p).containsExactly(1, g.channels(), 16 / g.downscale(), 16 / g.downscale());
        } else {
          assertThat(shape).as(p).containsExactly(1, g.channels());
        }
      }
    }
  }

  @Test
  void rejectsWhatItCannotRunWithClearMessages() {
    ImageInput oddResolution = new ImageInput("x", "x", image(1, 64, 64), List.of(0.5), List.of(),
        List.of(Conditioning.NONE), 0, 48, LatentMode.SAMPLE);
    assertThatThrownBy(() -> model.extract(List.of(oddResolution)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resolution 48").hasMessageContaining("32");
    assertThatThrownBy(() -> StableDiffusionFeatureModel.open(tiny, "t", "t", options().withTaps("Down0,nope")))
        .hasMessageContaining("unknown tap 'nope'");
    assertThatThrownBy(() -> StableDiffusionFeatureModel.open(tiny, "t", "t", options().withPooling("none")))
        .hasMessageContaining("mean, max or flatten");
    assertThatThrownBy(() -> FeatureModels.open("no/such/folder", null, options()))
        .hasMessageContaining("expected tiny, tiny-sd3, a diffusers pipeline folder, a single-file .safetensors "
            + "checkpoint or a hub id org/name[@revision]");
  }

  @Test
  void aPipelineFolderIsServedUnderItsFolderNameUnlessAnIdIsGiven() {
    Path folder = Fixtures.tinySd2();
    try (FeatureModel byName = FeatureModels.open(folder.toString(), null, options())) {
      assertThat(byName.info().modelId()).isEqualTo("tiny-sd2");
      assertThat(byName.info().source()).isEqualTo(folder.toAbsolutePath().normalize().toString());
      assertThat(byName.info().weightsDigest())
          .isEqualTo(PipelineFolder.open(folder).weightsDigest("text_encoder", "unet", "vae"));
    }
    try (FeatureModel byId = FeatureModels.open(folder.toString(), "sd2-tiny-ref", options())) {
      assertThat(byId.info().modelId()).isEqualTo("sd2-tiny-ref");
    }
  }

  @Test
  void gpuAndFloat16AreConfigurationNotCrashes() {
    // this machine's build carries CPU natives: asking for a GPU fails up front, naming the fix
    assertThatThrownBy(() -> FeatureModels.open("tiny", null, options().withPlacement("gpu", "float16")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no GPU visible to DJL/PyTorch").hasMessageContaining("-Pcuda");
  }

  @Test
  void conceptPromptsFollowDesign() {
    assertThat(ConceptPrompt.of("camera1")).isEqualTo("a photo of a camera");
    assertThat(ConceptPrompt.of("ice_cream2")).isEqualTo("a photo of a ice cream");
    assertThat(ConceptPrompt.of(" t_2_shirt ")).isEqualTo("a photo of a t shirt");
    assertThatThrownBy(() -> ConceptPrompt.of("_12_")).hasMessageContaining("no text left");
  }

  @Test
  void tinyCacheIsWrittenOnceAndSharedByConcurrentOpeners(@TempDir Path dir) throws Exception {
    List<Thread> threads = new ArrayList<>();
    List<Path> results = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 3; i++) {
      Thread t = new Thread(() -> results.add(TinyModelCache.folder(dir, 5)));
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(results).hasSize(3).containsOnly(dir.resolve("tiny-seed5"));
    try (var listing = java.nio.file.Files.list(dir)) {
      assertThat(listing.map(p -> p.getFileName().toString()).toList()).containsExactly("tiny-seed5");
    }
    long modified = java.nio.file.Files.getLastModifiedTime(dir.resolve("tiny-seed5/unet/config.json")).toMillis();
    assertThat(TinyModelCache.folder(dir, 5)).isEqualTo(dir.resolve("tiny-seed5"));
    assertThat(java.nio.file.Files.getLastModifiedTime(dir.resolve("tiny-seed5/unet/config.json")).toMillis())
        .isEqualTo(modified);
    assertThat(PipelineFolder.open(dir.resolve("tiny-seed5")).weightsDigest("unet"))
        .isEqualTo(PipelineFolder.open(TinyPipeline.write(dir.resolve("direct"), 5)).weightsDigest("unet"));
  }

  @Test
  void nativeMemoryStaysScopedOverManyCalls() {
    try (FeatureModel opened = FeatureModels.open("tiny", null, options().withCaches(4, 4))) {
      StableDiffusionFeatureModel fm = (StableDiffusionFeatureModel) opened;
      for (int call = 0; call < 10; call++) {
        List<ImageInput> batch = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          batch.add(input("thing_" + (char) ('a' + call) + (char) ('a' + i), image(100 + call * 4 + i, 64, 64),
              List.of(0.5), call, LatentMode.SAMPLE));
        }
        fm.extract(batch);
        assertThat(fm.liveArrays()).as("arrays left after call %d", call).isZero();
      }
      assertThat(fm.vaeImagesEncoded()).isEqualTo(40);
    }
  }
}
