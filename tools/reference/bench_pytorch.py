"""PyTorch-eager baseline for `paligemma bench --pytorch-baseline` (issue 27 item 5).

Runs this repository's PyTorch reference (paligemma_ref) in float32 on an HF-layout checkpoint with the image and prompt
`paligemma bench` uses, and prints one JSON object: prefill seconds (the prompt through the text decoder, image features
computed beforehand, as the bench's raw-loop prefill) and greedy decode tokens/s ((tokens - 1) / (last - first token
time), the bench's definition), medians over the runs. Like the converter's default decoder, the prefill computes the
logits of the last prompt position only. Usage: see scripts/bench-pytorch.sh.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paligemma_ref import PaliGemmaReference, load_config, load_weights, preprocess  # noqa: E402
from paligemma_ref.preprocess import load_rgb  # noqa: E402
from training.data import prompt_ids  # noqa: E402
from training.tokenizer import BpeTokenizer  # noqa: E402


def load_float32(folder: str) -> PaliGemmaReference:
    """The reference in float32 without its float64 staging copy (a full-width embedding table would need 4 GB)."""
    cfg = load_config(folder)
    model = PaliGemmaReference.__new__(PaliGemmaReference)
    model.cfg = cfg
    model.dtype = torch.float32
    model.w = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in load_weights(folder, cfg).items()}
    return model


def run_once(model: PaliGemmaReference, ids: list, pixels: torch.Tensor, tokens: int):
    cache = model.new_cache()
    with torch.no_grad():
        start = time.perf_counter()
        logits = model.forward(torch.tensor([ids], dtype=torch.long), pixels, cache, last_logits_only=True)
        out = [int(torch.argmax(logits[0, -1]))]
        first = time.perf_counter()
        while len(out) < tokens:
            step = model.forward(torch.tensor([[out[-1]]], dtype=torch.long), None, cache)
            out.append(int(torch.argmax(step[0, -1])))
        last = time.perf_counter()
    decode = (tokens - 1) / (last - first) if tokens > 1 and last > first else 0.0
    return first - start, decode, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint", help="HF-layout folder (config.json, model*.safetensors, tokenizer.json)")
    ap.add_argument("--image", required=True)
    ap.add_argument("--prompt", default="caption en")
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="0 = the cores available to this process")
    a = ap.parse_args()

    threads = a.threads if a.threads > 0 else len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    load_start = time.perf_counter()
    model = load_float32(a.checkpoint)
    load_seconds = time.perf_counter() - load_start
    tok = BpeTokenizer(os.path.join(a.checkpoint, "tokenizer.json"))
    size = model.cfg.vision.image_size
    pixel_values = torch.from_numpy(preprocess(load_rgb(a.image), size))
    ids = prompt_ids(tok, a.prompt, model.cfg.num_image_tokens)

    with torch.no_grad():
        vision_start = time.perf_counter()
        features = model.get_image_features(pixel_values)
        vision_seconds = time.perf_counter() - vision_start
    model.get_image_features = lambda _pixels: features  # the prefill below starts from computed features, as the bench's does

    prefill, decode, out = [], [], []
    for _ in range(a.runs):
        p, d, out = run_once(model, ids, pixel_values, a.tokens)
        prefill.append(p)
        decode.append(d)
    print(json.dumps({
        "runtime": "pytorch-eager (tools/reference/paligemma_ref)",
        "torch": torch.__version__,
        "dtype": "float32",
        "threads": threads,
        "prompt_tokens": len(ids),
        "generated_tokens": a.tokens,
        "runs": a.runs,
        "load_seconds": load_seconds,
        "vision_seconds": vision_seconds,
        "prefill_seconds": statistics.median(prefill),
        "decode_tokens_per_second": statistics.median(decode),
        "prefill_seconds_runs": prefill,
        "decode_tokens_per_second_runs": decode,
        "prompt_ids": ids,
        "output_ids": out,
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
