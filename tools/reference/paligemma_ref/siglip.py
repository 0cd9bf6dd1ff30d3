"""SigLIP vision tower as PaliGemma uses it (HF `SiglipVisionTransformer`, no pooling head).

patch Conv2d (kernel = stride = patch, with bias) -> flatten row-major -> + learned position embeddings
(no CLS token) -> N x [pre-LN attention block, pre-LN MLP block] -> post_layernorm.
Attention: q/k/v/out projections with bias, scores * head_dim^-0.5, softmax, no mask.
MLP: fc1 -> gelu(tanh approximation) -> fc2. LayerNorm eps from config (1e-6).
"""

from __future__ import annotations

from typing import Dict

import torch
import torch.nn.functional as F

from .config import VisionConfig

P = "vision_tower.vision_model."


def _layer_norm(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, eps: float) -> torch.Tensor:
    return F.layer_norm(x, (x.shape[-1],), w, b, eps)


def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    return F.gelu(x, approximate="tanh")


def vision_forward(cfg: VisionConfig, w: Dict[str, torch.Tensor], pixel_values: torch.Tensor) -> torch.Tensor:
    """pixel_values [B, C, S, S] -> last_hidden_state [B, num_patches, vision hidden]."""
    b, c, h, wd = pixel_values.shape
    if c != cfg.num_channels or h != cfg.image_size or wd != cfg.image_size:
        raise ValueError(f"pixel_values shape {tuple(pixel_values.shape)} does not match the vision config "
                         f"({cfg.num_channels} x {cfg.image_size} x {cfg.image_size})")
    x = F.conv2d(pixel_values, w[P + "embeddings.patch_embedding.weight"],
                 w[P + "embeddings.patch_embedding.bias"], stride=cfg.patch_size)
    x = x.flatten(2).transpose(1, 2)  # [B, grid*grid, D], row-major over the patch grid
    x = x + w[P + "embeddings.position_embedding.weight"][None, : x.shape[1]]
    nh, hd = cfg.num_attention_heads, cfg.head_dim
    scale = hd ** -0.5
    for i in range(cfg.num_hidden_layers):
        p = f"{P}encoder.layers.{i}."
        residual = x
        y = _layer_norm(x, w[p + "layer_norm1.weight"], w[p + "layer_norm1.bias"], cfg.layer_norm_eps)
        q = F.linear(y, w[p + "self_attn.q_proj.weight"], w[p + "self_attn.q_proj.bias"])
        k = F.linear(y, w[p + "self_attn.k_proj.weight"], w[p + "self_attn.k_proj.bias"])
        v = F.linear(y, w[p + "self_attn.v_proj.weight"], w[p + "self_attn.v_proj.bias"])
        n = y.shape[1]
        q = q.view(b, n, nh, hd).transpose(1, 2)
        k = k.view(b, n, nh, hd).transpose(1, 2)
        v = v.view(b, n, nh, hd).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(2, 3)) * scale
        probs = torch.softmax(scores, dim=-1)
        a = torch.matmul(probs, v).transpose(1, 2).reshape(b, n, nh * hd)
        a = F.linear(a, w[p + "self_attn.out_proj.weight"], w[p + "self_attn.out_proj.bias"])
        x = residual + a
        residual = x
        y = _layer_norm(x, w[p + "layer_norm2.weight"], w[p + "layer_norm2.bias"], cfg.layer_norm_eps)
        y = F.linear(y, w[p + "mlp.fc1.weight"], w[p + "mlp.fc1.bias"])
        y = gelu_tanh(y)
        y = F.linear(y, w[p + "mlp.fc2.weight"], w[p + "mlp.fc2.bias"])
        x = residual + y
    return _layer_norm(x, w[P + "post_layernorm.weight"], w[P + "post_layernorm.bias"], cfg.layer_norm_eps)


def vision_weight_shapes(cfg: VisionConfig) -> Dict[str, tuple]:
    """Canonical (legacy HF layout) names and shapes of every vision tensor."""
    d, m, c, ps = cfg.hidden_size, cfg.intermediate_size, cfg.num_channels, cfg.patch_size
    s = {
        P + "embeddings.patch_embedding.weight": (d, c, ps, ps),
        P + "embeddings.patch_embedding.bias": (d,),
        P + "embeddings.position_embedding.weight": (cfg.num_patches, d),
        P + "post_layernorm.weight": (d,),
        P + "post_layernorm.bias": (d,),
    }
    for i in range(cfg.num_hidden_layers):
        p = f"{P}encoder.layers.{i}."
        for n in ("layer_norm1", "layer_norm2"):
            s[p + n + ".weight"] = (d,)
            s[p + n + ".bias"] = (d,)
        for n in ("q_proj", "k_proj", "v_proj", "out_proj"):
            s[p + "self_attn." + n + ".weight"] = (d, d)
            s[p + "self_attn." + n + ".bias"] = (d,)
        s[p + "mlp.fc1.weight"] = (m, d)
        s[p + "mlp.fc1.bias"] = (m,)
        s[p + "mlp.fc2.weight"] = (d, m)
        s[p + "mlp.fc2.bias"] = (d,)
    return s
