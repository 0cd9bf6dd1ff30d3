"""Greedy decoding of the trained model on held-out scenes (a quick look, not the issue's evaluation, which
runs through the C# IPaliGemmaVision API)."""

from __future__ import annotations

from typing import List

import numpy as np
import torch

from paligemma_ref.preprocess import preprocess
from scenes import all_tasks, generate_scene

from .data import prompt_ids
from .model import TrainableModel
from .tokenizer import BpeTokenizer


@torch.no_grad()
def greedy_ids(model: TrainableModel, tok: BpeTokenizer, ids: List[int], pixels: np.ndarray, max_tokens: int = 40) -> List[int]:
    """The tokens greedy decoding writes after the prompt `ids` (which may already hold the start of the answer)."""
    cache = model.ref.new_cache()
    dev = model.device
    logits = model.ref.forward(torch.tensor([ids], device=dev), torch.from_numpy(pixels).to(dev), cache)
    out: List[int] = []
    for _ in range(max_tokens):
        nxt = int(logits[0, -1].argmax())
        if nxt == tok.eos:
            break
        out.append(nxt)
        logits = model.ref.forward(torch.tensor([[nxt]], device=dev), None, cache)
    return out


def greedy_text(model: TrainableModel, tok: BpeTokenizer, pixels: np.ndarray, prefix: str, max_tokens: int = 40) -> str:
    return tok.decode(greedy_ids(model, tok, prompt_ids(tok, prefix, model.cfg.num_image_tokens), pixels, max_tokens))


def show_samples(model: TrainableModel, tok: BpeTokenizer, seeds=range(3)) -> float:
    """Prints prediction vs target for every task of a few held-out scenes; returns the exact-match rate."""
    hits = total = 0
    for seed in seeds:
        s = generate_scene(seed)
        px = preprocess(s.image, model.cfg.vision.image_size)
        for t in all_tasks(s):
            pred = greedy_text(model, tok, px, t.prefix)
            hits += pred == t.suffix
            total += 1
            print(f"  scene {seed} {t.prefix!r}: {pred!r}  (target {t.suffix!r})", flush=True)
    print(f"  exact match {hits}/{total}", flush=True)
    return hits / max(1, total)
