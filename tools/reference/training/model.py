"""Trainable PaliGemma 2: the reference's functional forward (siglip.vision_forward + gemma.text_forward) on a
dict of float32 leaf tensors with requires_grad, plus the config this recipe trains and HF-layout export."""

from __future__ import annotations

import copy
import json
import math
import os
import shutil
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

from paligemma_ref import PaliGemmaReference, parse_config, write_safetensors
from paligemma_ref.paligemma import expected_shapes
from paligemma_ref.safetensors_io import read_safetensors

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def recipe_config(template: dict, image_size: int, vision_hidden: int, vision_layers: int, text_hidden: int,
                  text_layers: int) -> dict:
    """The tiny generator's config.json with this recipe's widths (head_dim 32, one kv head, MLP 4x)."""
    c = copy.deepcopy(template)
    t, v = c["text_config"], c["vision_config"]
    heads = max(1, text_hidden // 32)
    t.update(hidden_size=text_hidden, intermediate_size=4 * text_hidden, num_hidden_layers=text_layers,
             num_attention_heads=heads, num_key_value_heads=1, head_dim=32, query_pre_attn_scalar=32,
             num_image_tokens=(image_size // 14) ** 2)
    v.update(hidden_size=vision_hidden, intermediate_size=4 * vision_hidden, num_hidden_layers=vision_layers,
             num_attention_heads=max(1, vision_hidden // 32), image_size=image_size, patch_size=14,
             num_image_tokens=(image_size // 14) ** 2, projection_dim=text_hidden)
    c["projection_dim"] = text_hidden
    return c


def init_weights(cfg_dict: dict, seed: int) -> Dict[str, np.ndarray]:
    """Deterministic initial weights: N(0, 0.02) matrices (patch conv and embeddings scaled to their fan-in),
    RMSNorm weights 0 (Gemma multiplies by 1 + w), LayerNorm 1 / 0, biases 0."""
    cfg = parse_config(cfg_dict)
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in sorted(expected_shapes(cfg).items()):
        if name.endswith("layernorm.weight") or name.endswith("norm.weight"):
            is_layer_norm = "vision_tower" in name
            out[name] = np.ones(shape, np.float32) if is_layer_norm else np.zeros(shape, np.float32)
        elif name.endswith(".bias"):
            out[name] = np.zeros(shape, np.float32)
        elif "patch_embedding.weight" in name:
            fan_in = int(np.prod(shape[1:]))
            out[name] = (rng.standard_normal(shape) / math.sqrt(fan_in)).astype(np.float32)
        elif "embed_tokens" in name:
            out[name] = (rng.standard_normal(shape) / math.sqrt(shape[1])).astype(np.float32)
        else:
            out[name] = (rng.standard_normal(shape) * 0.02).astype(np.float32)
    return out


def smooth_loc_embeddings(weights: Dict[str, np.ndarray], loc_first: int, seed: int, centres: int = 32) -> None:
    """Start the 1024 `<locNNNN>` embeddings (tied to the output head) on a smooth curve: bin k gets a sum of
    Gaussian bumps around k (32 centres, width 1 centre) mapped through a fixed random orthonormal matrix, plus a
    little noise, at the scale of the other embeddings. Neighbouring bins then start with nearly the same embedding
    and logit, so a hidden state that says "about here" scores the bins around the place, the way the soft location
    targets ask; training from i.i.d. embeddings has to discover that order from data first."""
    emb = weights["language_model.model.embed_tokens.weight"]
    dim = emb.shape[1]
    rng = np.random.default_rng([seed, 1024])
    basis, _ = np.linalg.qr(rng.standard_normal((dim, centres)))  # [dim, centres], orthonormal columns
    k = np.arange(1024, dtype=np.float64)[:, None]
    c = (np.arange(centres, dtype=np.float64)[None, :] + 0.5) * (1024 / centres)
    bumps = np.exp(-0.5 * ((k - c) / (1024 / centres)) ** 2)
    curve = bumps @ basis.T
    curve /= np.linalg.norm(curve, axis=1, keepdims=True)
    noise = rng.standard_normal((1024, dim)) / math.sqrt(dim)
    emb[loc_first:loc_first + 1024] = (0.9 * curve + 0.3 * noise).astype(np.float32)


def read_hf_folder(folder: str) -> Tuple[dict, Dict[str, np.ndarray]]:
    """The config and weights (float32 arrays) of an exported HF-layout folder (`TrainableModel.export`)."""
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    weights, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
    return cfg, weights


class TrainableModel:
    def __init__(self, cfg_dict: dict, weights: Dict[str, np.ndarray], device: torch.device):
        self.cfg_dict = cfg_dict
        self.ref = PaliGemmaReference(parse_config(cfg_dict), weights, dtype=torch.float32)
        self.ref.w = {k: v.to(device).requires_grad_(True) for k, v in self.ref.w.items()}
        self.device = device

    @classmethod
    def from_hf_folder(cls, folder: str, device: torch.device) -> "TrainableModel":
        """The model of an exported HF-layout folder (`export`: config.json + model.safetensors)."""
        return cls(*read_hf_folder(folder), device)

    @property
    def cfg(self):
        return self.ref.cfg

    def parameters(self) -> List[torch.Tensor]:
        return [self.ref.w[k] for k in sorted(self.ref.w)]

    def state(self) -> Dict[str, torch.Tensor]:
        return {k: v.detach().cpu() for k, v in self.ref.w.items()}

    def load_state(self, state: Dict[str, torch.Tensor]) -> None:
        with torch.no_grad():
            for k, v in state.items():
                self.ref.w[k].copy_(v)

    def logits(self, input_ids: torch.Tensor, pixel_values: torch.Tensor, attn_mask: torch.Tensor,
               hidden_out: Optional[list] = None) -> torch.Tensor:
        """Logits [B, n, V]; `hidden_out` receives the decoder's last hidden states (see `text_forward`)."""
        return self.ref.forward(input_ids, pixel_values, self.ref.new_cache(), attn_mask=attn_mask, hidden_out=hidden_out)

    def logits_and_image_features(self, input_ids: torch.Tensor, pixel_values: torch.Tensor, attn_mask: torch.Tensor,
                                  hidden_out: Optional[list] = None):
        """Logits as `logits`, plus the projector output [B, N, D] they were computed from (the vision tower runs
        once; the features feed the auxiliary patch loss)."""
        feats = self.ref.projected_image_features(pixel_values)
        scale = self.cfg.text.hidden_size ** 0.5
        self.ref.get_image_features = lambda _px: feats / scale  # instance attribute shadows the method
        try:
            return self.logits(input_ids, pixel_values, attn_mask, hidden_out), feats
        finally:
            del self.ref.get_image_features

    def export(self, folder: str, tokenizer_dir: str) -> None:
        """HF layout: config.json, model.safetensors (F16, legacy names), tokenizer files."""
        os.makedirs(folder, exist_ok=True)
        cfg = dict(self.cfg_dict, torch_dtype="float16")
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        tensors = {k: (v.numpy().astype(np.float32), "F16") for k, v in self.state().items()}
        write_safetensors(os.path.join(folder, "model.safetensors"), tensors)
        for name in TOKENIZER_FILES:
            src = os.path.join(tokenizer_dir, name)
            if os.path.exists(src):
                shutil.copyfile(src, os.path.join(folder, name))


class PatchHeads(torch.nn.Module):
    """Auxiliary linear probes on the image features (training only, never exported): per patch, the shape
    (background + 5) and colour (background + 8) of the object covering it, the patch's own row and column, and the
    box of the object covering it (`patch_boxes`: L1 on the patches an object owns).
    They give the vision tower a dense, direct training signal from the first step, so the decoder has informative
    image tokens to learn to read: what is where. (The decoder cannot get a patch's place from RoPE, which acts on
    attention scores only, not on the values it reads; it must be in the features.)"""

    def __init__(self, dim: int, grid: int = 8, shapes: int = 6, colours: int = 9, chars: int = 63, char_slots: int = 2):
        super().__init__()
        self.grid = grid
        self.char_classes = chars
        self.char = torch.nn.Linear(dim, chars * char_slots)
        self.shape = torch.nn.Linear(dim, shapes)
        self.colour = torch.nn.Linear(dim, colours)
        self.row = torch.nn.Linear(dim, grid)
        self.col = torch.nn.Linear(dim, grid)
        self.box = torch.nn.Linear(dim, 4)
        self.seg_turn = torch.nn.Linear(dim, 2)

    def turn_loss(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Decoder-side turn probe: `hidden` [B, n, D] (the decoder's final hidden states, after the final norm),
        `targets` [B, n, 2] (`segment_turn_targets`: (cos k*rot, sin k*rot) where the next token is the first `<seg>`
        code of a star's mask, NaN elsewhere) -> mean squared error there (0 without any). The vision
        features already hold a star's turn (a linear probe on them reads it to a few degrees) but the decoder's first
        code ignored it; this asks the position that predicts that code to carry it."""
        on = ~torch.isnan(targets[..., 0])
        if not bool(on.any()):  # a zero that still reaches the probe, so every replica has the same gradients to average
            return self.seg_turn(hidden[:, :1]).sum() * 0.0
        return ((self.seg_turn(hidden[on]) - targets[on]) ** 2).sum(dim=-1).mean()

    def loss(self, feats: torch.Tensor, labels: torch.Tensor, boxes: Optional[torch.Tensor] = None,
             object_shape: float = 0.0, chars: Optional[torch.Tensor] = None, char_weight: float = 0.0) -> torch.Tensor:
        """feats [B, N, D], labels [B, 2, N], boxes [B, N, 4] (-1 = no object) -> mean of the four cross-entropies,
        plus object_shape x the shape cross-entropy on object patches only, plus 5 x the mean L1 error of the
        box probe on object patches when boxes are given, plus char_weight x the character probe's cross-entropy
        (`patch_chars` [B, N, slots], averaged over all slots plus over the slots that hold a character)."""
        b, n, d = feats.shape
        f = feats.reshape(-1, d)
        idx = torch.arange(n, device=feats.device).repeat(b)
        ce = torch.nn.functional.cross_entropy
        shapes = labels[:, 0].reshape(-1)
        loss = 0.25 * (ce(self.shape(f), shapes) + ce(self.colour(f), labels[:, 1].reshape(-1))
                       + ce(self.row(f), idx // self.grid) + ce(self.col(f), idx % self.grid))
        if object_shape > 0 and bool((shapes > 0).any()):
            # Averaged over all patches the shape term is mostly background (~80 % of patches, easy); this term is
            # the shape cross-entropy on the patches objects own, where telling a star from a hexagon is hard.
            on = shapes > 0
            loss = loss + object_shape * ce(self.shape(f[on]), shapes[on])
        if boxes is not None:
            target = boxes.reshape(-1, 4)
            on = target[:, 0] >= 0
            if bool(on.any()):
                loss = loss + 5.0 * (self.box(f[on]) - target[on]).abs().mean()
        if chars is not None and char_weight > 0:
            pred = self.char(f).reshape(-1, self.char_classes)
            target = chars.reshape(-1)
            term = ce(pred, target)
            if bool((target > 0).any()):
                term = term + ce(pred[target > 0], target[target > 0])
            loss = loss + char_weight * term
        return loss
