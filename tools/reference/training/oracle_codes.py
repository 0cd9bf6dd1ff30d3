"""python3 -m training.oracle_codes --vae VAE.npz --start S --count N (run from tools/reference):

The answers a perfect segmentation model would give for held-out scenes: for every object, the location bins of its
true box and the 16 codes the mask VQ-VAE's encoder gives its true mask (cropped to the box the runtime will decode
from the bins, as the training targets are made), in PaliGemma's segment format. One JSON line per scene:
{"seed": S, "objects": [{"index": i, "text": "<locY1><locX1><locY2><locX2><segNNN>x16 shape"}, ...]}.

The C# tests decode these answers with the library (parse, mask decoder, placement, COCO RLE) and compare the masks
with the scene's truth: what they lose is lost on our side (or in the VQ-VAE's reconstruction), not by the model.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import torch

from scenes import generate_scene
from scenes.tasks import encode_box, loc_text, mask_crop64

from .vqvae import MaskVqVae


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="training.oracle_codes")
    ap.add_argument("--vae", required=True)
    ap.add_argument("--start", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    args = ap.parse_args(argv)
    vae = MaskVqVae().load_npz(args.vae).eval()
    for seed in range(args.start, args.start + args.count):
        scene = generate_scene(seed)
        objects = []
        for i, o in enumerate(scene.objects):
            bins = encode_box(o.box, scene.size)
            crop = torch.from_numpy(mask_crop64(o.mask, bins, scene.size)[None])
            with torch.no_grad():
                codes = vae.encode(crop)[0].tolist()
            text = loc_text(bins) + "".join(f"<seg{int(c):03d}>" for c in codes) + " " + o.shape
            objects.append({"index": i, "text": text})
        sys.stdout.write(json.dumps({"seed": seed, "objects": objects}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
