"""Gemma (1) and Gemma 2 decoders in one module, as PaliGemma runs them (HF semantics, eager attention).

Shared: inputs_embeds * sqrt(hidden) (normalizer rounded to the compute dtype), RMSNorm
x * rsqrt(mean(x^2) + eps) * (1 + w) computed in at least fp32, RoPE rotate-half on positions given by the
caller (PaliGemma: cache index + 1), GQA/MQA by repeating kv heads (query head j uses kv head j // groups),
MLP down(gelu_tanh(gate(x)) * up(x)), tied lm_head.

Gemma 1: scores * head_dim^-0.5; per layer x += attn(input_layernorm(x)); x += mlp(post_attention_layernorm(x))
  (the HF name `post_attention_layernorm` is the pre-MLP norm).
Gemma 2: scores * query_pre_attn_scalar^-0.5, then tanh(s / cap) * cap (attn_logit_softcapping), sliding
  window on `sliding_attention` layers (even layers by default); four norms per layer:
  x += post_attention_layernorm(attn(input_layernorm(x)));
  x += post_feedforward_layernorm(mlp(pre_feedforward_layernorm(x))); final logits tanh(l / 30) * 30.

Attention mask (PaliGemma's prefix-LM at inference): every prompt token (image + bos + prefix + "\n", i.e. the
whole first forward call) attends to every prompt token; tokens fed afterwards are causal.
Sliding window on Gemma 2 local layers, three variants (`window_mode`):
  "hf"        transformers >= 4.53 (masking_utils): allowed = (causal AND q - k < W) OR (q, k both in the prompt)
              -> the window never cuts the prompt; generated tokens see only keys with q - k < W.
  "hf_legacy" transformers 4.44-4.52 (HybridCache + tril mask): allowed = prefix_lm AND q - k < W
              -> inside the prompt the window cuts only the far past, never the (bidirectional) future.
  "symmetric" big_vision / google-deepmind gemma: allowed = prefix_lm AND |q - k| < W.
All three agree whenever the prompt is shorter than W, which holds for every released PaliGemma 2 checkpoint
except 896 px (4096 image tokens + text > W = 4096).
"""

from __future__ import annotations

from typing import Dict, List, Optional

import torch
import torch.nn.functional as F

from .config import TextConfig

WINDOW_MODES = ("hf", "hf_legacy", "symmetric")


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    dt = x.dtype
    xf = x if dt in (torch.float32, torch.float64) else x.float()
    out = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    out = out * (1.0 + weight.to(xf.dtype))
    return out.to(dt)


def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    return F.gelu(x, approximate="tanh")


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rope_cos_sin(position_ids: torch.Tensor, head_dim: int, theta: float, dtype: torch.dtype):
    """position_ids [n] (int) -> cos, sin [n, head_dim] (rotate-half layout: frequencies repeated twice)."""
    cdt = torch.float64 if dtype == torch.float64 else torch.float32
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64, device=position_ids.device).to(cdt) / head_dim))
    freqs = position_ids.to(cdt)[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


def softcap(x: torch.Tensor, cap: Optional[float]) -> torch.Tensor:
    if cap is None:
        return x
    return torch.tanh(x / cap) * cap


class KVCache:
    """Per-layer keys/values [B, kv_heads, T, head_dim]; `prompt_len` is fixed by the first forward call."""

    def __init__(self, num_layers: int):
        self.keys: List[Optional[torch.Tensor]] = [None] * num_layers
        self.values: List[Optional[torch.Tensor]] = [None] * num_layers
        self.length = 0
        self.prompt_len: Optional[int] = None


def attention_allowed(q_idx: torch.Tensor, k_idx: torch.Tensor, prompt_len: int, window: Optional[int],
                      window_mode: str, causal_prompt: bool = False) -> torch.Tensor:
    """Boolean [n_q, n_k]: may query (absolute cache index) q attend to key k."""
    q = q_idx[:, None]
    k = k_idx[None, :]
    causal = k <= q
    in_prompt = (q < prompt_len) & (k < prompt_len)
    prefix_lm = causal if causal_prompt else (causal | in_prompt)
    if window is None:
        return prefix_lm
    if window_mode == "hf":
        local = causal & (q - k < window)
        return local if causal_prompt else (local | in_prompt)
    if window_mode == "hf_legacy":
        return prefix_lm & (q - k < window)
    if window_mode == "symmetric":
        return prefix_lm & ((q - k).abs() < window)
    raise ValueError(f"window_mode {window_mode!r} is not one of {WINDOW_MODES}")


def _batch_mask(attn_mask: torch.Tensor, cache_pos: torch.Tensor, window: Optional[int]) -> torch.Tensor:
    if cache_pos[0] != 0 or attn_mask.shape[-1] != cache_pos.shape[0]:
        raise ValueError("attn_mask is only supported for one forward call on an empty cache")
    m = attn_mask
    if window is not None:
        m = m & ((cache_pos[:, None] - cache_pos[None, :]).abs() < window)[None]
    return m[:, None]


def text_forward(cfg: TextConfig, w: Dict[str, torch.Tensor], inputs_embeds: torch.Tensor, cache: KVCache,
                 window_mode: str = "hf", causal_prompt: bool = False,
                 stats: Optional[dict] = None, disable_window: bool = False,
                 prompt_len: Optional[int] = None, attn_mask: Optional[torch.Tensor] = None,
                 last_logits_only: bool = False, hidden_out: Optional[list] = None) -> torch.Tensor:
    """Runs the decoder on `inputs_embeds` [B, n, D] (embeddings before the sqrt(hidden) scaling), appending
    to `cache`. The first call on an empty cache is the prompt (bidirectional), unless `prompt_len` says the
    prompt is only its first `prompt_len` tokens (used by tests). Returns logits [B, n, V], or [B, 1, V] for the
    last position with `last_logits_only` (what generation needs; the converter's default decoder does the same).
    `attn_mask` (training, empty cache only): boolean [B, n, n] per-example prefix-LM mask that replaces the
    prompt mask (sliding windows still apply on top of it). `hidden_out` (training): a list that receives the final hidden
    states [B, n, D], after the final norm: what the LM head reads, and what auxiliary probes of the decoder read."""
    p = "language_model.model."
    b, n, d = inputs_embeds.shape
    dt = inputs_embeds.dtype
    start = cache.length
    if cache.prompt_len is None:
        cache.prompt_len = n if prompt_len is None else prompt_len
    cache_pos = torch.arange(start, start + n, device=inputs_embeds.device)
    position_ids = cache_pos + 1  # PaliGemma: 1-based positions
    cos, sin = rope_cos_sin(position_ids, cfg.head_dim, cfg.rope_theta, dt)
    cos, sin = cos[None, None], sin[None, None]
    k_idx = torch.arange(0, start + n, device=inputs_embeds.device)

    normalizer = torch.tensor(cfg.hidden_size ** 0.5, dtype=dt, device=inputs_embeds.device)
    x = inputs_embeds * normalizer

    nh, kvh, hd = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
    groups = nh // kvh
    scaling = cfg.attention_scaling
    attn_cap = cfg.attn_logit_softcapping if cfg.is_gemma2 else None
    for i in range(cfg.num_hidden_layers):
        lp = f"{p}layers.{i}."
        window = cfg.sliding_window if (cfg.layer_is_sliding(i) and not disable_window) else None
        allowed = attention_allowed(cache_pos, k_idx, cache.prompt_len, window, window_mode, causal_prompt)
        allowed = allowed[None, None] if attn_mask is None else _batch_mask(attn_mask, cache_pos, window)

        residual = x
        h = rms_norm(x, w[lp + "input_layernorm.weight"], cfg.rms_norm_eps)
        q = F.linear(h, w[lp + "self_attn.q_proj.weight"], w.get(lp + "self_attn.q_proj.bias"))
        k = F.linear(h, w[lp + "self_attn.k_proj.weight"], w.get(lp + "self_attn.k_proj.bias"))
        v = F.linear(h, w[lp + "self_attn.v_proj.weight"], w.get(lp + "self_attn.v_proj.bias"))
        q = q.view(b, n, nh, hd).transpose(1, 2)
        k = k.view(b, n, kvh, hd).transpose(1, 2)
        v = v.view(b, n, kvh, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache.keys[i] is not None:
            k = torch.cat((cache.keys[i], k), dim=2)
            v = torch.cat((cache.values[i], v), dim=2)
        cache.keys[i], cache.values[i] = k, v
        kr = k.repeat_interleave(groups, dim=1)
        vr = v.repeat_interleave(groups, dim=1)
        scores = torch.matmul(q, kr.transpose(2, 3)) * scaling
        if stats is not None:
            key = f"layer{i}.max_abs_attn_score"
            stats[key] = max(stats.get(key, 0.0), float(scores.abs().max()))
        scores = softcap(scores, attn_cap)
        scores = scores.masked_fill(~allowed, float("-inf"))
        probs = torch.softmax(scores, dim=-1)
        a = torch.matmul(probs, vr).transpose(1, 2).reshape(b, n, nh * hd)
        a = F.linear(a, w[lp + "self_attn.o_proj.weight"], w.get(lp + "self_attn.o_proj.bias"))
        if cfg.is_gemma2:
            a = rms_norm(a, w[lp + "post_attention_layernorm.weight"], cfg.rms_norm_eps)
            x = residual + a
            residual = x
            h = rms_norm(x, w[lp + "pre_feedforward_layernorm.weight"], cfg.rms_norm_eps)
        else:
            x = residual + a
            residual = x
            h = rms_norm(x, w[lp + "post_attention_layernorm.weight"], cfg.rms_norm_eps)
        m = F.linear(gelu_tanh(F.linear(h, w[lp + "mlp.gate_proj.weight"])) * F.linear(h, w[lp + "mlp.up_proj.weight"]),
                     w[lp + "mlp.down_proj.weight"])
        if cfg.is_gemma2:
            m = rms_norm(m, w[lp + "post_feedforward_layernorm.weight"], cfg.rms_norm_eps)
        x = residual + m
    cache.length = start + n

    if last_logits_only:
        x = x[:, -1:]
    x = rms_norm(x, w[p + "norm.weight"], cfg.rms_norm_eps)
    if hidden_out is not None:
        hidden_out.append(x)
    lm_head = w[p + "embed_tokens.weight"] if cfg.tie_word_embeddings else w["lm_head.weight"]
    logits = F.linear(x, lm_head)
    if stats is not None:
        stats["max_abs_final_logit"] = max(stats.get("max_abs_final_logit", 0.0), float(logits.abs().max()))
    if cfg.is_gemma2:
        logits = softcap(logits, cfg.final_logit_softcapping)
    return logits


def text_weight_shapes(cfg: TextConfig) -> Dict[str, tuple]:
    """Canonical (legacy HF layout) names and shapes of every text tensor (tied lm_head not listed)."""
    p = "language_model.model."
    d, nh, kvh, hd, m = (cfg.hidden_size, cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim,
                         cfg.intermediate_size)
    s = {p + "embed_tokens.weight": (cfg.vocab_size, d), p + "norm.weight": (d,)}
    for i in range(cfg.num_hidden_layers):
        lp = f"{p}layers.{i}."
        s[lp + "self_attn.q_proj.weight"] = (nh * hd, d)
        s[lp + "self_attn.k_proj.weight"] = (kvh * hd, d)
        s[lp + "self_attn.v_proj.weight"] = (kvh * hd, d)
        s[lp + "self_attn.o_proj.weight"] = (d, nh * hd)
        s[lp + "mlp.gate_proj.weight"] = (m, d)
        s[lp + "mlp.up_proj.weight"] = (m, d)
        s[lp + "mlp.down_proj.weight"] = (d, m)
        s[lp + "input_layernorm.weight"] = (d,)
        s[lp + "post_attention_layernorm.weight"] = (d,)
        if cfg.is_gemma2:
            s[lp + "pre_feedforward_layernorm.weight"] = (d,)
            s[lp + "post_feedforward_layernorm.weight"] = (d,)
    return s


__all__ = ["KVCache", "text_forward", "text_weight_shapes", "rms_norm", "attention_allowed", "WINDOW_MODES",
           "rope_cos_sin"]
