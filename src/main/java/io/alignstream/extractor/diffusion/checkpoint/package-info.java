/**
 * Checkpoints as users hold them, without knowledge of any one architecture: safetensors files,
 * diffusers pipeline and component folders with their
 * config.json, and the {@link io.alignstream.extractor.diffusion.checkpoint.WeightStore} a model
 * loads its tensors into. Models read their weights through a
 * {@link io.alignstream.extractor.diffusion.checkpoint.Weights} scope named by checkpoint module
 * path, as diffusers' module tree names them.
 */
package io.alignstream.extractor.diffusion.checkpoint;
