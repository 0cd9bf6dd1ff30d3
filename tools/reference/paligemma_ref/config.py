"""Hugging Face PaliGemma config.json -> dataclasses, with HF's defaults for omitted keys.

Defaults follow transformers' PaliGemmaConfig, GemmaConfig, Gemma2Config and SiglipVisionConfig.
Real checkpoints omit many keys (e.g. PG1's text_config has no head_dim -> 256), so the defaults matter.
In PaliGemma 2 configs the top-level `hidden_size` is stale (2048): the text model width is always taken
from `text_config.hidden_size`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import List, Optional

# transformers GemmaConfig defaults (gemma-7b shaped)
GEMMA_DEFAULTS = dict(
    vocab_size=256000, hidden_size=3072, intermediate_size=24576, num_hidden_layers=28,
    num_attention_heads=16, num_key_value_heads=16, head_dim=256, hidden_activation="gelu_pytorch_tanh",
    max_position_embeddings=8192, rms_norm_eps=1e-6, rope_theta=10000.0, attention_bias=False,
    tie_word_embeddings=True, pad_token_id=0, eos_token_id=1, bos_token_id=2,
)
# transformers Gemma2Config defaults (gemma-2-9b-ish shaped)
GEMMA2_DEFAULTS = dict(
    vocab_size=256000, hidden_size=2304, intermediate_size=9216, num_hidden_layers=26,
    num_attention_heads=8, num_key_value_heads=4, head_dim=256, hidden_activation="gelu_pytorch_tanh",
    max_position_embeddings=8192, rms_norm_eps=1e-6, rope_theta=10000.0, attention_bias=False,
    tie_word_embeddings=True, pad_token_id=0, eos_token_id=1, bos_token_id=2,
    query_pre_attn_scalar=256, sliding_window=4096, final_logit_softcapping=30.0,
    attn_logit_softcapping=50.0,
)
# transformers SiglipVisionConfig defaults (base/16 shaped)
SIGLIP_DEFAULTS = dict(
    hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
    num_channels=3, image_size=224, patch_size=16, hidden_act="gelu_pytorch_tanh", layer_norm_eps=1e-6,
)
# PaliGemmaConfig's own defaults
PALIGEMMA_DEFAULTS = dict(image_token_index=256000, vocab_size=257152, projection_dim=2048, hidden_size=2048)
# used by PaliGemmaConfig when vision_config is absent altogether (SigLIP So400m/14 at 224 px)
PALIGEMMA_DEFAULT_VISION = dict(
    intermediate_size=4096, hidden_size=1152, patch_size=14, image_size=224, num_hidden_layers=27,
    num_attention_heads=16,
)
# used by PaliGemmaConfig when text_config is absent altogether (Gemma 2B)
PALIGEMMA_DEFAULT_TEXT = dict(
    model_type="gemma", hidden_size=2048, num_hidden_layers=18, intermediate_size=16384,
    num_attention_heads=8, num_key_value_heads=1,
)

_GELU_TANH = {"gelu_pytorch_tanh", "gelu_fast", "gelu_new", "gelu_python_tanh"}


@dataclass
class VisionConfig:
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_channels: int
    image_size: int
    patch_size: int
    hidden_act: str
    layer_norm_eps: float
    projection_dim: int

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @property
    def num_patches(self) -> int:
        return (self.image_size // self.patch_size) ** 2


@dataclass
class TextConfig:
    model_type: str  # "gemma" or "gemma2"
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    hidden_activation: str
    rms_norm_eps: float
    rope_theta: float
    attention_bias: bool
    tie_word_embeddings: bool
    pad_token_id: Optional[int]
    eos_token_id: object
    bos_token_id: Optional[int]
    # Gemma 2 only (None for Gemma 1)
    query_pre_attn_scalar: Optional[float] = None
    sliding_window: Optional[int] = None
    final_logit_softcapping: Optional[float] = None
    attn_logit_softcapping: Optional[float] = None
    layer_types: List[str] = field(default_factory=list)

    @property
    def is_gemma2(self) -> bool:
        return self.model_type == "gemma2"

    @property
    def attention_scaling(self) -> float:
        """Gemma 2: query_pre_attn_scalar^-0.5; Gemma 1: head_dim^-0.5."""
        if self.is_gemma2:
            return float(self.query_pre_attn_scalar) ** -0.5
        return float(self.head_dim) ** -0.5

    def layer_is_sliding(self, i: int) -> bool:
        return self.is_gemma2 and self.sliding_window is not None and self.layer_types[i] == "sliding_attention"


@dataclass
class PaliGemmaConfig:
    vision: VisionConfig
    text: TextConfig
    image_token_index: int
    top_level_hidden_size: int  # informational only (stale in PG2 configs)
    raw: dict

    @property
    def num_image_tokens(self) -> int:
        return self.vision.num_patches


def _merge(defaults: dict, given: dict) -> dict:
    out = dict(defaults)
    for k, v in given.items():
        if v is not None or k not in out:
            out[k] = v
    return out


def _rope_theta(d: dict, default: float) -> float:
    if d.get("rope_theta") is not None:
        return float(d["rope_theta"])
    rp = d.get("rope_parameters") or d.get("rope_scaling")
    if isinstance(rp, dict):
        kind = rp.get("rope_type", rp.get("type", "default"))
        if kind not in (None, "default"):
            raise ValueError(f"rope type {kind!r} is not supported (PaliGemma uses plain RoPE)")
        if rp.get("rope_theta") is not None:
            return float(rp["rope_theta"])
    return default


def parse_text_config(d: Optional[dict], fallback_vocab: int) -> TextConfig:
    if d is None:
        d = dict(PALIGEMMA_DEFAULT_TEXT, vocab_size=fallback_vocab)
    model_type = d.get("model_type", "gemma")
    if model_type not in ("gemma", "gemma2"):
        raise ValueError(f"text_config.model_type {model_type!r} is not supported (expected gemma or gemma2)")
    defaults = GEMMA2_DEFAULTS if model_type == "gemma2" else GEMMA_DEFAULTS
    m = _merge(defaults, d)
    act = m.get("hidden_activation") or m.get("hidden_act") or "gelu_pytorch_tanh"
    if model_type == "gemma" and d.get("hidden_activation") is None:
        # transformers' GemmaMLP falls back to gelu_pytorch_tanh when hidden_activation is not set
        act = "gelu_pytorch_tanh"
    if act not in _GELU_TANH:
        raise ValueError(f"text activation {act!r} is not supported (Gemma uses gelu with tanh approximation)")
    n_layers = int(m["num_hidden_layers"])
    layer_types: List[str] = []
    if model_type == "gemma2":
        layer_types = list(m.get("layer_types") or
                           ["sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(n_layers)])
        if len(layer_types) != n_layers:
            raise ValueError(f"layer_types has {len(layer_types)} entries for {n_layers} layers")
    cfg = TextConfig(
        model_type=model_type,
        vocab_size=int(m["vocab_size"]),
        hidden_size=int(m["hidden_size"]),
        intermediate_size=int(m["intermediate_size"]),
        num_hidden_layers=n_layers,
        num_attention_heads=int(m["num_attention_heads"]),
        num_key_value_heads=int(m["num_key_value_heads"]),
        head_dim=int(m["head_dim"]),
        hidden_activation=act,
        rms_norm_eps=float(m["rms_norm_eps"]),
        rope_theta=_rope_theta(d, float(defaults["rope_theta"])),
        attention_bias=bool(m["attention_bias"]),
        tie_word_embeddings=bool(m["tie_word_embeddings"]),
        pad_token_id=m.get("pad_token_id"),
        eos_token_id=m.get("eos_token_id"),
        bos_token_id=m.get("bos_token_id"),
        layer_types=layer_types,
    )
    if model_type == "gemma2":
        cfg.query_pre_attn_scalar = float(m["query_pre_attn_scalar"])
        cfg.sliding_window = None if m.get("sliding_window") is None else int(m["sliding_window"])
        cfg.final_logit_softcapping = m.get("final_logit_softcapping")
        cfg.attn_logit_softcapping = m.get("attn_logit_softcapping")
    if cfg.num_attention_heads % cfg.num_key_value_heads:
        raise ValueError(f"num_attention_heads {cfg.num_attention_heads} is not a multiple of "
                         f"num_key_value_heads {cfg.num_key_value_heads}")
    return cfg


def parse_vision_config(d: Optional[dict], projection_dim: int) -> VisionConfig:
    given = PALIGEMMA_DEFAULT_VISION if d is None else d
    mt = given.get("model_type", "siglip_vision_model")
    if mt != "siglip_vision_model":
        raise ValueError(f"vision_config.model_type {mt!r} is not supported (expected siglip_vision_model)")
    m = _merge(SIGLIP_DEFAULTS, given)
    if m["hidden_act"] not in _GELU_TANH:
        raise ValueError(f"vision activation {m['hidden_act']!r} is not supported")
    if given.get("vision_use_head") is True:
        pass  # the pooling head exists but PaliGemma only uses last_hidden_state
    return VisionConfig(
        hidden_size=int(m["hidden_size"]), intermediate_size=int(m["intermediate_size"]),
        num_hidden_layers=int(m["num_hidden_layers"]), num_attention_heads=int(m["num_attention_heads"]),
        num_channels=int(m["num_channels"]), image_size=int(m["image_size"]), patch_size=int(m["patch_size"]),
        hidden_act=m["hidden_act"], layer_norm_eps=float(m["layer_norm_eps"]), projection_dim=projection_dim,
    )


def parse_config(d: dict) -> PaliGemmaConfig:
    if d.get("model_type", "paligemma") != "paligemma":
        raise ValueError(f"model_type {d.get('model_type')!r} is not paligemma")
    top = _merge(PALIGEMMA_DEFAULTS, {k: d.get(k) for k in PALIGEMMA_DEFAULTS if k in d})
    # transformers' attribute_map: image_token_id is an alias of image_token_index
    if "image_token_index" not in d and d.get("image_token_id") is not None:
        top["image_token_index"] = d["image_token_id"]
    text = parse_text_config(d.get("text_config"), int(top["vocab_size"]))
    vision = parse_vision_config(d.get("vision_config"), int(top["projection_dim"]))
    if vision.projection_dim != text.hidden_size:
        raise ValueError(f"projection_dim {vision.projection_dim} != text_config.hidden_size {text.hidden_size}")
    cfg = PaliGemmaConfig(vision=vision, text=text, image_token_index=int(top["image_token_index"]),
                          top_level_hidden_size=int(top["hidden_size"]), raw=d)
    return cfg


def load_config(folder_or_file: str) -> PaliGemmaConfig:
    path = folder_or_file
    if os.path.isdir(path):
        path = os.path.join(path, "config.json")
    with open(path, "r", encoding="utf-8") as f:
        return parse_config(json.load(f))
