/**
 * A pure-Java (DJL, PyTorch engine) port of the Stable Diffusion parts the feature extractor
 * needs, numerically equal to diffusers/transformers in float32.
 *
 * <p>Loading: {@link io.alignstream.extractor.diffusion.PipelineFolder#open} a diffusers folder,
 * {@code component("unet")} it, {@code loadWeights(placement, prefixes...)} into a
 * {@link io.alignstream.extractor.diffusion.WeightStore}. Blocks take a
 * {@link io.alignstream.extractor.diffusion.Weights} scope (checkpoint module path) and build
 * on its primitive layers and on {@link io.alignstream.extractor.diffusion.Ops}.
 *
 * <p>Memory rule: a forward opens a sub-manager of its caller's manager, copies its input into it
 * with {@link io.alignstream.extractor.diffusion.Ops#enter}, attaches only its results back to the
 * caller, and closes the scope; weights live in the store's manager and nothing is ever
 * allocated there during a forward.
 */
package io.alignstream.extractor.diffusion;
