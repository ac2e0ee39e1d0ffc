package io.alignstream.extractor.diffusion.unet;

import io.alignstream.extractor.nn.Pooling;

/**
 * The shape of what a UNet module emits, derived from the config without running it: its
 * channels and how many times smaller than the latent its map is. The model card lists each
 * layer's vector length before any image arrives, and pooled lengths (mean, max) are the
 * channels; flattened ones depend on the resolution.
 *
 * @param channels channels of the module's output (or the width of a time embedding)
 * @param downscale latent side / map side (1 for conv_in and out); 0 for the time embeddings,
 *     which are vectors rather than maps
 */
public record TapGeometry(int channels, int downscale) {

  /** The geometry of a module path of {@link UNetConfig#modulePaths()}. */
  public static TapGeometry of(UNetConfig c, String path) {
    Taps.requireValid(java.util.List.of(path), c);
    UNetConfig.Module m = c.module(path);
    return new TapGeometry(m.outChannels(), m.downscale());
  }

  /** Whether the module emits a spatial map (everything but the time embeddings). */
  public boolean spatial() {
    return downscale > 0;
  }

  /** Length of the module's output for one sample when pooled as given, at a latent side. */
  public int pooledLength(Pooling pooling, int latentSide) {
    if (!spatial() || pooling == Pooling.MEAN || pooling == Pooling.MAX) {
      return channels;
    }
    int side = latentSide / downscale;
    return channels * side * side;
  }
}
