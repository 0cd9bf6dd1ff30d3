"""PaliGemma = SigLIP -> Linear projector (with bias) -> merged into Gemma / Gemma 2 input embeddings.

Follows HF `PaliGemmaForConditionalGeneration`:
  image_features = projector(siglip(pixel_values)) / sqrt(text hidden)      (get_image_features)
  inputs_embeds  = embed_tokens(input_ids); rows at image_token_index <- image_features (masked_scatter)
  decoder multiplies ALL inputs_embeds by sqrt(text hidden) (normalizer in the compute dtype)
so the net effect is: image features unscaled, text embeddings * sqrt(hidden).
Position ids are cache_position + 1. The first forward call (the prompt) is bidirectional.

Checkpoint key layouts accepted: legacy (`vision_tower.`, `multi_modal_projector.`, `language_model.model.`,
optional `language_model.lm_head.weight`) and newer (`model.vision_tower.`, `model.multi_modal_projector.`,
`model.language_model.`, `lm_head.weight`). Everything is normalised to the legacy names internally.
"""

from __future__ import annotations

import os
from typing import Dict, Optional, Tuple

import numpy as np
import torch

from .config import PaliGemmaConfig, load_config
from .gemma import KVCache, text_forward, text_weight_shapes
from .safetensors_io import read_safetensors
from .siglip import vision_forward, vision_weight_shapes

_RENAMES = (
    ("model.vision_tower.", "vision_tower."),
    ("model.multi_modal_projector.", "multi_modal_projector."),
    ("model.language_model.", "language_model.model."),
    ("language_model.lm_head.", "lm_head."),
)


def normalize_key(name: str) -> str:
    for new, old in _RENAMES:
        if name.startswith(new):
            return old + name[len(new):]
    return name


def expected_shapes(cfg: PaliGemmaConfig) -> Dict[str, tuple]:
    s = dict(vision_weight_shapes(cfg.vision))
    s["multi_modal_projector.linear.weight"] = (cfg.vision.projection_dim, cfg.vision.hidden_size)
    s["multi_modal_projector.linear.bias"] = (cfg.vision.projection_dim,)
    s.update(text_weight_shapes(cfg.text))
    return s


def load_weights(folder: str, cfg: PaliGemmaConfig) -> Dict[str, np.ndarray]:
    """Reads model.safetensors (or every *.safetensors shard) and checks names and shapes."""
    files = sorted(f for f in os.listdir(folder) if f.endswith(".safetensors"))
    if not files:
        raise FileNotFoundError(f"{folder}: no .safetensors file")
    raw: Dict[str, np.ndarray] = {}
    for f in files:
        tensors, _ = read_safetensors(os.path.join(folder, f))
        for k, v in tensors.items():
            nk = normalize_key(k)
            if nk in raw:
                raise ValueError(f"{folder}: tensor {k!r} appears twice")
            raw[nk] = v
    want = expected_shapes(cfg)
    missing = [k for k in want if k not in raw]
    if missing:
        raise ValueError(f"{folder}: missing tensors, e.g. {missing[:5]}")
    for k, shape in want.items():
        if tuple(raw[k].shape) != tuple(shape):
            raise ValueError(f"{folder}: tensor {k!r} has shape {raw[k].shape}, expected {shape}")
    if not cfg.text.tie_word_embeddings and "lm_head.weight" not in raw:
        raise ValueError(f"{folder}: tie_word_embeddings is false but lm_head.weight is missing")
    return raw


class PaliGemmaReference:
    """The oracle. `dtype` is the compute dtype (torch.float64 by default)."""

    def __init__(self, cfg: PaliGemmaConfig, weights: Dict[str, np.ndarray], dtype: torch.dtype = torch.float64):
        self.cfg = cfg
        self.dtype = dtype
        self.w = {k: torch.from_numpy(np.asarray(v, dtype=np.float64)).to(dtype) for k, v in weights.items()}

    @classmethod
    def from_folder(cls, folder: str, dtype: torch.dtype = torch.float64) -> "PaliGemmaReference":
        cfg = load_config(folder)
        return cls(cfg, load_weights(folder, cfg), dtype)

    # --- vision ---------------------------------------------------------------------------------------
    def projected_image_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """projector(siglip(pixels)) [B, N, text hidden], BEFORE HF's division by sqrt(hidden)."""
        h = vision_forward(self.cfg.vision, self.w, pixel_values.to(self.dtype))
        return torch.nn.functional.linear(h, self.w["multi_modal_projector.linear.weight"],
                                          self.w["multi_modal_projector.linear.bias"])

    def get_image_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """As HF: projected features divided by sqrt(text_config.hidden_size)."""
        return self.projected_image_features(pixel_values) / (self.cfg.text.hidden_size ** 0.5)

    # --- embeddings -----------------------------------------------------------------------------------
    def input_embeddings(self, input_ids: torch.Tensor, pixel_values: Optional[torch.Tensor]) -> torch.Tensor:
        emb_w = self.w["language_model.model.embed_tokens.weight"]
        ids = input_ids.clone()
        is_image = ids == self.cfg.image_token_index
        if self.cfg.image_token_index >= self.cfg.text.vocab_size:
            ids[is_image] = 0  # HF replaces an out-of-vocabulary image id by pad before the lookup
        if int(ids.max()) >= self.cfg.text.vocab_size or int(ids.min()) < 0:
            raise ValueError(f"token id out of range 0..{self.cfg.text.vocab_size - 1}")
        emb = emb_w[ids]
        if pixel_values is not None:
            feats = self.get_image_features(pixel_values).to(emb.dtype)
            if int(is_image.sum()) != feats.shape[0] * feats.shape[1]:
                raise ValueError(f"{int(is_image.sum())} image tokens in the prompt but "
                                 f"{feats.shape[0] * feats.shape[1]} image features")
            emb = emb.masked_scatter(is_image[..., None].expand_as(emb), feats)
        # without pixel_values (decode steps) an <image> id is embedded like any other token, as in HF
        return emb

    # --- decoding -------------------------------------------------------------------------------------
    def new_cache(self) -> KVCache:
        return KVCache(self.cfg.text.num_hidden_layers)

    def forward(self, input_ids: torch.Tensor, pixel_values: Optional[torch.Tensor], cache: KVCache,
                window_mode: str = "hf", causal_prompt: bool = False, stats: Optional[dict] = None,
                disable_window: bool = False, prompt_len: Optional[int] = None,
                attn_mask: Optional[torch.Tensor] = None, last_logits_only: bool = False,
                hidden_out: Optional[list] = None) -> torch.Tensor:
        """Feeds input_ids [B, n] (pixel_values only with the prompt); returns logits [B, n, V] ([B, 1, V] with
        `last_logits_only`); `hidden_out` as in `text_forward`."""
        emb = self.input_embeddings(input_ids, pixel_values)
        return text_forward(self.cfg.text, self.w, emb, cache, window_mode=window_mode,
                            causal_prompt=causal_prompt, stats=stats, disable_window=disable_window,
                            prompt_len=prompt_len, attn_mask=attn_mask, last_logits_only=last_logits_only,
                            hidden_out=hidden_out)


def split_prompt(ids, image_token_index: int) -> Tuple[int, int]:
    """Returns (number of leading image tokens, prompt length)."""
    n = 0
    while n < len(ids) and ids[n] == image_token_index:
        n += 1
    return n, len(ids)
