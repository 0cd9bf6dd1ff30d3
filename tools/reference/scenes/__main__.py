"""python3 -m scenes (run from tools/reference):
  --selftest            determinism, box/mask consistency, caption/count agreement, stats over 500 seeds
  --grid OUT.png        a 4x4 grid of scenes with their ground-truth boxes and captions drawn
  --write DIR --count N --start S   scene PNGs, label-mask PNGs (scene-<seed>-masks.png: 0 = background,
                        i + 1 = objects[i]) + ground-truth JSON lines (held-out sets for evaluation)
"""

import argparse
import json
import os
import sys
from collections import Counter

import numpy as np
from PIL import Image, ImageDraw

from .scene import SHAPES, generate_scene
from .tasks import all_tasks, encode_box


def selftest(n: int = 500) -> int:
    a, b = generate_scene(123), generate_scene(123)
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image)) and a.caption == b.caption, "not deterministic"
    assert generate_scene(124).caption != a.caption or not np.array_equal(np.asarray(a.image),
                                                                         np.asarray(generate_scene(124).image))
    shapes, colours, nobj, texts = Counter(), Counter(), Counter(), 0
    for seed in range(n):
        s = generate_scene(seed)
        nobj[len(s.objects)] += 1
        texts += s.text is not None
        union = np.zeros((s.size, s.size), bool)
        for o in s.objects:
            shapes[o.shape] += 1
            colours[o.colour] += 1
            ys, xs = np.nonzero(o.mask)
            assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == o.box, f"seed {seed}: box != mask extent"
            assert not (union & o.mask).any(), f"seed {seed}: masks overlap"
            union |= o.mask
            bins = encode_box(o.box, s.size)
            assert all(0 <= v <= 1023 for v in bins) and bins[0] < bins[2] and bins[1] < bins[3]
        assert s.caption.count(" and ") == len(s.objects) - 1
        assert sum(s.counts.values()) == len(s.objects)
        tasks = all_tasks(s)
        assert any(t.task == "ocr" for t in tasks) == (s.text is not None)
    print(f"scenes: {n} seeds, objects per scene {dict(sorted(nobj.items()))}, with text {texts}")
    print(f"shapes {dict(shapes)}")
    print(f"colours {dict(colours)}")
    print("example", generate_scene(7).caption, "|", [(t.prefix, t.suffix) for t in all_tasks(generate_scene(7))][:3])
    print("selftest ok")
    return 0


def grid(path: str, start: int = 0) -> None:
    tiles = []
    for seed in range(start, start + 16):
        s = generate_scene(seed)
        im = s.image.copy()
        d = ImageDraw.Draw(im)
        for o in s.objects:
            d.rectangle([o.box[0], o.box[1], o.box[2] - 1, o.box[3] - 1], outline=(255, 0, 255))
        canvas = Image.new("RGB", (s.size, s.size + 30), (255, 255, 255))
        canvas.paste(im, (0, 0))
        cd = ImageDraw.Draw(canvas)
        cd.text((2, s.size + 2), s.caption[:40], fill=(0, 0, 0))
        cd.text((2, s.size + 15), f"text={s.text!r} seed={seed}", fill=(0, 0, 0))
        tiles.append(canvas)
    w, h = tiles[0].size
    out = Image.new("RGB", (4 * w, 4 * h), (255, 255, 255))
    for i, t in enumerate(tiles):
        out.paste(t, ((i % 4) * w, (i // 4) * h))
    out.save(path)
    print("wrote", path)


def masks_image(scene) -> Image.Image:
    """One 8-bit label image per scene: 0 = background, i + 1 = the pixels of scene.objects[i]."""
    if len(scene.objects) > 254:
        raise ValueError(f"seed {scene.seed}: {len(scene.objects)} objects do not fit an 8-bit label image")
    labels = np.zeros((scene.size, scene.size), np.uint8)
    for i, o in enumerate(scene.objects):
        assert not (labels[o.mask] != 0).any(), f"seed {scene.seed}: object {i} overlaps an earlier one"
        labels[o.mask] = i + 1
    return Image.fromarray(labels, "L")


def write(folder: str, start: int, count: int) -> None:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "scenes.jsonl"), "w") as f:
        for seed in range(start, start + count):
            s = generate_scene(seed)
            name = f"scene-{seed}.png"
            masks = f"scene-{seed}-masks.png"
            s.image.save(os.path.join(folder, name))
            masks_image(s).save(os.path.join(folder, masks))
            f.write(json.dumps({"seed": seed, "image": name, "size": s.size, "caption": s.caption, "text": s.text,
                                "counts": s.counts,
                                "objects": [{"shape": o.shape, "colour": o.colour, "box_xyxy": list(o.box)}
                                            for o in s.objects],
                                "masks": masks}) + "\n")
    print(f"wrote {count} scenes to {folder}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="scenes")
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--grid")
    ap.add_argument("--write")
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--count", type=int, default=16)
    args = ap.parse_args(argv)
    if args.selftest:
        return selftest()
    if args.grid:
        grid(args.grid, args.start)
    if args.write:
        write(args.write, args.start, args.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
