#!/usr/bin/env python3
"""Builds the tiny Stable Diffusion 3 fixtures of src/test/resources/sd3/ with the reference
implementation: diffusers 0.30.3 and transformers (the NielsRogge fork, ~4.9) on Debian's
PyTorch 1.13, float32, CPU. See src/test/resources/sd3/README.md for what it writes.

Run from the repository root (takes well under a minute; nothing is downloaded):

  OMP_WAIT_POLICY=PASSIVE PYTHONPATH=/work/pypeer/diffusers-src:/work/pypeer/hub-src:/work/pypeer/transformers-src \
      /usr/bin/python3 src/test/python/make_tiny_sd3.py src/test/resources/sd3

What this script supplies because the platform lacks it (each said where it is done):
- torch.nn.functional.scaled_dot_product_attention (PyTorch 2.0) does not exist in 1.13, and
  diffusers' JointAttnProcessor2_0 refuses to build without it: `math_sdpa` below is the exact
  math definition (softmax(q k^T / sqrt(d) + mask) v, no dropout), installed before diffusers
  is imported.
- transformers 4.9 has no CLIPTextModelWithProjection: `ClipWithProjection` is CLIPTextModel plus
  the bias-free `text_projection` Linear on the pooled output, returning (text_embeds, ...,
  hidden_states) as the newer class does; it is registered under that name so that diffusers'
  StableDiffusion3Img2ImgPipeline module imports.
- safetensors is not installed: the weights and references are written by `write_safetensors`
  (the format: 8-byte little-endian header length, JSON header, raw little-endian data).
- The T5 tokenizer is a unigram SentencePiece model trained here with Debian's spm_train on a
  small word list, read by transformers' (slow) T5Tokenizer; the fast tokenizer needs the
  `tokenizers` library, which is not installed.
Every weight is random (seeded), including the output projections diffusers initialises to
zero, so that every path matters.
"""
import importlib.machinery
import json
import math
import os
import subprocess
import sys
import tempfile
import types

import numpy as np

# ---- platform stand-ins, before anything imports diffusers or transformers -----------------

_dv = types.ModuleType("transformers.dependency_versions_check")
_dv.dep_version_check = lambda *args, **kwargs: None  # it insists on sacremoses and tokenizers
sys.modules["transformers.dependency_versions_check"] = _dv
for _name in ("safetensors", "safetensors.torch"):
    _m = types.ModuleType(_name)
    _m.__spec__ = importlib.machinery.ModuleSpec(_name, None)
    sys.modules[_name] = _m
sys.modules["safetensors"].torch = sys.modules["safetensors.torch"]

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def math_sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """torch.nn.functional.scaled_dot_product_attention by its definition (PyTorch 2 docs)."""
    assert dropout_p == 0.0 and not is_causal
    s = query.shape[-1] ** -0.5 if scale is None else scale
    weights = torch.matmul(query, key.transpose(-2, -1)) * s
    if attn_mask is not None:
        weights = weights + attn_mask
    return torch.matmul(torch.softmax(weights, dim=-1), value)


F.scaled_dot_product_attention = math_sdpa

import transformers  # noqa: E402

if transformers.__spec__ is None:  # the fork's lazy module has none; diffusers probes it
    transformers.__spec__ = importlib.machinery.ModuleSpec("transformers", None)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer, T5Config, T5EncoderModel, T5Tokenizer  # noqa: E402
from transformers.models.clip.tokenization_clip import bytes_to_unicode  # noqa: E402


class ClipWithProjection(CLIPTextModel):
    """transformers' CLIPTextModelWithProjection: the pooled output through a bias-free Linear."""

    def __init__(self, config):
        super().__init__(config)
        self.text_projection = torch.nn.Linear(config.hidden_size, config.projection_dim, bias=False)

    def forward(self, input_ids=None, output_hidden_states=None, **kwargs):
        out = super().forward(input_ids=input_ids, output_hidden_states=True, return_dict=True)
        return _Output(self.text_projection(out.pooler_output), out.last_hidden_state, out.hidden_states)


class _Output(tuple):
    """(text_embeds, last_hidden_state) with .hidden_states, as transformers' model outputs index."""

    def __new__(cls, embeds, last, hidden):
        o = super().__new__(cls, (embeds, last))
        o.text_embeds, o.last_hidden_state, o.hidden_states = embeds, last, hidden
        return o


transformers.CLIPTextModelWithProjection = ClipWithProjection
transformers.T5TokenizerFast = T5Tokenizer
for _missing in ("AutoImageProcessor", "CLIPImageProcessor", "CLIPVisionModelWithProjection"):
    # newer names diffusers' loaders import; nothing here uses them
    if not hasattr(transformers, _missing):
        setattr(transformers, _missing, type(_missing, (), {}))
import transformers.file_utils as _tf_files  # noqa: E402
import transformers.utils as _tf_utils  # noqa: E402

# file names diffusers' pipeline loader imports from transformers.utils (file_utils in 4.9)
_tf_utils.FLAX_WEIGHTS_NAME, _tf_utils.WEIGHTS_NAME = _tf_files.FLAX_WEIGHTS_NAME, _tf_files.WEIGHTS_NAME
_tf_utils.SAFE_WEIGHTS_NAME = "model.safetensors"

import diffusers.utils.import_utils as _diffusers_imports  # noqa: E402

# diffusers asks importlib.metadata for transformers' version, which a source tree lacks
_diffusers_imports._transformers_available = True
_diffusers_imports._transformers_version = transformers.__version__
import diffusers  # noqa: E402
from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, SD3Transformer2DModel  # noqa: E402
from diffusers.pipelines.stable_diffusion_3.pipeline_stable_diffusion_3_img2img import (  # noqa: E402
    StableDiffusion3Img2ImgPipeline,
)
from PIL import Image  # noqa: E402

PROMPTS = ["", "a photo of a cat", "a photo of an aardvark"]
NOISE_LEVELS = [0.1, 0.55, 0.9]  # 0.55: 100 - 100 * 0.55 = 44.99999999999999, so 56 steps (index 44), not 55
STEPS = 100
FULL_CONTEXT_LEVEL = 0.55  # the level whose context streams are stored whole (others: their token means)
T5_LENGTH = 256  # the pipeline's max_sequence_length default
RESOLUTION = 64
# T5 tokenizer strings beyond the prompts: NFKC folding, whitespace runs, unknown characters
TOKENIZER_PROBES = ["a photo of a cat", "  a   photo\tof a CAT  ", "ﬁsh ｃａｔ café naïve", "ice cream",
                    "a photo of a 🦔 hedgehog", "", "aardvark aardvark aardvark", "Zebra-crossing, 42!"]
WORDS = """a photo of an aardvark cat dog apple banana bear bee bird boat book bottle bowl bread bridge cake
camel camera candle car carrot castle chair cheese chicken clock cloud cow crab crown cup deer desk dolphin
donkey door duck eagle egg elephant fish flag flower fork fox frog giraffe glass goat guitar hammer hat horse
house ice cream jacket kangaroo kettle key kite knife ladder lamp leaf lemon lion lizard lobster lock monkey
moon mouse mushroom nest octopus onion orange owl panda parrot pear pen penguin piano pig pizza plate rabbit
ring robot rocket rose sandwich scissors seal shark sheep shell ship shoe snail snake sock spider spoon star
sun swan table teapot tiger tomato train tree turtle umbrella violin watch whale wheel window wolf zebra"""

torch.manual_seed(0)
torch.set_num_threads(int(os.environ.get("FIXTURE_THREADS", "2")))


# ---- writing ------------------------------------------------------------------------------

def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    dtypes = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64"}
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(len(raw).to_bytes(8, "little"))
        f.write(raw)
        for b in blobs:
            f.write(b)


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def randomize(module, generator):
    """Every parameter random: linear and conv weights gaussian with std 1/sqrt(fan-in), so that
    activations stay at unit scale through every layer; norm scales 1 +- 0.1; biases (the adaptive
    norms' projections included) 0.02; embedding tables unit gaussian. Nothing is zero, unlike
    diffusers' own initialisation of some output projections, so that every path matters."""
    tables = ("token_embedding.weight", "position_embedding.weight", "shared.weight", "relative_attention_bias.weight")
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith(tables):
                p.copy_(torch.randn(p.shape, generator=generator))
            elif p.dim() == 1 and name.endswith(".weight") and "norm" in name:
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=generator))
            elif p.dim() == 1:
                p.copy_(0.02 * torch.randn(p.shape, generator=generator))
            else:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=generator) / math.sqrt(fan_in))


def save_model(model, folder, weights_name, config, drop=()):
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), config)
    state = {k: v for k, v in model.state_dict().items() if k not in drop}
    write_safetensors(os.path.join(folder, weights_name), state, {"format": "pt"})


def diffusers_config(model):
    cfg = dict(model.config)
    cfg = {k: v for k, v in cfg.items() if not k.startswith("_")}
    cfg["_class_name"] = type(model).__name__
    cfg["_diffusers_version"] = diffusers.__version__
    return cfg


# ---- tokenizers ---------------------------------------------------------------------------

def learn_bpe(words, merges_wanted):
    """A small byte-level BPE in CLIP's layout (bytes_to_unicode symbols, '</w>' word ends)."""
    b2u = bytes_to_unicode()
    corpus = {}
    for w in words:
        sym = tuple(b2u[b] for b in w.encode())
        sym = sym[:-1] + (sym[-1] + "</w>",)
        corpus[sym] = corpus.get(sym, 0) + 1
    merges = []
    while len(merges) < merges_wanted:
        pairs = {}
        for sym, n in corpus.items():
            for a, b in zip(sym, sym[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + n
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        new = {}
        for sym, n in corpus.items():
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + n
        corpus = new
    vocab = list(b2u.values())
    vocab += [v + "</w>" for v in vocab]
    vocab += ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    return {t: i for i, t in enumerate(vocab)}, merges


def write_clip_tokenizer(folder, vocab, merges, pad):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    write_json(os.path.join(folder, "tokenizer_config.json"), {
        "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
        "pad_token": pad, "model_max_length": 77, "tokenizer_class": "CLIPTokenizer", "do_lower_case": True})
    write_json(os.path.join(folder, "special_tokens_map.json"), {
        "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "pad_token": pad})
    return ClipIds(CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")), vocab, pad)


class ClipIds:
    """CLIPTokenizer's __call__ as transformers 4.40 behaves (what the pipeline sees): bos, the BPE
    tokens, eos, truncated to 77 and padded with the pad token's id. The 4.9 fork's tokenizer is
    used for the BPE itself (text cleaning without ftfy, as 4.40 does without it) but not for the
    ids around it: it pads with id 0 whatever the pad token is ("very ugly hack" in its source)
    and does not resolve bos/eos ids from a vocabulary written like this one."""

    model_max_length = 77

    def __init__(self, bpe, vocab, pad):
        self.bpe, self.bos, self.eos, self.pad = bpe, vocab["<|startoftext|>"], vocab["<|endoftext|>"], vocab[pad]

    def __call__(self, prompts, padding="max_length", max_length=77, truncation=True, return_tensors="pt"):
        rows = []
        for p in [prompts] if isinstance(prompts, str) else prompts:
            ids = self.bpe.convert_tokens_to_ids(self.bpe.tokenize(p))
            rows.append([self.bos] + ids + [self.eos])
        if truncation:
            rows = [r[:max_length - 1] + [self.eos] if len(r) > max_length else r for r in rows]
        width = max_length if padding == "max_length" else max(len(r) for r in rows)
        rows = [r + [self.pad] * (width - len(r)) for r in rows]
        return types.SimpleNamespace(input_ids=torch.tensor(rows))

    def batch_decode(self, ids):
        return [self.bpe.decode(r) for r in ids]


def write_t5_tokenizer(folder):
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w") as f:
            words = WORDS.split()
            for i in range(0, len(words), 6):
                f.write(" ".join(words[i:i + 6]) + "\n")
            f.write("a photo of a cat\na photo of an aardvark\nCafé crème, naïve façade.\n")
        subprocess.run(["spm_train", f"--input={corpus}", f"--model_prefix={tmp}/spiece", "--model_type=unigram",
                        "--vocab_size=160", "--pad_id=0", "--eos_id=1", "--unk_id=2", "--bos_id=-1",
                        "--character_coverage=1.0", "--num_threads=1", "--hard_vocab_limit=false"],
                       check=True, capture_output=True)
        with open(f"{tmp}/spiece.model", "rb") as src, open(os.path.join(folder, "spiece.model"), "wb") as dst:
            dst.write(src.read())
    write_json(os.path.join(folder, "tokenizer_config.json"), {
        "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>", "extra_ids": 100,
        "model_max_length": 512, "tokenizer_class": "T5Tokenizer",
        "additional_special_tokens": [f"<extra_id_{i}>" for i in range(100)]})
    write_json(os.path.join(folder, "special_tokens_map.json"), {
        "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "additional_special_tokens": [f"<extra_id_{i}>" for i in range(100)]})
    return T5Tokenizer(os.path.join(folder, "spiece.model"), extra_ids=100)


# ---- the pipeline -------------------------------------------------------------------------

def build(out, with_t5, shared):
    """One diffusers folder; `shared` carries the components both variants use (same weights)."""
    g = torch.Generator().manual_seed(1234)
    if not shared:
        vocab, merges = learn_bpe([w for w in WORDS.split()] + ["photo", "of", "a", "an"], 120)
        shared["bpe"] = (vocab, merges)
        shared["transformer"] = SD3Transformer2DModel(
            sample_size=8, patch_size=2, in_channels=16, num_layers=3, attention_head_dim=8, num_attention_heads=4,
            joint_attention_dim=64, caption_projection_dim=32, pooled_projection_dim=40, out_channels=16,
            pos_embed_max_size=12)
        randomize(shared["transformer"], g)
        shared["vae"] = AutoencoderKL(
            in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 4,
            up_block_types=["UpDecoderBlock2D"] * 4, block_out_channels=[8, 16, 16, 16], layers_per_block=1,
            latent_channels=16, norm_num_groups=4, sample_size=64, scaling_factor=1.5305, shift_factor=0.0609,
            use_quant_conv=False, use_post_quant_conv=False)
        randomize(shared["vae"], g)
        vocab_size = len(vocab)
        shared["clip_l"] = ClipWithProjection(CLIPTextConfig(
            vocab_size=vocab_size, hidden_size=16, intermediate_size=32, num_hidden_layers=3, num_attention_heads=4,
            max_position_embeddings=77, hidden_act="quick_gelu", projection_dim=16, layer_norm_eps=1e-5,
            bos_token_id=vocab_size - 2, eos_token_id=vocab_size - 1, pad_token_id=1))
        shared["clip_g"] = ClipWithProjection(CLIPTextConfig(
            vocab_size=vocab_size, hidden_size=24, intermediate_size=48, num_hidden_layers=3, num_attention_heads=4,
            max_position_embeddings=77, hidden_act="gelu", projection_dim=24, layer_norm_eps=1e-5,
            bos_token_id=vocab_size - 2, eos_token_id=vocab_size - 1, pad_token_id=1))
        randomize(shared["clip_l"], g)
        randomize(shared["clip_g"], g)
    vocab, merges = shared["bpe"]
    transformer, vae = shared["transformer"], shared["vae"]
    scheduler = FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=3.0)

    os.makedirs(out, exist_ok=True)
    tok_l = write_clip_tokenizer(os.path.join(out, "tokenizer"), vocab, merges, "<|endoftext|>")
    tok_g = write_clip_tokenizer(os.path.join(out, "tokenizer_2"), vocab, merges, "!")
    text_encoder_3 = tokenizer_3 = None
    if with_t5:
        tokenizer_3 = write_t5_tokenizer(os.path.join(out, "tokenizer_3"))
        text_encoder_3 = T5EncoderModel(T5Config(
            vocab_size=len(tokenizer_3), d_model=64, d_kv=8, d_ff=96, num_layers=2, num_heads=8,
            relative_attention_num_buckets=32, dropout_rate=0.0, layer_norm_epsilon=1e-6,
            feed_forward_proj="gated-gelu", is_encoder_decoder=False, use_cache=False, pad_token_id=0,
            eos_token_id=1))
        randomize(text_encoder_3, g)
        shared["t5"] = text_encoder_3
    for m in (transformer, vae, shared["clip_l"], shared["clip_g"]) + ((text_encoder_3,) if with_t5 else ()):
        m.eval()

    save_model(transformer, os.path.join(out, "transformer"), "diffusion_pytorch_model.safetensors",
               diffusers_config(transformer))
    save_model(vae, os.path.join(out, "vae"), "diffusion_pytorch_model.safetensors", diffusers_config(vae))
    for name, enc in (("text_encoder", shared["clip_l"]), ("text_encoder_2", shared["clip_g"])):
        cfg = enc.config.to_dict()
        cfg["architectures"] = ["CLIPTextModelWithProjection"]
        cfg["model_type"] = "clip_text_model"
        save_model(enc, os.path.join(out, name), "model.safetensors", cfg)
    if with_t5:
        cfg = text_encoder_3.config.to_dict()
        cfg["architectures"] = ["T5EncoderModel"]
        cfg["dense_act_fn"] = "gelu_new"  # what newer transformers write for gated-gelu
        cfg["is_gated_act"] = True
        cfg["relative_attention_max_distance"] = 128  # hard-coded in 4.9, a config key since
        save_model(text_encoder_3, os.path.join(out, "text_encoder_3"), "model.safetensors", cfg,
                   drop=("encoder.embed_tokens.weight",))  # tied to shared.weight; safetensors keeps one
    write_json(os.path.join(out, "scheduler", "scheduler_config.json"), {
        "_class_name": "FlowMatchEulerDiscreteScheduler", "_diffusers_version": diffusers.__version__,
        "num_train_timesteps": 1000, "shift": 3.0})
    write_json(os.path.join(out, "model_index.json"), {
        "_class_name": "StableDiffusion3Pipeline", "_diffusers_version": diffusers.__version__,
        "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
        "text_encoder": ["transformers", "CLIPTextModelWithProjection"],
        "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
        "text_encoder_3": ["transformers", "T5EncoderModel"] if with_t5 else [None, None],
        "tokenizer": ["transformers", "CLIPTokenizer"], "tokenizer_2": ["transformers", "CLIPTokenizer"],
        "tokenizer_3": ["transformers", "T5TokenizerFast"] if with_t5 else [None, None],
        "transformer": ["diffusers", "SD3Transformer2DModel"], "vae": ["diffusers", "AutoencoderKL"]})
    pipe = StableDiffusion3Img2ImgPipeline(
        transformer=transformer, scheduler=scheduler, vae=vae, text_encoder=shared["clip_l"], tokenizer=tok_l,
        text_encoder_2=shared["clip_g"], tokenizer_2=tok_g, text_encoder_3=text_encoder_3, tokenizer_3=tokenizer_3)
    return pipe, tok_l, tok_g, tokenizer_3


# ---- references ---------------------------------------------------------------------------

def references(pipe, tok_l, tok_g, tok_t5, images_dir):
    ref, side = {}, {"prompts": PROMPTS, "noise_levels": NOISE_LEVELS, "inference_steps": STEPS,
                     "resolution": RESOLUTION, "image_files": [], "batch": "image-major: index = image * 3 + prompt"}
    # images: the two 64x64 test PNGs, as VaeImageProcessor.preprocess makes them [-1, 1]
    imgs = []
    for i in range(2):
        name = f"input_image_{i}.png"
        side["image_files"].append(name)
        imgs.append(Image.open(os.path.join(images_dir, name)).convert("RGB"))
    pixels = pipe.image_processor.preprocess(imgs, height=RESOLUTION, width=RESOLUTION)
    ref["image.pixels"] = pixels
    with torch.no_grad():
        dist = pipe.vae.encode(pixels).latent_dist
        ref["vae.moments"] = dist.parameters
        ref["vae.mean"], ref["vae.logvar"], ref["vae.std"] = dist.mean, dist.logvar, dist.std
        # prepare_latents' scaling, from the posterior mean (sample_mode "argmax")
        latents = (dist.mode() - pipe.vae.config.shift_factor) * pipe.vae.config.scaling_factor
        ref["vae.latents"] = latents

        # text: each encoder on its own, then the pipeline's encode_prompt (no guidance)
        for key, tok, enc in (("clip_l", tok_l, pipe.text_encoder), ("clip_g", tok_g, pipe.text_encoder_2)):
            ids = tok(PROMPTS, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
            out = enc(ids, output_hidden_states=True)
            ref[f"text.{key}.input_ids"] = ids
            ref[f"text.{key}.penultimate"] = out.hidden_states[-2]
            ref[f"text.{key}.last_hidden_state"] = out.last_hidden_state
            ref[f"text.{key}.pooled"] = out[0]
        if tok_t5 is not None:
            ids = tok_t5(PROMPTS, padding="max_length", max_length=T5_LENGTH, truncation=True,
                         add_special_tokens=True, return_tensors="pt").input_ids
            ref["text.t5.input_ids"] = ids
            ref["text.t5.last_hidden_state"] = pipe.text_encoder_3(ids)[0]
            rel = torch.arange(-(T5_LENGTH - 1), T5_LENGTH)
            ref["text.t5.relative_position"] = rel
            attention = pipe.text_encoder_3.encoder.block[0].layer[0].SelfAttention
            ref["text.t5.relative_position_bucket"] = attention._relative_position_bucket(
                rel, bidirectional=True, num_buckets=pipe.text_encoder_3.config.relative_attention_num_buckets)
            side["t5_tokenizer_probes"] = [
                {"text": t, "ids": tok_t5(t, add_special_tokens=True).input_ids,
                 "pieces": tok_t5.sp_model.encode(t, out_type=str)} for t in TOKENIZER_PROBES]
        prompt_embeds, _, pooled, _ = pipe.encode_prompt(
            PROMPTS, PROMPTS, PROMPTS, do_classifier_free_guidance=False, max_sequence_length=T5_LENGTH)
        ref["prompt_embeds"], ref["pooled_prompt_embeds"] = prompt_embeds, pooled

        # scheduler: set_timesteps(100) as __call__ does, then get_timesteps per strength
        pipe.scheduler.set_timesteps(STEPS)
        ref["scheduler.sigmas"] = pipe.scheduler.sigmas.clone()
        ref["scheduler.timesteps"] = pipe.scheduler.timesteps.clone()
        gen = torch.Generator().manual_seed(42)
        side["levels"] = []
        tokens_per_image = None
        for s in NOISE_LEVELS:
            pipe.scheduler.set_timesteps(STEPS)
            timesteps, _ = pipe.get_timesteps(STEPS, s, torch.device("cpu"))
            latent_timestep = timesteps[:1].repeat(2)
            gen.manual_seed(42)  # the same noise draw at every level, as alignstream does
            noisy = pipe.prepare_latents(latents, latent_timestep, 2, 1, latents.dtype, torch.device("cpu"), gen)
            prefix = f"s{int(round(s * 100)):03d}"
            index = pipe.scheduler.begin_index
            side["levels"].append({"noise_level": s, "prefix": prefix, "begin_index": index,
                                   "sigma": float(pipe.scheduler.sigmas[index]), "timestep": float(timesteps[0])})
            ref[f"{prefix}.noisy_latents"] = noisy
            gen.manual_seed(42)
            ref["noise"] = torch.randn(latents.shape, generator=gen)
            # the transformer on every (image, prompt) pair, image-major
            x = noisy.repeat_interleave(len(PROMPTS), dim=0)
            ctx = prompt_embeds.repeat(2, 1, 1)
            pool = pooled.repeat(2, 1)
            t = timesteps[:1].expand(x.shape[0])
            taps = record(pipe.transformer, x, ctx, pool, t)
            for name, value in taps.items():
                if name.endswith(".context") and s != FULL_CONTEXT_LEVEL:
                    continue  # full context streams at one level only: they are most of the bytes
                ref[f"transformer.{prefix}.{name}"] = value
            tokens_per_image = taps["transformer_blocks.0"].shape[1]
        side["image_tokens"] = tokens_per_image
    side["shift_factor"] = pipe.vae.config.shift_factor
    side["scaling_factor"] = pipe.vae.config.scaling_factor
    return ref, side


def record(transformer, x, ctx, pooled, t):
    """Every block's image stream (and context stream, where the block returns one), the
    embeddings and the noise prediction; image streams also mean-pooled over tokens."""
    taps = {}
    hooks = [transformer.pos_embed.register_forward_hook(lambda m, i, o: taps.__setitem__("pos_embed", o)),
             transformer.time_text_embed.register_forward_hook(lambda m, i, o: taps.__setitem__("time_text_embed", o)),
             transformer.context_embedder.register_forward_hook(
                 lambda m, i, o: taps.__setitem__("context_embedder", o))]
    for i, block in enumerate(transformer.transformer_blocks):
        def hook(m, inputs, output, i=i):
            context, image = output
            taps[f"transformer_blocks.{i}"] = image
            taps[f"transformer_blocks.{i}.mean"] = image.mean(dim=1)
            if context is not None:
                taps[f"transformer_blocks.{i}.context"] = context
                taps[f"transformer_blocks.{i}.context.mean"] = context.mean(dim=1)
        hooks.append(block.register_forward_hook(hook))
    taps["out"] = transformer(hidden_states=x, encoder_hidden_states=ctx, pooled_projections=pooled, timestep=t,
                              return_dict=False)[0]
    for h in hooks:
        h.remove()
    return taps


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/sd3"
    images = os.path.join(out, "images")
    shared = {}
    for name, with_t5 in (("tiny-sd3", True), ("tiny-sd3-no-t5", False)):
        pipe, tok_l, tok_g, tok_t5 = build(os.path.join(out, name), with_t5, shared)
        ref, side = references(pipe, tok_l, tok_g, tok_t5, images)
        write_safetensors(os.path.join(out, f"{name}-reference.safetensors"), ref)
        side["tensors"] = {k: list(v.shape) for k, v in ref.items()}
        side["versions"] = {"torch": torch.__version__, "diffusers": diffusers.__version__,
                            "transformers": transformers.__version__, "numpy": np.__version__}
        write_json(os.path.join(out, f"{name}-reference.json"), side)
        print(name, "written:", len(ref), "tensors")


if __name__ == "__main__":
    main()
