package io.alignstream.extractor.diffusion;

import io.alignstream.extractor.diffusion.vae.VaeDecoder;
import io.alignstream.extractor.diffusion.vae.VaeEncoder;
import io.alignstream.extractor.nn.Placement;

/**
 * What every latent diffusion pipeline here shares around its denoiser (a UNet for SD 1.x / 2.x,
 * an MMDiT for SD 3): the VAE that maps images to latents and back, and the geometry that decides
 * which image sizes it takes. The feature models and Figure 4 read these without caring which
 * denoiser a pipeline has.
 */
public interface LatentDiffusion extends AutoCloseable {

  /** The VAE encoder (float32, on the pipeline's device). */
  VaeEncoder vae();

  /** The VAE decoder (float32, on the pipeline's device), loaded on first use. */
  VaeDecoder decoder();

  /** Folder (or description) the pipeline came from. */
  String source();

  /** Digest of the components' configurations (model identity on every record). */
  String configDigest();

  /** Digest of the weights the pipeline loaded (model identity on every record). */
  String weightsDigest();

  /** Device and compute dtype of the denoiser. */
  Placement placement();

  /**
   * How many times the denoiser shrinks a latent side before it works on it: 2^(down blocks - 1)
   * for a UNet, the patch size for a transformer.
   */
  int denoiserDownsampling();

  /** The same in words, for the error message of an image size the pipeline does not take. */
  String denoiserDownsamplingInWords();

  /** How many times the VAE shrinks an image side: 2^(blocks - 1), 8 for SD. */
  default int vaeDownsampling() {
    return 1 << (vae().config().blockOutChannels().size() - 1);
  }

  /** Image sides must be multiples of this: the VAE's downsampling times the denoiser's. */
  default int resolutionMultiple() {
    return vaeDownsampling() * denoiserDownsampling();
  }

  /** Latent channels (4 for SD 1.x / 2.x, 16 for SD 3). */
  default int latentChannels() {
    return vae().config().latentChannels();
  }

  /**
   * The latent side for an image side.
   *
   * @throws IllegalArgumentException unless the resolution is a positive multiple of {@link #resolutionMultiple()}
   */
  default int latentSide(int resolution) {
    int multiple = resolutionMultiple();
    if (resolution < multiple || resolution % multiple != 0) {
      throw new IllegalArgumentException("resolution " + resolution + " is not a positive multiple of " + multiple
          + " (the VAE shrinks images " + vaeDownsampling() + "x and " + denoiserDownsamplingInWords() + ")");
    }
    return resolution / vaeDownsampling();
  }

  @Override
  void close();
}
