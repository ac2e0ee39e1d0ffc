#!/usr/bin/env python3
"""Reference tensors for the Java VAE decoder and the one-step clean-latent estimate.

Runs diffusers' AutoencoderKL.decode and DDPMScheduler.step on the shared tiny-sd2 fixture
(../shared/fixtures) and writes reference.safetensors beside this script:

  decode.z          [3, 4, 16, 16]  unscaled latents z = latents / scaling_factor of: the clean
                                     latent of image 0 (vae.latents), the t=500 noisy latent of
                                     image 1, the t=899 noisy latent of image 0
  decode.sample     [3, 3, 64, 64]  AutoencoderKL.decode(z).sample (images in about [-1, 1])
  x0.<type>.tXXX    [2, 3, 4, 16, 16] DDPMScheduler(prediction_type=<type>).step(model_output,
                                     t, sample).pred_original_sample, for type epsilon and
                                     v_prediction and t in 0, 500, 899, where sample is the
                                     fixture's tXXX.noisy_latents (per image, repeated per prompt)
                                     and model_output its unet.tXXX.out [image, prompt, 4, 16, 16]

The UNet outputs are noise predictions (the tiny pipeline is an epsilon model); read as v they
still test the v-prediction formula. Every tensor is float32, computed on the CPU.

Needs Debian's python3-torch (1.13) and the diffusers 0.30.3 and huggingface_hub 0.24.7 sources
on PYTHONPATH; safetensors is not needed (a 20-line reader/writer below). From the repository:

  OMP_WAIT_POLICY=PASSIVE PYTHONPATH=/work/pypeer/diffusers-src:/work/pypeer/hub-src \
    /usr/bin/python3 src/test/resources/decoder/make_reference.py ../shared/fixtures
"""
import importlib.machinery
import json
import os
import struct
import sys
import types

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "U8": np.uint8}


def read_safetensors(path):
    """name -> numpy array, and the __metadata__ dict."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(data[base + begin:base + end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return out


def write_safetensors(path, tensors, metadata):
    """float32 tensors in the given order; header padded with spaces to 8 bytes, as safetensors does."""
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, array in tensors.items():
        blob = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def stub_safetensors():
    """diffusers imports safetensors at start-up; it is not a Debian package and nothing here needs it."""
    root = types.ModuleType("safetensors")
    root.__spec__ = importlib.machinery.ModuleSpec("safetensors", None)
    root.__version__ = "0.0-stub"
    root.SafetensorError = RuntimeError
    torch_mod = types.ModuleType("safetensors.torch")
    torch_mod.__spec__ = importlib.machinery.ModuleSpec("safetensors.torch", None)
    root.torch = torch_mod
    sys.modules.setdefault("safetensors", root)
    sys.modules.setdefault("safetensors.torch", torch_mod)


def main():
    fixtures = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "shared", "fixtures")
    here = os.path.dirname(os.path.abspath(__file__))
    torch.set_num_threads(1)
    stub_safetensors()
    import diffusers
    from diffusers import AutoencoderKL, DDPMScheduler

    pipeline = os.path.join(fixtures, "tiny-sd2")
    with open(os.path.join(pipeline, "vae", "config.json")) as f:
        vae_config = json.load(f)
    vae = AutoencoderKL.from_config(vae_config)
    weights = read_safetensors(os.path.join(pipeline, "vae", "diffusion_pytorch_model.safetensors"))
    vae.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()}, strict=True)
    vae.eval()
    ref = read_safetensors(os.path.join(fixtures, "tiny-sd2-reference.safetensors"))
    scaling = float(vae_config["scaling_factor"])

    out = {}
    latents = torch.stack([
        torch.from_numpy(ref["vae.latents"][0].copy()),
        torch.from_numpy(ref["t500.noisy_latents"][1].copy()),
        torch.from_numpy(ref["t899.noisy_latents"][0].copy()),
    ])
    z = latents / scaling  # what StableDiffusionPipeline hands to vae.decode
    with torch.no_grad():
        sample = vae.decode(z).sample
    out["decode.z"] = z.numpy()
    out["decode.sample"] = sample.numpy()

    with open(os.path.join(pipeline, "scheduler", "scheduler_config.json")) as f:
        scheduler_config = json.load(f)
    for prediction_type in ("epsilon", "v_prediction"):
        scheduler = DDPMScheduler.from_config(scheduler_config, prediction_type=prediction_type)
        for t in (0, 500, 899):
            prefix = "t%03d" % t
            noisy = torch.from_numpy(ref[prefix + ".noisy_latents"].copy())  # [image, 4, h, w]
            model_output = torch.from_numpy(ref["unet.%s.out" % prefix].copy())  # [image, prompt, 4, h, w]
            images, prompts = model_output.shape[:2]
            sample = noisy[:, None].expand(model_output.shape).reshape(images * prompts, *noisy.shape[1:])
            step = scheduler.step(model_output.reshape(sample.shape), t, sample)
            out["x0.%s.%s" % (prediction_type, prefix)] = step.pred_original_sample.reshape(model_output.shape).numpy()

    metadata = {
        "generator": "src/test/resources/decoder/make_reference.py",
        "fixtures": "tiny-sd2 and tiny-sd2-reference.safetensors of ../shared/fixtures",
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "numpy": np.__version__,
        "decode_inputs": json.dumps(["vae.latents[0]", "t500.noisy_latents[1]", "t899.noisy_latents[0]"]),
        "scaling_factor": repr(scaling),
    }
    target = os.path.join(here, "reference.safetensors")
    write_safetensors(target, out, metadata)
    for name, array in out.items():
        print("%-24s %-18s absmax %.4f" % (name, list(array.shape), float(np.abs(array).max())))
    # an independent check of the decode path: the fixture's own decode of the posterior mean
    fixture = ref["vae.decoded_mean"][0]
    print("decode.sample[0] vs the fixture's vae.decoded_mean[0]: max|diff| %.3g" % float(
        np.abs(out["decode.sample"][0] - fixture).max()))
    print("wrote", target)


if __name__ == "__main__":
    main()
