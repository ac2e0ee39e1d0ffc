package io.alignstream.extractor.sd3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.alignstream.common.ImageFile;
import io.alignstream.extractor.ModelFlags;
import io.alignstream.extractor.diffusion.CleanLatents;
import io.alignstream.extractor.diffusion.FeaturesFile;
import io.alignstream.extractor.diffusion.InjectedNoise;
import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsWriter;
import io.alignstream.extractor.diffusion.unet.Tap;
import io.alignstream.extractor.diffusion.unet.TapValue;
import io.alignstream.extractor.diffusion.unet.UNetOutput;
import io.alignstream.extractor.nn.Pooling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code alignstream features} for a Stable Diffusion 3 pipeline: the SD3 protocol on a few image
 * files, every intermediate written to one safetensors file in the layout of the U-Net's and of
 * the tiny-sd3 reference: {@code vae.latents} [images, 16, h, w], {@code prompt_embeds} [prompts,
 * M, 4096] and {@code pooled_prompt_embeds} [prompts, 2048], {@code noisy_latents}, and
 * {@code transformer.<module path>} [images, prompts, tokens, D] (or {@code .mean} [images,
 * prompts, D] with {@code --pool mean}); the batch is image-major.
 */
public final class Sd3Features {

  private Sd3Features() {}

  /** Runs and writes; returns the one-line summary the command prints. */
  public static String write(FeaturesFile.Request in, PipelineReference reference, ModelFlags flags) {
    List<String> prompts = in.prompts();
    try (StableDiffusion3 sd = StableDiffusion3.open(reference.pipeline(), flags.placement(),
        flags.sd3Options().t5());
        NDManager m = NDManager.newBaseManager(flags.placement().device())) {
      List<Tap> taps = Sd3Taps.parse(in.taps(), sd.transformer().config());
      float sigma = in.timestep() != null ? (float) in.timestep() / sd.schedule().trainTimesteps()
          : sd.schedule().sigmaFor(in.noiseLevel());
      double s = in.timestep() != null ? in.timestep() / 1000.0 : in.noiseLevel();
      float t = sd.schedule().timestepOf(sigma);
      int res = in.resolutionOrSmallest();
      int side = sd.latentSide(res);
      int n = in.images().size();
      int c = sd.latentChannels();
      long[] latentShape = {n, c, side, side};

      // 1. clean latents and diffusion noise per image, as for a streamed request of these images
      List<float[]> z0Rows = CleanLatents.once(sd, m, in.images().stream().map(ImageFile::image).toList(), res,
          in.seed(), in.mode());
      List<float[]> eps = InjectedNoise.perImage(in.noise(), in.seed(), n, new long[] {c, side, side}, res);
      NDArray z0 = m.create(FeaturesFile.concat(z0Rows), new Shape(latentShape)); // [n, c, h, w]
      float[] sigmas = new float[n];
      Arrays.fill(sigmas, sigma);
      NDArray noisy = FlowMatchSchedule.scaleNoise(z0, m.create(FeaturesFile.concat(eps), new Shape(latentShape)),
          sigmas); // [n, c, h, w]

      // 2. text, one per prompt
      Sd3TextEncoders.Embedding text = sd.text().encode(prompts, m);
      NDArray context = text.context().toType(DataType.FLOAT32, false); // [P, M, 4096]
      NDArray pooled = text.pooled().toType(DataType.FLOAT32, false); // [P, 2048]

      // 3. transformer, image-major, one input at a time: x of the image, states of the prompt
      List<String> paths = taps.stream().map(Tap::path).toList();
      List<Map<String, float[]>> values = new ArrayList<>();
      Map<String, long[]> shapes = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        for (int p = 0; p < prompts.size(); p++) {
          try (NDManager scope = m.newSubManager()) {
            UNetOutput out = sd.transformer().forward(noisy.get(i + ":" + (i + 1)), new float[] {t},
                context.get(p + ":" + (p + 1)), pooled.get(p + ":" + (p + 1)), paths, in.pooling());
            Map<String, float[]> job = new LinkedHashMap<>();
            for (TapValue v : out.taps().values()) {
              job.put(v.path(), v.values());
              shapes.putIfAbsent(v.path(), Arrays.copyOfRange(v.shape(), 1, v.shape().length));
            }
            values.add(job);
          }
        }
      }

      SafetensorsWriter writer = new SafetensorsWriter();
      writer.putFloats("vae.latents", latentShape, FeaturesFile.concat(z0Rows));
      writer.putArray("prompt_embeds", context);
      writer.putArray("pooled_prompt_embeds", pooled);
      writer.putFloats("noisy_latents", latentShape, noisy.toType(DataType.FLOAT32, false).toFloatArray());
      String suffix = in.pooling() == Pooling.MEAN ? ".mean" : "";
      for (String path : paths) {
        writer.putFloats(FeaturesFile.tensorName("transformer", path, suffix),
            FeaturesFile.withImagePrompt(n, prompts.size(), shapes.get(path)), FeaturesFile.concat(values, path));
      }
      writer.metadata("t5", String.valueOf(sd.hasT5()));
      writer.metadata("sigma", String.valueOf(sigma));
      writer.metadata("timestep", String.valueOf(t));
      FeaturesFile.write(writer, in, new FeaturesFile.Model(sd.source(), sd.configDigest(), sd.weightsDigest(),
          reference.origin(), "FlowMatchEulerDiscreteScheduler shift " + sd.schedule().shift()), s, res, paths, flags);
      return String.format(Locale.ROOT, "wrote %s: %d images x %d prompts at sigma=%s (t=%s, s=%s), %d x %d latents, "
          + "%d taps%s", in.out(), n, prompts.size(), sigma, t, s, side, side, paths.size(), sd.hasT5() ? "" : ", no T5");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + in.out() + ": " + e.getMessage(), e);
    }
  }
}
