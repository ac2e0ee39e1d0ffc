package io.alignstream.extractor.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.alignstream.common.ImageFile;
import io.alignstream.extractor.ModelFlags;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsWriter;
import io.alignstream.extractor.diffusion.text.ClipTextEncoder;
import io.alignstream.extractor.diffusion.unet.Tap;
import io.alignstream.extractor.nn.Pooling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code alignstream features} for a Stable Diffusion 1.x / 2.x pipeline: the diffusion feature
 * protocol on a few image files, written with every intermediate to one safetensors file laid out
 * like the diffusers reference (tiny-sd2-reference): {@code vae.latents} [images, c, h, w],
 * {@code text.last_hidden_state} [prompts, 77, D], {@code noisy_latents} [images, c, h, w] and
 * {@code unet.<module path>} [images, prompts, C, H, W] (or {@code unet.<module path>.spatial_mean}
 * [images, prompts, C] with {@code --pool mean}); the batch is image-major (index = image x prompts
 * + prompt). {@code __metadata__} records every input needed to reproduce the file.
 */
public final class UNetFeatures {

  private UNetFeatures() {}

  /** Runs and writes; returns the one-line summary the command prints. */
  public static String write(FeaturesFile.Request in, PipelineReference reference, ModelFlags flags) {
    List<String> prompts = in.prompts();
    try (StableDiffusion sd = reference.open(flags.placement());
        NDManager m = NDManager.newBaseManager(flags.placement().device())) {
      List<Tap> tapList = StableDiffusionFeatureModel.parseTaps(in.taps(), sd.unet().config());
      int t = in.timestep() != null ? in.timestep() : sd.schedule().timestepFor(in.noiseLevel());
      double s = in.timestep() != null ? in.timestep() / 1000.0 : in.noiseLevel();
      int res = in.resolutionOrSmallest();
      int side = sd.latentSide(res);
      int n = in.images().size();
      int c = sd.latentChannels();
      long[] latentShape = {n, c, side, side};

      // 1. clean latents and diffusion noise per image, as for a streamed request of these images
      List<float[]> z0 = CleanLatents.once(sd, m, in.images().stream().map(ImageFile::image).toList(), res,
          in.seed(), in.mode());
      List<float[]> eps = InjectedNoise.perImage(in.noise(), in.seed(), n, new long[] {c, side, side}, res);

      // 2. text states, one per prompt
      long[][] ids = new long[prompts.size()][];
      for (int p = 0; p < ids.length; p++) {
        ids[p] = sd.tokenizer().encode(prompts.get(p));
      }
      NDArray text = sd.textEncoder().encode(ClipTextEncoder.ids(m, ids)).toType(DataType.FLOAT32, false);
      long[] textShape = text.getShape().getShape();
      float[] textValues = text.toFloatArray();
      int ctx = (int) (textShape[1] * textShape[2]);

      // 3. noisy latents (the UNet batches recompute the same per-image expression)
      int[] ts = new int[n];
      Arrays.fill(ts, t);
      float[] noisy = sd.schedule().addNoise(m.create(FeaturesFile.concat(z0), new Shape(latentShape)),
          m.create(FeaturesFile.concat(eps), new Shape(latentShape)), ts).toFloatArray();

      // 4. UNet, image-major
      List<UNetBatcher.Job> jobs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        for (int p = 0; p < prompts.size(); p++) {
          jobs.add(new UNetBatcher.Job(z0.get(i), eps.get(i), t, Arrays.copyOfRange(textValues, p * ctx, (p + 1) * ctx)));
        }
      }
      List<String> paths = tapList.stream().map(Tap::path).toList();
      UNetBatcher batcher = new UNetBatcher(sd.unet(), sd.schedule(), paths, in.pooling(), flags.unetBatch(),
          flags.deviceMemoryLimit(), m);
      UNetBatcher.Result result = batcher.run(jobs, new long[] {c, side, side}, new long[] {textShape[1], textShape[2]});

      SafetensorsWriter writer = new SafetensorsWriter();
      writer.putFloats("vae.latents", latentShape, FeaturesFile.concat(z0));
      writer.putFloats("text.last_hidden_state", textShape, textValues);
      writer.putFloats("noisy_latents", latentShape, noisy);
      for (String path : paths) {
        writer.putFloats(FeaturesFile.tensorName("unet", path, in.pooling() == Pooling.MEAN ? ".spatial_mean" : ""),
            FeaturesFile.withImagePrompt(n, prompts.size(), result.shapes().get(path)),
            FeaturesFile.concat(result.values(), path));
      }
      writer.metadata("timestep", String.valueOf(t));
      writer.metadata("unet_batch", String.valueOf(flags.unetBatch()));
      FeaturesFile.write(writer, in, new FeaturesFile.Model(sd.source(), sd.configDigest(), sd.weightsDigest(),
          reference.origin(), sd.scheduler()), s, res, paths, flags);
      return String.format(Locale.ROOT, "wrote %s: %d images x %d prompts at t=%d (s=%s), %d x %d latents, %d taps",
          in.out(), n, prompts.size(), t, s, side, side, paths.size());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + in.out() + ": " + e.getMessage(), e);
    }
  }
}
