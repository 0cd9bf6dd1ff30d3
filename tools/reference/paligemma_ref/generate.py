"""Greedy decoding with the reference model: one prefill of the whole prompt, then one token per step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np
import torch

from .paligemma import PaliGemmaReference


@dataclass
class GreedyResult:
    prefill_logits: np.ndarray            # [L, V] logits of every prompt position
    decode_logits: np.ndarray             # [steps, V]: logits after feeding tokens[t]
    tokens: List[int]                     # greedy ids: tokens[0] from the prefill, tokens[t+1] from step t
    margins: List[float] = field(default_factory=list)  # top1 - top2 for each chosen token
    stats: dict = field(default_factory=dict)


def _top2_margin(row: torch.Tensor) -> float:
    top = torch.topk(row, 2).values
    return float(top[0] - top[1])


def greedy(model: PaliGemmaReference, input_ids: List[int], pixel_values: Optional[np.ndarray],
           num_tokens: int, decode_steps_kept: int, window_mode: str = "hf", causal_prompt: bool = False,
           disable_window: bool = False) -> GreedyResult:
    """Generates exactly `num_tokens` greedy ids (no stop on eos) and keeps the logits of the first
    `decode_steps_kept` decode steps."""
    stats: dict = {}
    cache = model.new_cache()
    ids = torch.tensor([input_ids], dtype=torch.long)
    pv = None if pixel_values is None else torch.from_numpy(np.asarray(pixel_values))
    with torch.no_grad():
        logits = model.forward(ids, pv, cache, window_mode=window_mode, causal_prompt=causal_prompt,
                               stats=stats, disable_window=disable_window)[0]
        prefill = logits.to(torch.float64).numpy()
        last = logits[-1]
        tokens = [int(torch.argmax(last))]
        margins = [_top2_margin(last)]
        decode: List[np.ndarray] = []
        while len(tokens) < num_tokens or len(decode) < decode_steps_kept:
            step = model.forward(torch.tensor([[tokens[-1]]], dtype=torch.long), None, cache,
                                 window_mode=window_mode, causal_prompt=causal_prompt, stats=stats,
                                 disable_window=disable_window)[0, -1]
            if len(decode) < decode_steps_kept:
                decode.append(step.to(torch.float64).numpy())
            if len(tokens) < num_tokens:
                tokens.append(int(torch.argmax(step)))
                margins.append(_top2_margin(step))
    return GreedyResult(prefill, np.stack(decode) if decode else np.zeros((0, prefill.shape[1])),
                        tokens, margins, stats)
