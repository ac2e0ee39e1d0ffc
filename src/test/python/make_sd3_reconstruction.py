#!/usr/bin/env python3
"""Figure 4 references for the tiny SD3 fixtures (src/test/resources/sd3): the one-step estimate of
the clean latent from the transformer's velocity, and the VAE decodes of the noisy latents and of
the estimates, as diffusers 0.30.3 computes them (PyTorch 1.13, float32, CPU).

Inputs are the fixtures' own tensors (tiny-sd3*-reference.safetensors, made by make_tiny_sd3.py):
the noisy latents of noise levels 0.1 and 0.9 (prefixes s010, s090) and the transformer's output
`transformer.<prefix>.out` [image x prompt, 16, 8, 8] for prompts 0 ("") and 1 ("a photo of a
cat"), i.e. conditionings NONE and TEXT of concept "cat". Writes
src/test/resources/sd3/reconstruction-reference.safetensors:

  <fixture>.<prefix>.estimate          [2, 2, 16, 8, 8]  image, conditioning (NONE, TEXT): the clean
                                                          latent one Euler step from sigma to 0 gives
  tiny-sd3.<prefix>.noisy.decoded      [3, 64, 64]       vae.decode(noisy / scaling + shift).sample of image 0
  tiny-sd3.<prefix>.estimate.decoded   [2, 3, 64, 64]    the same decode of image 0's estimates (NONE, TEXT)

for <fixture> tiny-sd3 (with T5) and tiny-sd3-no-t5 (the decodes only for the first: the two share
their VAE). The estimate: diffusers 0.30.3's FlowMatchEulerDiscreteScheduler has no
`pred_original_sample`; the clean latent the velocity v = eps - z0 implies at x = (1 - sigma) z0 +
sigma eps is the Euler step from sigma all the way to 0, x + (0 - sigma) v. It is computed by the
scheduler's own `step` on the one-step trajectory [sigma, 0] (`set_timesteps(sigmas=[sigma])` of a
copy with shift 1, so that sigma is taken as it is), sigma being sigmas[begin_index] of the
fixture's scheduler after `set_timesteps(100)`, as StableDiffusion3Img2ImgPipeline noises with it.
The decode is what StableDiffusion3Pipeline does with its final latents.

Reuses the safetensors reader and writer of src/test/resources/decoder/make_reference.py. From the
repository root (a few seconds):

  OMP_WAIT_POLICY=PASSIVE PYTHONPATH=/work/pypeer/diffusers-src:/work/pypeer/hub-src \
      /usr/bin/python3 src/test/python/make_sd3_reconstruction.py src/test/resources/sd3
"""
import importlib.util
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIXES = ("s010", "s090")
PROMPTS = (0, 1)  # "" (NONE) and "a photo of a cat" (TEXT of concept cat)
FIXTURES = ("tiny-sd3", "tiny-sd3-no-t5")


def project_module(relative, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "..", relative))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    sd3 = sys.argv[1] if len(sys.argv) > 1 else os.path.join("src", "test", "resources", "sd3")
    st = project_module(os.path.join("resources", "decoder", "make_reference.py"), "decoder_reference")
    torch.set_num_threads(1)
    st.stub_safetensors()
    import diffusers
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler

    pipeline = os.path.join(sd3, "tiny-sd3")
    with open(os.path.join(pipeline, "vae", "config.json")) as f:
        vae_config = json.load(f)
    vae = AutoencoderKL.from_config(vae_config)
    weights = st.read_safetensors(os.path.join(pipeline, "vae", "diffusion_pytorch_model.safetensors"))
    vae.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()}, strict=True)
    vae.eval()
    scaling, shift = vae.config.scaling_factor, vae.config.shift_factor
    with open(os.path.join(pipeline, "scheduler", "scheduler_config.json")) as f:
        scheduler_config = json.load(f)

    def decode(latents):
        with torch.no_grad():
            return vae.decode(latents / scaling + shift).sample

    out, sigmas = {}, {}
    for fixture in FIXTURES:
        ref = st.read_safetensors(os.path.join(sd3, fixture + "-reference.safetensors"))
        with open(os.path.join(sd3, fixture + "-reference.json")) as f:
            levels = {level["prefix"]: level for level in json.load(f)["levels"]}
        for prefix in PREFIXES:
            schedule = FlowMatchEulerDiscreteScheduler.from_config(scheduler_config)
            schedule.set_timesteps(100)
            sigma = schedule.sigmas[levels[prefix]["begin_index"]]
            noisy = torch.from_numpy(ref[prefix + ".noisy_latents"].copy())  # [image, 16, 8, 8]
            v = torch.from_numpy(ref["transformer.%s.out" % prefix].copy())  # [image x 3 prompts, 16, 8, 8]
            v = v.reshape(noisy.shape[0], -1, *noisy.shape[1:])[:, list(PROMPTS)]  # [image, 2, 16, 8, 8]
            one_step = FlowMatchEulerDiscreteScheduler.from_config(scheduler_config, shift=1.0)
            one_step.set_timesteps(sigmas=np.array([sigma.item()], dtype=np.float64))
            assert one_step.sigmas.tolist() == [sigma.item(), 0.0]
            sample = noisy[:, None].expand(v.shape).reshape(-1, *noisy.shape[1:])
            estimate = one_step.step(v.reshape(sample.shape), one_step.timesteps[0], sample).prev_sample
            out["%s.%s.estimate" % (fixture, prefix)] = estimate.reshape(v.shape).numpy()
            sigmas["%s.%s" % (fixture, prefix)] = sigma.item()
            if fixture == FIXTURES[0]:
                # image 0 only: 64 x 64 decodes are most of the bytes, and the Java side decodes both alike
                out["%s.%s.noisy.decoded" % (fixture, prefix)] = decode(noisy[:1])[0].numpy()
                out["%s.%s.estimate.decoded" % (fixture, prefix)] = decode(estimate[:len(PROMPTS)]).numpy()

    metadata = {
        "generator": "src/test/python/make_sd3_reconstruction.py",
        "fixtures": json.dumps(list(FIXTURES)),
        "prompts": json.dumps(["", "a photo of a cat"]),
        "sigmas": json.dumps(sigmas),
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "numpy": np.__version__,
    }
    target = os.path.join(sd3, "reconstruction-reference.safetensors")
    st.write_safetensors(target, out, metadata)
    for name, array in out.items():
        print("%-36s %-20s absmax %.4f" % (name, list(array.shape), float(np.abs(array).max())))
    print("wrote", target)


if __name__ == "__main__":
    main()
