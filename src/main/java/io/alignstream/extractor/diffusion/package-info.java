/**
 * A pure-Java (DJL, PyTorch engine) port of the Stable Diffusion 1.x/2.x parts the feature
 * extractor needs, numerically equal to diffusers/transformers in float32, and the feature
 * protocol on top of it.
 *
 * <p>Its parts, bottom up: {@code nn} (tensor primitives, kernels, placement), {@code checkpoint}
 * (safetensors, pipeline folders, weight stores), the three models {@code text} (CLIP tokenizer
 * and text encoder), {@code vae} (AutoencoderKL) and {@code unet} (UNet2DConditionModel and its
 * taps). This package assembles them: {@link io.alignstream.extractor.diffusion.PipelineReference}
 * resolves what a user names (a folder, a single file, a hub id, the tiny pipeline) and
 * {@link io.alignstream.extractor.diffusion.StableDiffusion} opens it; the noise schedule, image
 * noise and clean latents implement the protocol of docs/method.md, and
 * {@link io.alignstream.extractor.diffusion.StableDiffusionFeatureModel} serves it to the
 * extractor. Each model package describes its architecture's tensors once ({@code UNetParameters},
 * {@code VaeParameters}, {@code ClipTextParameters}, read by checkpoint checks, single-file
 * loading and random weights).
 */
package io.alignstream.extractor.diffusion;
