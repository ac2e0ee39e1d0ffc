/**
 * UNet2DConditionModel, as diffusers implements it: {@link io.alignstream.extractor.diffusion.unet.UNetConfig}
 * parses the config and describes the module tree once ({@code modules()}, which the FLOP count,
 * the tap geometry and the parameter layout read), {@link io.alignstream.extractor.diffusion.unet.UNet}
 * walks it, and the taps name the intermediate outputs a forward records and pools.
 *
 * <p>A loaded UNet is checked against the parameters its config implies
 * ({@link io.alignstream.extractor.diffusion.unet.UNetParameters}) before any weight is read.
 */
package io.alignstream.extractor.diffusion.unet;
