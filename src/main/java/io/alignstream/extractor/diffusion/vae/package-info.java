/**
 * AutoencoderKL, as diffusers implements it: the encoder (image to latent posterior) and the
 * decoder (latent to image, for the noise-level figure), sharing their resnet and mid blocks.
 */
package io.alignstream.extractor.diffusion.vae;
