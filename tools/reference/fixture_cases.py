"""Case definitions for the reference fixtures: tiny random PaliGemma checkpoints in HF layout.

Everything random comes from numpy's PCG64 Generator with fixed seeds (platform independent), so the
checkpoints, images and prompts are byte-identical on every run.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from paligemma_ref.config import parse_config
from paligemma_ref.paligemma import expected_shapes
from paligemma_ref.safetensors_io import round_to_dtype, write_safetensors

# Tiny vocabulary laid out like PaliGemma's: specials and "text" ids, then 1024 <locNNNN>, 128 <segNNN>,
# <image>, then padding rows (the real one is 257152 + 64 = 257216).
BASE_VOCAB = 256
LOC_START = BASE_VOCAB                 # <loc0000> .. <loc1023> = 256 .. 1279
SEG_START = LOC_START + 1024           # <seg000> .. <seg127>  = 1280 .. 1407
IMAGE_TOKEN = SEG_START + 128          # <image> = 1408
VOCAB_SIZE = IMAGE_TOKEN + 64          # 1472
PAD, EOS, BOS, END_OF_TURN, NEWLINE = 0, 1, 2, 107, 108

DTYPE_NAMES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


@dataclass
class Case:
    name: str
    description: str
    text_model: str            # gemma | gemma2
    image_size: int
    seed: int
    weights_dtype: str         # F32 | F16 | BF16
    num_heads: int = 4
    num_kv_heads: int = 1
    head_dim: int = 16
    hidden: int = 64
    intermediate: int = 128
    query_pre_attn_scalar: Optional[int] = None
    sliding_window: Optional[int] = None
    qk_scale: float = 1.0      # multiplies q_proj/k_proj weights (softcap case)
    embed_std: float = 0.15
    attn_gain: float = 0.5     # scale of the attention branch output relative to a unit-RMS branch
    mlp_gain: float = 8.0      # scale of the MLP branch output (large: next token depends on the current one)
    final_norm_gain: float = 1.0  # (1 + w) of the final RMSNorm: scales the logits (softcap case)
    prefix_len: int = 6
    alt_window_modes: List[str] = field(default_factory=list)
    store_pixel_values: bool = False  # float32 pixel_values too (one case, to pin the u8 -> float formula)
    image_hw: tuple = (150, 200)  # source image (height, width) before the resize to image_size


CASES: Dict[str, Case] = {c.name: c for c in [
    Case("pg1", "PaliGemma 1: Gemma decoder, 224 px (256 image tokens), MQA (4 heads, 1 kv head)",
         "gemma", 224, seed=1001, weights_dtype="F32", num_kv_heads=1, store_pixel_values=True),
    Case("pg2", "PaliGemma 2: Gemma 2 decoder, 224 px, GQA (4 heads, 2 kv heads), default caps 50/30, "
         "sliding window 4096 (inactive), stale top-level hidden_size", "gemma2", 224, seed=2002,
         weights_dtype="BF16", num_kv_heads=2, query_pre_attn_scalar=16, sliding_window=4096),
    Case("pg2_window", "Gemma 2 with sliding_window 64 < prompt length 264: layer 0 (local) sees only the last "
         "64 keys when decoding", "gemma2", 224, seed=3003, weights_dtype="BF16", num_kv_heads=2,
         query_pre_attn_scalar=16, sliding_window=64, alt_window_modes=["hf_legacy", "symmetric"]),
    Case("pg2_softcap", "Gemma 2 with q/k weights x6 and final norm gain 8 so raw attention scores exceed 50 and "
         "raw final logits exceed 30 (both caps active)", "gemma2", 224, seed=4004, weights_dtype="BF16",
         num_kv_heads=2, query_pre_attn_scalar=16, sliding_window=4096, qk_scale=6.0, final_norm_gain=8.0),
    Case("pg2_28b_heads", "Gemma 2 like PG2 28B: head_dim 24 != hidden/heads 16, query_pre_attn_scalar 20 != "
         "head_dim", "gemma2", 224, seed=5007, weights_dtype="BF16", num_kv_heads=2, head_dim=24,
         query_pre_attn_scalar=20, sliding_window=4096),
    Case("pg1_448", "PaliGemma 1 at 448 px (1024 image tokens), F16 weights", "gemma", 448, seed=6006,
         weights_dtype="F16", num_kv_heads=1, image_hw=(260, 300)),
]}

VISION = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, patch_size=14)


def hf_config(case: Case) -> dict:
    """config.json as transformers writes it for PaliGemma (keys equal to HF defaults partly omitted)."""
    n_img = (case.image_size // VISION["patch_size"]) ** 2
    tdt = DTYPE_NAMES[case.weights_dtype]
    vision = {"model_type": "siglip_vision_model", **VISION, "num_image_tokens": n_img,
              "projection_dim": case.hidden, "vision_use_head": False, "torch_dtype": tdt}
    if case.image_size != 224:
        vision["image_size"] = case.image_size  # 224 is SigLIP's default: omitted like real PG configs do
    text = {"model_type": case.text_model, "hidden_size": case.hidden, "intermediate_size": case.intermediate,
            "num_hidden_layers": 2, "num_attention_heads": case.num_heads, "num_key_value_heads": case.num_kv_heads,
            "head_dim": case.head_dim, "num_image_tokens": n_img, "vocab_size": VOCAB_SIZE, "torch_dtype": tdt}
    if case.text_model == "gemma2":
        # attn_logit_softcapping omitted on purpose: real PG2 configs omit it too (HF default 50.0)
        text.update({"query_pre_attn_scalar": case.query_pre_attn_scalar, "sliding_window": case.sliding_window,
                     "final_logit_softcapping": 30.0, "hidden_activation": "gelu_pytorch_tanh",
                     "cache_implementation": "hybrid"})
    return {
        "architectures": ["PaliGemmaForConditionalGeneration"],
        "bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD,
        # PG2 configs carry a stale top-level hidden_size (2048); PG1's equals the text width
        "hidden_size": 2048 if case.text_model == "gemma2" else case.hidden,
        "ignore_index": -100,
        "image_token_index": IMAGE_TOKEN,
        "model_type": "paligemma",
        "projection_dim": case.hidden,
        "text_config": text,
        "vision_config": vision,
        "vocab_size": VOCAB_SIZE,
        "torch_dtype": tdt,
        "transformers_version": "4.47.0",
    }


def _init_tensor(rng: np.random.Generator, name: str, shape: tuple, case: Case) -> np.ndarray:
    """Deterministic init chosen so activations stay O(1) and greedy choices are well separated."""
    def normal(std):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    last = name.rsplit(".", 2)
    leaf = ".".join(last[-2:])
    if name.endswith("embed_tokens.weight"):
        return normal(case.embed_std)
    if name.endswith("position_embedding.weight"):
        return normal(0.5)
    if name.endswith("patch_embedding.weight"):
        return normal(1.0 / np.sqrt(shape[1] * shape[2] * shape[3]))
    if "layernorm" in name or "layer_norm" in name or name.endswith("model.norm.weight"):
        if name.endswith(".bias"):
            return normal(0.05)
        if name.startswith("vision_tower"):  # LayerNorm: weight near 1
            return (1.0 + normal(0.1)).astype(np.float32)
        if name.endswith("model.norm.weight"):
            return (case.final_norm_gain - 1.0 + normal(0.1)).astype(np.float32)
        if ".post_" in name and case.text_model == "gemma2":  # Gemma 2 branch output norms: (1 + w) ~ gain
            gain = case.attn_gain if ".post_attention" in name else case.mlp_gain
            return (gain - 1.0 + normal(0.1)).astype(np.float32)
        return normal(0.1)                    # Gemma RMSNorm: stored zero-centred, used as (1 + w)
    if name.endswith(".bias"):
        return normal(0.02)
    fan_in = shape[1]
    w = normal(1.0 / np.sqrt(fan_in))
    if case.text_model == "gemma" and leaf in ("o_proj.weight", "down_proj.weight"):
        w = (w * (case.attn_gain if leaf == "o_proj.weight" else case.mlp_gain)).astype(np.float32)
    if case.qk_scale != 1.0 and leaf in ("q_proj.weight", "k_proj.weight") and name.startswith("language_model"):
        w = (w * case.qk_scale).astype(np.float32)
    return w


def make_weights(case: Case) -> Dict[str, np.ndarray]:
    """Returns name -> float32 values already rounded to the storage dtype (what readers will see)."""
    cfg = parse_config(hf_config(case))
    rng = np.random.Generator(np.random.PCG64(case.seed))
    out = {}
    for name, shape in sorted(expected_shapes(cfg).items()):
        out[name] = round_to_dtype(_init_tensor(rng, name, tuple(shape), case), case.weights_dtype)
    return out


def make_image(case: Case) -> np.ndarray:
    """Smooth deterministic RGB test picture (gradients, a disc, a bar) [H, W, 3] uint8; compresses well."""
    rng = np.random.Generator(np.random.PCG64(case.seed + 17))
    h, w = case.image_hw
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    a, b, c = rng.uniform(0.2, 1.0, size=3)
    img = np.stack([255 * a * xx / (w - 1), 255 * b * yy / (h - 1),
                    255 * c * (0.5 + 0.5 * np.sin(xx / 9.0 + yy / 13.0))], axis=-1)
    cy, cx, r = rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.7) * w, rng.uniform(0.12, 0.25) * min(h, w)
    disc = (yy - cy) ** 2 + (xx - cx) ** 2 < r ** 2
    img[disc] = rng.uniform(0, 255, size=3)
    y0, x0 = int(rng.uniform(0.05, 0.6) * h), int(rng.uniform(0.05, 0.6) * w)
    img[y0:y0 + h // 8, x0:x0 + w // 3] = rng.uniform(0, 255, size=3)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def make_prompt(case: Case) -> List[int]:
    """<image> x N, <bos>, prefix ids (ordinary text ids 3..255 except 107/108), "\\n" (108)."""
    rng = np.random.Generator(np.random.PCG64(case.seed + 29))
    n_img = (case.image_size // VISION["patch_size"]) ** 2
    allowed = [i for i in range(3, BASE_VOCAB) if i not in (END_OF_TURN, NEWLINE)]
    prefix = [int(allowed[i]) for i in rng.integers(0, len(allowed), size=case.prefix_len)]
    return [IMAGE_TOKEN] * n_img + [BOS] + prefix + [NEWLINE]


def make_text_prompt(case: Case, attempt: int) -> List[int]:
    """Text-only prompt (no image tokens): <bos>, prefix ids, "\\n"; `attempt` picks another prefix."""
    rng = np.random.Generator(np.random.PCG64(case.seed + 31 + 1000 * attempt))
    allowed = [i for i in range(3, BASE_VOCAB) if i not in (END_OF_TURN, NEWLINE)]
    prefix = [int(allowed[i]) for i in rng.integers(0, len(allowed), size=case.prefix_len)]
    return [BOS] + prefix + [NEWLINE]


def write_checkpoint(case: Case, folder: str, weights: Dict[str, np.ndarray]) -> None:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(hf_config(case), f, indent=2, sort_keys=True)
        f.write("\n")
    write_safetensors(os.path.join(folder, "model.safetensors"),
                      {k: (v, case.weights_dtype) for k, v in weights.items()})
