"""python3 -m training.star_turns --model HF_FOLDER [--start 0] [--count 500] (run from tools/reference):

Why star masks fail, measured on held-out scenes with the PyTorch model (greedy, as `paligemma eval` decodes):

- mask IoU of each star's best `segment star` mask, and the turn that mask is drawn at (the turn in 0..72 degrees whose
  star, at the true star's centre and size, overlaps it most) against the star's true turn: their error and the
  correlation of cos(5 * turn);
- teacher-forced accuracy of each of the 16 `<seg>` codes on the true answer;
- mask IoU when the true box and the first true code are given and the model writes the other 15 codes.

The folder needs `vae.npz` (the mask VQ-VAE the codes come from) beside the exported weights.
"""

from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageDraw
from vqvae_decoder import place

from paligemma_ref.preprocess import preprocess
from scenes import generate_scene
from scenes.scene import _polygon
from scenes.tasks import encode_box, loc_text, mask_crop64, segment_example

from .data import SEGMENT_CODES, is_segment_code, make_batch, prompt_ids
from .model import TrainableModel
from .sample import greedy_ids
from .tokenizer import BpeTokenizer
from .vqvae import MaskVqVae

SYMMETRY_DEGREES = 72  # a star looks the same turned by a fifth of a turn


def placed_mask(m64: np.ndarray, bins, size: int) -> np.ndarray:
    """A decoded 64x64 mask (decoder logits) placed in the box the bins give, as big_vision's evaluator places it."""
    return place(m64, [b / 1024 for b in bins], size, size)[0]


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def drawn_turn(mask: np.ndarray, truth: np.ndarray, size: int) -> float:
    """The turn (degrees, 0..72) of the star at the true star's centre and radius that overlaps `mask` most."""
    ys, xs = np.nonzero(truth)
    cx, cy = xs.mean() + 0.5, ys.mean() + 0.5
    r = float(np.sqrt((xs + 0.5 - cx) ** 2 + (ys + 0.5 - cy) ** 2).max())
    best = (-1.0, 0.0)
    for deg in range(0, SYMMETRY_DEGREES, 2):
        img = Image.new("L", (size, size), 0)
        ImageDraw.Draw(img).polygon(_polygon("star", cx, cy, r, math.radians(deg)), fill=255)
        best = max(best, (iou(mask, np.asarray(img) > 127), float(deg)))
    return best[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="training.star_turns")
    ap.add_argument("--model", required=True, help="exported HF folder with vae.npz")
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--count", type=int, default=500)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    model = TrainableModel.from_hf_folder(a.model, torch.device("cpu"))
    tok = BpeTokenizer(os.path.join(a.model, "tokenizer.json"))
    vae = MaskVqVae().load_npz(os.path.join(a.model, "vae.npz")).eval()
    seg0, n_img = tok.vocab["<seg000>"], model.cfg.num_image_tokens

    def codes_for(m64):
        with torch.no_grad():
            return vae.encode(torch.from_numpy(m64)[None])[0].tolist()

    ious, pred_turns, true_turns, forced = [], [], [], []
    hits, n_codes = np.zeros(SEGMENT_CODES), 0
    for seed in range(a.start, a.start + a.count):
        scene = generate_scene(seed)
        size = scene.size
        stars = [o for o in scene.objects if o.shape == "star"]
        if not stars:
            continue
        px = preprocess(scene.image, model.cfg.vision.image_size)
        answer = tok.decode(greedy_ids(model, tok, prompt_ids(tok, "segment star", n_img), px, 120))
        masks = []
        for part in answer.split(";"):
            locs = [int(part[i + 4:i + 8]) for i in range(len(part)) if part.startswith("<loc", i)][:4]
            codes = [int(part[i + 4:i + 7]) for i in range(len(part)) if part.startswith("<seg", i)]
            if len(locs) == 4 and len(codes) == SEGMENT_CODES:
                with torch.no_grad():
                    masks.append(placed_mask(vae.decode(torch.tensor([codes]))[0].numpy(), locs, size))
        example = segment_example(scene, "star", codes_for)
        ids, pixels, attn, _ = make_batch(tok, [(px, example)], n_img)
        with torch.no_grad():
            logits = model.logits(ids, pixels, attn)[0]
        nxt = ids[0, 1:]
        positions = torch.nonzero(is_segment_code(nxt, seg0))[:, 0]
        for j, o in enumerate(example.objects):
            p = positions[j * SEGMENT_CODES:(j + 1) * SEGMENT_CODES]
            hits += (logits[p].argmax(-1) == nxt[p]).numpy()
            n_codes += 1
            best = max(masks, key=lambda m: iou(m, o.mask), default=None)
            ious.append(iou(best, o.mask) if best is not None else 0.0)
            true_turns.append(math.degrees(o.rot) % SYMMETRY_DEGREES)
            pred_turns.append(drawn_turn(best, o.mask, size) if best is not None else float("nan"))
            bins = encode_box(o.box, size)
            first = int(nxt[p[0]]) - seg0
            prompt = prompt_ids(tok, "segment star", n_img) + tok.encode(loc_text(bins)) + [seg0 + first]
            written = torch.tensor(greedy_ids(model, tok, prompt, px, 120), dtype=torch.long)
            rest = (written[is_segment_code(written, seg0)] - seg0).tolist()[:SEGMENT_CODES - 1]
            if len(rest) == SEGMENT_CODES - 1:
                with torch.no_grad():
                    m = placed_mask(vae.decode(torch.tensor([[first] + rest]))[0].numpy(), bins, size)
                forced.append(iou(m, o.mask))
            else:
                forced.append(0.0)
    ious, pred, true, forced = np.array(ious), np.array(pred_turns), np.array(true_turns), np.array(forced)
    ok = ~np.isnan(pred)
    err = np.abs((pred - true + SYMMETRY_DEGREES / 2) % SYMMETRY_DEGREES - SYMMETRY_DEGREES / 2)
    corr = np.corrcoef(np.cos(np.radians(5 * pred[ok])), np.cos(np.radians(5 * true[ok])))[0, 1]
    print(f"{len(ious)} stars in seeds {a.start}..{a.start + a.count - 1}")
    print(f"greedy masks: mean IoU {ious.mean():.3f}, {int((ious >= 0.5).sum())} at IoU >= 0.5, min {ious.min():.3f}")
    print(f"turn of the drawn star: mean error {err[ok].mean():.1f} degrees (18 = no better than a fixed turn), "
          f"correlation of cos(5 turn) with the truth {corr:.2f}")
    print("teacher-forced code accuracy by position: " + " ".join(f"{v:.2f}" for v in hits / max(1, n_codes)))
    print(f"true box and first code given: mean IoU {forced.mean():.3f}, {int((forced >= 0.5).sum())} at IoU >= 0.5")
    return 0


if __name__ == "__main__":
    sys.exit(main())
