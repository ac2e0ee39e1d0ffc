#!/usr/bin/env python3
"""The peer of `alignstream bench extractor`'s vision cases: PyTorch eager with forward hooks.

What thingsvision runs: the torchvision module itself (not a trace), a forward hook on each
named layer, the hooked outputs pooled per layer as the extractor's default does (maps: spatial
mean; token sequences: the class token; vectors as they are). The network is rebuilt from the
fixture's description (../shared/fixtures/vision/README.md: a one-block-per-stage ResNet, a
two-layer ViT) and given the weights stored in its `layers.pt`; before timing, every hooked layer
is checked against what `layers.pt` itself returns for the same input (max difference 1e-4 of
the layer's largest value), so both sides run the same network. A folder written by
bench/export_vision_model.py (torchvision's resnet18 / resnet50 / vit_b_16 at 224 x 224) works the same way. Input: seeded random [batch, 3, H, W] at the size of
the folder's preprocessor_config.json crop.

It prints one JSON line per case with the fields of `bench extractor`'s vision cases (case,
impl, model, batch, side, device, threads, iterations, images_per_s, ms_per_batch,
cpu_ms_per_batch, page_faults_per_batch, layers, load_avg_1m) plus the library versions. Needs Debian's python3-torch and python3-torchvision.

  OMP_WAIT_POLICY=PASSIVE python3 bench/peer_vision.py --model-dir ../shared/fixtures/vision/resnet --batch 16
"""
import argparse
import json
import os
import resource
import sys
import time


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return -1.0


def round3(v):
    """Three significant digits, as `bench extractor` rounds."""
    return float(f"{v:.3g}") if v else v


def build(arch, torchvision):
    """The fixture's torchvision network (fixtures/vision/README.md), or a torchvision ResNet or ViT-B/16 that
    bench/export_vision_model.py wrote; random weights until loaded."""
    if arch in ("resnet18", "resnet50", "vit_b_16"):
        return getattr(torchvision.models, arch)(weights=None)
    if arch == "resnet":
        from torchvision.models.resnet import BasicBlock, ResNet
        return ResNet(BasicBlock, [1, 1, 1, 1], num_classes=16)
    if arch == "vit":
        from torchvision.models.vision_transformer import VisionTransformer
        return VisionTransformer(image_size=64, patch_size=16, num_layers=2, num_heads=4, hidden_dim=64,
                                 mlp_dim=128, num_classes=16)
    raise SystemExit(f"unknown architecture '{arch}' (resnet or vit)")


def pool(value):
    """The extractor's default pooling per kind (docs/vision-models.md): [N, C, H, W] spatial mean,
    [N, T, D] the class token, [N, D] as it is."""
    if value.dim() == 4:
        return value.mean(dim=(2, 3))
    if value.dim() == 3:
        return value[:, 0]
    return value


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model-dir", required=True,
                   help="a fixture folder with layers.pt, reference.json and preprocessor_config.json")
    p.add_argument("--model", help="model name in the case name (default: the folder's name)")
    p.add_argument("--arch", help="resnet or vit (default: reference.json's model)")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--warmup-seconds", type=float, default=0.0,
                   help="and keep warming up until this long has passed (what `bench extractor --warmup-seconds` gives Java)")
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    p.add_argument("--profile", metavar="FILE",
                   help="after the timed batches, --iterations more under torch's profiler: write its Chrome trace to FILE "
                        "and print a \"profile\" line with each operator's self CPU time per batch (what `bench extractor "
                        "--profile` prints for the TorchScript cases)")
    p.add_argument("--serve", action="store_true",
                   help="after the warm-up, time one case per line read on stdin (how `bench extractor --compare` "
                        "alternates with the Java cases without rebuilding the model)")
    args = p.parse_args()

    import torch
    import torchvision

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    folder = args.model_dir
    with open(os.path.join(folder, "reference.json")) as f:
        reference = json.load(f)
    with open(os.path.join(folder, "preprocessor_config.json")) as f:
        crop = json.load(f)["crop_size"]
    name = args.model or os.path.basename(os.path.normpath(folder))

    traced = torch.jit.load(os.path.join(folder, "layers.pt")).eval()
    model = build(args.arch or reference["model"], torchvision).eval()
    # the traced wrapper keeps the network as its submodule "model"
    weights = {k[len("model."):]: v for k, v in traced.state_dict().items() if k.startswith("model.")}
    model.load_state_dict(weights, strict=True)

    modules = dict(model.named_modules())
    layers = sorted(reference["layers"])
    captured = {}
    for layer in layers:
        modules[layer].register_forward_hook(lambda _m, _i, out, layer=layer: captured.__setitem__(layer, out))

    torch.manual_seed(0)
    x = torch.rand(args.batch, 3, crop["height"], crop["width"]) * 2 - 1
    with torch.inference_mode():
        model(x)
        expected = traced(x)
        for layer in layers:
            # relative to the layer's scale: random weights let deep ResNets' activations grow large
            scale = max(1.0, expected[layer].abs().max().item())
            diff = (captured[layer] - expected[layer]).abs().max().item() / scale
            if diff > 1e-4:
                raise SystemExit(f"{layer}: the eager network differs from layers.pt by {diff}: not the same weights")

        def forward():
            captured.clear()
            model(x)
            return {layer: pool(captured[layer]).numpy() for layer in layers}

        until = time.perf_counter() + args.warmup_seconds
        done = 0
        while done < args.warmup or time.perf_counter() < until:
            forward()
            done += 1
        if args.serve:
            for _ in sys.stdin:
                report(args, name, crop, layers, time_case(args, forward), torch, torchvision)
        else:
            report(args, name, crop, layers, time_case(args, forward), torch, torchvision)
        if args.profile:
            profile(args, name, forward, torch)


def time_case(args, forward):
    """Wall seconds, CPU seconds (all threads) and minor page faults for --iterations batches."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    for _ in range(args.iterations):
        forward()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return seconds, cpu, after.ru_minflt - before.ru_minflt


def profile(args, name, forward, torch):
    """--iterations batches under torch's profiler: self CPU time per operator and batch, the operators that
    take the first 95% of the time inside operators (as `bench extractor --profile` lists them)."""
    with torch.autograd.profiler.profile(record_shapes=True) as prof:
        for _ in range(args.iterations):
            forward()
    os.makedirs(os.path.dirname(os.path.abspath(args.profile)), exist_ok=True)
    prof.export_chrome_trace(args.profile)
    ops = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
    total = sum(e.self_cpu_time_total for e in ops)
    listed, covered = [], 0
    for e in ops:
        if covered >= 0.95 * total:
            break
        covered += e.self_cpu_time_total
        listed.append({"name": e.key, "self_ms": round3(e.self_cpu_time_total / 1000 / args.iterations),
                       "calls": round3(e.count / args.iterations)})
    print(json.dumps({"case": f"vision-{name}-b{args.batch}", "impl": "pytorch-eager", "batches": args.iterations,
                      "profile": args.profile, "ms_in_operators": round3(total / 1000 / args.iterations),
                      "operators": listed, "load_avg_1m": load_average()}), flush=True)


def report(args, name, crop, layers, timed, torch, torchvision):
    seconds, cpu, faults = timed
    per_s = args.iterations / seconds
    print(json.dumps({
        "case": f"vision-{name}-b{args.batch}",
        "impl": "pytorch-eager",
        "model": name,
        "format": "eager",
        "batch": args.batch,
        "side": crop["height"],
        "device": "cpu",
        "threads": torch.get_num_threads(),
        "iterations": args.iterations,
        "images_per_s": round3(per_s * args.batch),
        "ms_per_batch": round3(1000 / per_s),
        "cpu_ms_per_batch": round3(1000 * cpu / args.iterations),
        "page_faults_per_batch": round3(faults / args.iterations),
        "layers": len(layers),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "load_avg_1m": load_average(),
    }), flush=True)


if __name__ == "__main__":
    main()
