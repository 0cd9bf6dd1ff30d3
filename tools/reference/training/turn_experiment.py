"""python3 -m training.turn_experiment --src HF_FOLDER --out DIR [--steps 600] [--probe 5] (run from tools/reference):

The stand-alone run that first taught the bundled model a star's turn (docs/history/trained-model-runs.md, "Star
masks: where the turn is lost…"), kept to compare with `train.py`, where the same probe has not taken yet. One
process; each batch of 32 is half `segment star` on scenes that have a star and half the twelfth run's task mix; AdamW
at peak `--lr` with a 50-step warm-up and a cosine to 10 %; no vision probes; the turn probe (`PatchHeads.turn_loss`,
its head at 1e-3) on the decoder state that predicts each star's first `<seg>` code. Writes an HF folder (with the
source's `vae.npz`) for `training.star_turns` and `paligemma convert`. Scenes are seeds from 3,000,000 up.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import time

import numpy as np
import torch

from paligemma_ref.preprocess import preprocess
from scenes import generate_scene, sample_task
from scenes.tasks import segment_example

from .data import loss_fn, make_batch, segment_turn_targets
from .loop import TURN_HEAD_LR
from .model import PatchHeads, TrainableModel
from .tokenizer import BpeTokenizer
from .vqvae import MaskVqVae

SEED_BASE = 3_000_000
WARMUP = 50


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="training.turn_experiment")
    ap.add_argument("--src", required=True, help="exported HF folder with vae.npz")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--probe", type=float, default=5.0)
    ap.add_argument("--star-share", type=float, default=0.5)
    ap.add_argument("--weights", default="0.28,0.26,0.08,0.34,0.04", help="task mix of the other examples")
    a = ap.parse_args(argv)
    model = TrainableModel.from_hf_folder(a.src, torch.device("cpu"))
    tok = BpeTokenizer(os.path.join(a.src, "tokenizer.json"))
    vae = MaskVqVae().load_npz(os.path.join(a.src, "vae.npz")).eval()

    def codes_for(m64):
        with torch.no_grad():
            return vae.encode(torch.from_numpy(m64)[None])[0].tolist()

    params = model.parameters()
    opt = torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.01},
                             {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.98))
    heads = PatchHeads(model.cfg.text.hidden_size)
    probe_opt = torch.optim.AdamW(heads.seg_turn.parameters(), lr=TURN_HEAD_LR)
    weights = [float(w) for w in a.weights.split(",")]
    seed, t0 = SEED_BASE, time.time()
    for step in range(a.steps):
        rng = np.random.default_rng([SEED_BASE, step])
        examples = []
        for _ in range(a.batch):
            want_star = rng.random() < a.star_share
            while True:
                scene = generate_scene(seed)
                seed += 1
                if not want_star or any(o.shape == "star" for o in scene.objects):
                    break
            task = segment_example(scene, "star", codes_for) if want_star else sample_task(scene, rng, codes_for, weights, 0.6)
            examples.append((preprocess(scene.image, model.cfg.vision.image_size), task))
        ids, px, attn, lm = make_batch(tok, examples, model.cfg.num_image_tokens)
        lr = a.lr * min(1.0, (step + 1) / WARMUP) * (0.1 + 0.45 * (1 + math.cos(math.pi * step / a.steps)))
        for g in opt.param_groups:
            g["lr"] = lr
        hidden = []
        logits = model.logits(ids, px, attn, hidden)
        loss = loss_fn(logits, ids, lm, tok.vocab["<loc0000>"], 2.0)
        turn = heads.turn_loss(hidden[0], segment_turn_targets(ids, examples, tok.vocab["<seg000>"]))
        opt.zero_grad()
        probe_opt.zero_grad()
        (loss + a.probe * turn).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        probe_opt.step()
        if (step + 1) % 20 == 0:
            print(f"step {step + 1} loss {float(loss):.4f} turn {float(turn):.4f} lr {lr:.2e} "
                  f"{(time.time() - t0) / (step + 1):.2f} s/step", flush=True)
    model.export(a.out, a.src)
    shutil.copyfile(os.path.join(a.src, "vae.npz"), os.path.join(a.out, "vae.npz"))
    print(f"exported {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
