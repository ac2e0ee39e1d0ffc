/**
 * The tensor primitives every model of the extractor (Stable Diffusion, SD3, TorchScript vision
 * models) computes with, on DJL's PyTorch engine:
 * {@link io.alignstream.extractor.nn.Ops} (scoped NDArray helpers and the memory rule
 * below), {@link io.alignstream.extractor.nn.Kernels} (convolution, attention and norm
 * kernels, explicit or fused through TorchScript), {@link io.alignstream.extractor.nn.Placement}
 * (device and compute dtype), {@link io.alignstream.extractor.nn.Pooling} of feature maps,
 * {@link io.alignstream.extractor.nn.TorchScriptArchive} (a TorchScript module compiled from
 * source written at run time), and the batch halving that answers a device out-of-memory error.
 *
 * <p>Memory rule: a forward opens a sub-manager of its caller's manager, copies its input into it
 * with {@link io.alignstream.extractor.nn.Ops#enter}, attaches only its results back to
 * the caller, and closes the scope; weights live in their store's manager and nothing is ever
 * allocated there during a forward.
 */
package io.alignstream.extractor.nn;
