package io.alignstream.extractor.diffusion;

import io.alignstream.extractor.ModelInfo;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.extractor.ModelOrigin;
import io.alignstream.extractor.diffusion.unet.Tap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The model card of a latent diffusion feature model, SD 1.x / 2.x or SD 3: the entries that
 * describe docs/method.md's protocol the same way for both, and the card itself. Each feature
 * model adds what only its pipeline has (its schedule, text encoders, cache sizes).
 */
public final class DiffusionModelCard {

  private DiffusionModelCard() {}

  /**
   * The protocol's entries, in the order cards list them.
   *
   * @param scheduler how a noise level becomes the pipeline's timestep
   * @param pooling how taps are pooled, as the card says it
   * @param promptNone what the NONE conditioning feeds the denoiser
   */
  public static Map<String, String> protocol(LatentDiffusion sd, String scheduler, List<Tap> taps, String pooling,
      ModelOptions options, String promptNone) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("scheduler", scheduler);
    p.put("taps", String.join(",", taps.stream().map(Tap::path).toList()));
    p.put("pooling", pooling);
    p.put("unet_batch", String.valueOf(options.unetBatch()));
    p.put("device", options.device());
    p.put("dtype", sd.placement().dtype().name().toLowerCase(Locale.ROOT));
    p.put("vae_dtype", "float32");
    p.put("noise", "one draw per image from SplittableRandom(seed) with Box-Muller: posterior eps, then diffusion "
        + "eps; shared by all layers, noise levels and conditionings (cannot reproduce torch.randn)");
    p.put("prompt_text", ConceptPrompt.TEMPLATE + " ('_' to space, digits removed)");
    p.put("prompt_none", promptNone);
    p.put("preprocessing", "shorter side to the request's resolution (antialiased bicubic), center crop, [-1, 1]");
    p.put("resolution_multiple", String.valueOf(sd.resolutionMultiple()));
    return p;
  }

  /** The card: noise levels and text change every layer; identity from the pipeline's digests. */
  public static ModelInfo of(LatentDiffusion sd, String modelId, String source, ModelOrigin origin,
      List<ModelInfo.Layer> layers, Map<String, String> properties) {
    String device = sd.placement().device().isGpu() ? "gpu" : "cpu";
    return new ModelInfo(modelId, "diffusion", source, layers, true, true, properties.get("pooling"), device,
        properties.get("dtype"), sd.configDigest(), sd.weightsDigest(), properties, origin);
  }
}
