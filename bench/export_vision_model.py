#!/usr/bin/env python3
"""A realistically sized vision model for `alignstream bench extractor`: torchvision's ResNet
(resnet50 by default, or resnet18) or ViT-B/16 (vit_b_16) with random weights at 224 x 224, written the way a user
exports one (docs/vision-models.md, "Export recipe"): `layers.pt` (forward hooks on the layers,
traced with strict=False, returning Dict[str, Tensor]), `layers.onnx` (the same layers as graph
outputs, named by module path, opset 17, dynamic batch), `preprocessor_config.json` (torchvision's
ImageNet preprocessing: shortest edge 256, bilinear, center crop 224, ImageNet mean and std) and
`reference.json` (the architecture and layer names bench/peer_vision.py rebuilds and hooks).

The fixtures of ../shared/fixtures/vision are 64 x 64 toys whose forward is under 2 ms at batch 16,
so fixed costs per call or per Kafka poll dominate any share measured on them; this model's
forward is what real extraction spends. The weights' values do not matter for timing: nothing is
downloaded. Needs Debian's python3-torch, python3-torchvision and python3-onnx.

  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/export_vision_model.py --out /tmp/resnet50
  java -jar target/alignstream.jar bench extractor --model /tmp/resnet50 --threads 2 --compare
"""
import argparse
import json
import os

LAYERS = {
    "resnet18": ["layer1", "layer2", "layer3", "layer4", "avgpool", "fc"],
    "resnet50": ["layer1", "layer2", "layer3", "layer4", "avgpool", "fc"],
    "vit_b_16": ["encoder.layers.encoder_layer_5", "encoder.layers.encoder_layer_11", "encoder.ln", "heads"],
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder to write (created)")
    p.add_argument("--arch", default="resnet50", choices=sorted(LAYERS))
    p.add_argument("--side", type=int, default=224, help="input height and width (default 224)")
    args = p.parse_args()

    import torch
    import torchvision

    torch.manual_seed(0)
    model = getattr(torchvision.models, args.arch)(weights=None).eval()
    layers = LAYERS[args.arch]

    class Hooked(torch.nn.Module):
        """The network's named layers as a dictionary (what forward hooks give thingsvision)."""

        def __init__(self, model, names):
            super().__init__()
            self.model, self.names, self.out = model, names, {}
            modules = dict(model.named_modules())
            for n in names:
                modules[n].register_forward_hook(lambda _m, _i, o, n=n: self.out.__setitem__(n, o))

        def forward(self, pixel_values):
            self.out = {}
            self.model(pixel_values)
            return {n: self.out[n] for n in self.names}

    os.makedirs(args.out, exist_ok=True)
    x = torch.rand(2, 3, args.side, args.side) * 2 - 1
    with torch.no_grad():
        torch.jit.trace(Hooked(model, layers), x, strict=False).save(os.path.join(args.out, "layers.pt"))
    # torch.onnx.export flattens the dictionary into outputs in key order: name them by module path.
    # With gradients enabled, as here, nn.MultiheadAttention (ViT) takes its composite path, which
    # opset 17 can express; under no_grad it takes a fused kernel that has no ONNX form.
    torch.onnx.export(Hooked(model, layers), x, os.path.join(args.out, "layers.onnx"),
                      input_names=["pixel_values"], output_names=layers, opset_version=17,
                      dynamic_axes={"pixel_values": {0: "batch"}, **{n: {0: "batch"} for n in layers}})
    with open(os.path.join(args.out, "preprocessor_config.json"), "w") as f:
        json.dump({"do_resize": True, "size": {"shortest_edge": round(args.side * 256 / 224)}, "resample": 2,
                   "do_center_crop": True, "crop_size": {"height": args.side, "width": args.side},
                   "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
                   "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225],
                   "do_convert_rgb": True}, f, indent=2)
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump({"model": args.arch, "layers": {n: {} for n in layers},
                   "made_with": {"torch": torch.__version__, "torchvision": torchvision.__version__,
                                 "weights": "random (torch.manual_seed(0))", "opset": 17}}, f, indent=2)
    print(f"wrote {args.out}: {args.arch} at {args.side}x{args.side}, layers {', '.join(layers)}")


if __name__ == "__main__":
    main()
