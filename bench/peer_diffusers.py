#!/usr/bin/env python3
"""The peer of `alignstream bench extractor`'s UNet cases: diffusers' UNet2DConditionModel.

Builds the UNet from a diffusers config.json (the same folder `bench extractor --sd21-config`
reads) with random weights, records the nine paper taps (down_blocks.N.resnets.1, mid_block,
up_blocks.N.resnets.1) and the noise prediction spatially mean-pooled by forward hooks, and
times full forwards on random latents at timestep 500 with 77 random text tokens. It prints one
JSON line per case with the fields of `bench extractor` (case, model, latent, batch, device,
dtype, threads, iterations, forwards_per_s, latents_per_s, ms_per_forward, gflop_per_forward,
gflops_per_s, load_avg_1m) plus "impl": "diffusers" and the library versions.

With --model sd3m it is instead the peer of the `mmdit-sd3m-<latent>-b1` cases: diffusers'
SD3Transformer2DModel with the SD3-medium config (24 blocks, width 1536) and random weights,
every block's image stream mean-pooled over tokens, 333 random text tokens of width 4096, a
random pooled vector and timestep 500. PyTorch 1.13 (Debian's) has no scaled_dot_product_attention,
which diffusers' joint attention requires: the math definition is installed in its place (what
PyTorch 2's CPU "math" backend computes; a fused kernel would be faster), and said in the output.

Needs PyTorch and diffusers (0.30.x, with huggingface_hub) importable; see the README's
benchmark section for the setup used. Not part of CI.

  python3 bench/peer_diffusers.py --config ../shared/fixtures/sd21-configs --latent 32 --batch 1
"""
import argparse
import importlib.machinery
import json
import os
import sys
import time
import types


def stub_safetensors():
    """diffusers imports safetensors at start-up; no weights are read here, so a stand-in suffices
    where the package is not installed (it is not a Debian package)."""
    try:
        import safetensors.torch  # noqa: F401
        return
    except ImportError:
        pass

    def unavailable(*_args, **_kwargs):
        raise RuntimeError("safetensors is not installed: this benchmark reads no weights")

    root = types.ModuleType("safetensors")
    root.__spec__ = importlib.machinery.ModuleSpec("safetensors", None)  # diffusers probes find_spec
    root.__version__ = "0.0-stub"
    root.SafetensorError = RuntimeError
    root.safe_open = unavailable
    torch_mod = types.ModuleType("safetensors.torch")
    torch_mod.__spec__ = importlib.machinery.ModuleSpec("safetensors.torch", None)
    torch_mod.load_file = torch_mod.save_file = torch_mod.load = torch_mod.safe_open = unavailable
    root.torch = torch_mod
    sys.modules["safetensors"] = root
    sys.modules["safetensors.torch"] = torch_mod


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return -1.0


def blas_library():
    """The BLAS this process loaded: PyTorch's matmuls on Debian go through libblas.so.3, which the
    alternatives system points at the reference BLAS unless OpenBLAS is installed; OpenBLAS's
    libblas.so.3 in turn loads libopenblas.so.0 (pthread or OpenMP build, its own alternative)."""
    found = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if "blas" in os.path.basename(path) and os.path.realpath(path) not in found:
                    found.append(os.path.realpath(path))
    except OSError:
        pass
    core = [p for p in found if "libopenblas" in os.path.basename(p)]
    return (core or found or ["unknown"])[0]


def round3(v):
    """Three significant digits, as `bench extractor` rounds."""
    return float(f"{v:.3g}") if v else v


def paper_taps(unet):
    """The nine layers `bench extractor` and the extractor record by default (Taps.paper)."""
    taps = {f"down_blocks.{i}.resnets.1": b.resnets[1] for i, b in enumerate(unet.down_blocks)}
    taps["mid_block"] = unet.mid_block
    taps.update({f"up_blocks.{i}.resnets.1": b.resnets[1] for i, b in enumerate(unet.up_blocks)})
    return taps


class FlopCounter:
    """Counts what UNetFlops counts, from the modules that actually run: Conv2d and Linear
    multiply-adds, and the two attention matmuls (Q K^T and A V), a multiply-add = 2."""

    def __init__(self, unet, torch):
        self.total = 0
        self.handles = []
        for module in unet.modules():
            if isinstance(module, torch.nn.Conv2d):
                self.handles.append(module.register_forward_hook(self.conv))
            elif isinstance(module, torch.nn.Linear):
                self.handles.append(module.register_forward_hook(self.linear))
            if type(module).__name__ == "Attention":
                # PyTorch 1.13 hooks see no keyword arguments (the text states arrive as one), so
                # the attention's shapes are read off its projections: queries from to_q, keys from to_v
                self.handles.append(module.to_q.register_forward_hook(self.queries))
                self.handles.append(module.to_v.register_forward_hook(self.keys))

    def conv(self, module, _inputs, output):
        kh, kw = module.kernel_size
        self.total += 2 * output.numel() * module.in_channels // module.groups * kh * kw

    def linear(self, module, _inputs, output):
        self.total += 2 * output.numel() * module.in_features

    def queries(self, _module, _inputs, output):
        self.last_queries = output.shape  # [B, Nq, inner]

    def keys(self, _module, _inputs, output):
        batch, queries, inner = self.last_queries
        self.total += 2 * (2 * batch * queries * output.shape[1] * inner)

    def remove(self):
        for h in self.handles:
            h.remove()


SD3_MEDIUM = dict(sample_size=128, patch_size=2, in_channels=16, num_layers=24, attention_head_dim=64,
                  num_attention_heads=24, joint_attention_dim=4096, caption_projection_dim=1536,
                  pooled_projection_dim=2048, out_channels=16, pos_embed_max_size=192)


def peak_rss_mib():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def math_sdpa_if_missing(torch):
    """Installs torch.nn.functional.scaled_dot_product_attention's math definition where PyTorch
    lacks it (1.13); returns which attention the peer computes with."""
    f = torch.nn.functional
    if hasattr(f, "scaled_dot_product_attention"):
        return "torch.scaled_dot_product_attention"

    def sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
        s = query.shape[-1] ** -0.5 if scale is None else scale
        weights = torch.matmul(query, key.transpose(-2, -1)) * s
        if attn_mask is not None:
            weights = weights + attn_mask
        return torch.matmul(torch.softmax(weights, dim=-1), value)

    f.scaled_dot_product_attention = sdpa
    return "math definition (PyTorch " + torch.__version__ + " has no scaled_dot_product_attention)"


def sd3_main(args):
    """The mmdit-sd3m cases: build, warm up, then time one case per request (or once)."""
    import torch
    attention = math_sdpa_if_missing(torch)
    import diffusers
    from diffusers import SD3Transformer2DModel

    torch.set_num_threads(args.threads)
    blas = blas_library()
    torch.manual_seed(args.seed)
    model = SD3Transformer2DModel(**SD3_MEDIUM).eval()
    pooled = {}
    for i, block in enumerate(model.transformer_blocks):
        def hook(_m, _inputs, output, i=i):
            pooled[f"transformer_blocks.{i}"] = output[1].mean(dim=1)  # image stream [B, D], as Pooling.MEAN
        block.register_forward_hook(hook)
    b, n = args.batch, args.latent
    latents = torch.rand(b, 16, n, n) * 2 - 1
    context = torch.rand(b, 333, 4096) * 2 - 1
    pooled_text = torch.rand(b, 2048) * 2 - 1
    timestep = torch.tensor([500.0] * b)

    def forward():
        model(hidden_states=latents, encoder_hidden_states=context, pooled_projections=pooled_text, timestep=timestep)

    def sd3_report(seconds):
        if len(pooled) != 24:
            raise SystemExit(f"expected 24 block taps, recorded {len(pooled)}")
        per_s = args.iterations / seconds
        print(json.dumps({
            "case": f"mmdit-sd3m-{n}-b{b}", "impl": "diffusers", "model": "sd3m", "latent": n, "batch": b,
            "device": "cpu", "dtype": "float32", "threads": torch.get_num_threads(), "iterations": args.iterations,
            "forwards_per_s": round3(per_s), "latents_per_s": round3(per_s * b), "ms_per_forward": round3(1000 / per_s),
            "taps": len(pooled), "attention": attention, "peak_rss_mib": peak_rss_mib(), "torch": torch.__version__,
            "diffusers": diffusers.__version__, "blas": blas, "load_avg_1m": load_average(),
        }), flush=True)

    with torch.inference_mode():
        for _ in range(max(1, args.warmup)):
            forward()
        if args.serve:
            for _ in sys.stdin:
                sd3_report(time_case(args, forward))
        else:
            sd3_report(time_case(args, forward))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="../shared/fixtures/sd21-configs",
                   help="folder with unet/config.json (or the unet folder itself)")
    p.add_argument("--model", default="sd21", help="model name in the case name (default: sd21)")
    p.add_argument("--latent", type=int, default=32)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--iterations", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--dtype", default="float32", choices=["float32", "float16"])
    p.add_argument("--seed", type=int, default=21)
    p.add_argument("--serve", action="store_true",
                   help="after the warm-up, time one case per line read on stdin (how `bench extractor "
                        "--compare` alternates with the Java forward without rebuilding the model)")
    args = p.parse_args()

    stub_safetensors()
    if args.model == "sd3m":
        sd3_main(args)
        return
    import torch
    import diffusers
    from diffusers import UNet2DConditionModel

    torch.set_num_threads(args.threads)
    blas = blas_library()
    if "/blas/" in blas:  # Debian's reference implementation: 60x slower matmuls than OpenBLAS here
        print(f"warning: PyTorch's matmuls run on the reference BLAS ({blas}); install libopenblas0-openmp "
              "for a fair peer (see the README)", file=sys.stderr)
    torch.manual_seed(args.seed)
    config_dir = args.config if os.path.isfile(os.path.join(args.config, "config.json")) \
        else os.path.join(args.config, "unet")
    with open(os.path.join(config_dir, "config.json")) as f:
        config = json.load(f)
    dtype = torch.float16 if args.dtype == "float16" else torch.float32
    unet = UNet2DConditionModel.from_config(config).to(args.device, dtype).eval()

    pooled = {}

    def record(path):
        def hook(_module, _inputs, output):
            out = output[0] if isinstance(output, tuple) else output
            pooled[path] = out.mean(dim=(2, 3))  # [B, C], as Pooling.MEAN
        return hook

    for path, module in paper_taps(unet).items():
        module.register_forward_hook(record(path))

    b, n = args.batch, args.latent
    latents = (torch.rand(b, config.get("in_channels", 4), n, n) * 2 - 1).to(args.device, dtype)
    width = config.get("cross_attention_dim", 1280)
    width = width[0] if isinstance(width, list) else width
    context = (torch.rand(b, 77, width) * 2 - 1).to(args.device, dtype)
    timestep = torch.tensor([500], device=args.device)

    def forward():
        out = unet(latents, timestep, encoder_hidden_states=context).sample
        pooled["out"] = out.mean(dim=(2, 3))
        if args.device != "cpu":
            torch.cuda.synchronize()

    with torch.inference_mode():
        counter = FlopCounter(unet, torch)
        if args.warmup == 0 and not args.serve:
            # a cold measurement: the counted forwards are the timed ones (--iterations 1 then
            # runs one forward in all, which is what a loaded CPU can afford at a 64x64 latent)
            seconds = time_case(args, forward)
            counter.remove()
            report(args, seconds, counter.total // args.iterations, pooled, torch, diffusers, blas)
            return
        forward()  # the counting forward doubles as the first warm-up
        counter.remove()
        for _ in range(args.warmup - 1):
            forward()
        if args.serve:
            for _ in sys.stdin:
                report(args, time_case(args, forward), counter.total, pooled, torch, diffusers, blas)
        else:
            report(args, time_case(args, forward), counter.total, pooled, torch, diffusers, blas)


def time_case(args, forward):
    """Seconds for --iterations forwards."""
    start = time.perf_counter()
    for _ in range(args.iterations):
        forward()
    return time.perf_counter() - start


def report(args, seconds, flops, pooled, torch, diffusers, blas):
    if len(pooled) != 10:
        raise SystemExit(f"expected the nine paper taps and the output, recorded {sorted(pooled)}")
    b, n = args.batch, args.latent
    per_s = args.iterations / seconds
    gflop = flops / 1e9
    print(json.dumps({
        "case": f"unet-{args.model}-{n}-b{b}",
        "impl": "diffusers",
        "model": args.model,
        "latent": n,
        "batch": b,
        "device": args.device,
        "dtype": args.dtype,
        "threads": torch.get_num_threads(),
        "iterations": args.iterations,
        "forwards_per_s": round3(per_s),
        "latents_per_s": round3(per_s * b),
        "ms_per_forward": round3(1000 / per_s),
        "gflop_per_forward": round3(gflop),
        "gflops_per_s": round3(gflop * per_s),
        "taps": len(pooled),
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "blas": blas,
        "load_avg_1m": load_average(),
    }), flush=True)


if __name__ == "__main__":
    main()
