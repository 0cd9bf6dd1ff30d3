"""Finds the bundled demo scene for a checkpoint: the first held-out seed (from --start) with at least --objects
objects of at least --shapes different shapes on which the checkpoint's greedy `detect` answer (the PyTorch reference,
token-identical to the C# runtime) finds every object with its own label at IoU >= 0.5. Prints the seed and how many
of the scenes tried (with enough objects) qualified, so the choice is reproducible and its luck is on record.

    /usr/bin/python3 tools/reference/pick_bundled_scene.py [--objects 3] [--shapes 2] [--start 0] [--count 100]
    /usr/bin/python3 samples/AgentDemo/assets/make_shapes.py SEED      # then write the scene and its ground truth
"""
import argparse
import os
import re
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from paligemma_ref.preprocess import preprocess  # noqa: E402
from scenes import generate_scene  # noqa: E402
from scenes.scene import SHAPES  # noqa: E402
from training.model import TrainableModel  # noqa: E402
from training.sample import greedy_text  # noqa: E402
from training.tokenizer import BpeTokenizer  # noqa: E402

DETECT = "detect " + " ; ".join(SHAPES)  # how AgentDemo and the end-to-end test ask (SceneModel.Labels)
_BOX = re.compile(r"((?:<loc\d{4}>){4})\s*([^;<]*)")


def parse_boxes(text: str, size: int):
    """`<locY1><locX1><locY2><locX2> label ; …` -> [(label, (x1, y1, x2, y2))] in pixels (bin / 1024 x size)."""
    out = []
    for locs, label in _BOX.findall(text):
        y1, x1, y2, x2 = (int(v) / 1024 * size for v in re.findall(r"\d{4}", locs))
        out.append((label.strip(), (x1, y1, x2, y2)))
    return out


def iou(a, b) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def finds_everything(scene, answer: str) -> bool:
    boxes = parse_boxes(answer, scene.size)
    return all(max([iou(b, o.box) for label, b in boxes if label == o.shape], default=0.0) >= 0.5
               for o in scene.objects)


def main(argv) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "paligemma2-tiny-scenes"))
    ap.add_argument("--objects", type=int, default=3)
    ap.add_argument("--shapes", type=int, default=2)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--count", type=int, default=100)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    model = TrainableModel.from_hf_folder(a.model, torch.device("cpu"))
    tok = BpeTokenizer(os.path.join(a.model, "tokenizer.json"))
    tried, good = 0, []
    for seed in range(a.start, a.start + a.count):
        scene = generate_scene(seed)
        if len(scene.objects) < a.objects or len({o.shape for o in scene.objects}) < a.shapes:
            continue
        tried += 1
        answer = greedy_text(model, tok, preprocess(scene.image, model.cfg.vision.image_size), DETECT, 64)
        if finds_everything(scene, answer):
            good.append(seed)
    print(f"{len(good)} of {tried} scenes (seeds {a.start}-{a.start + a.count - 1}, >= {a.objects} objects of >= "
          f"{a.shapes} shapes) fully detected: {good}")
    if not good:
        return 1
    print(f"first: {good[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
