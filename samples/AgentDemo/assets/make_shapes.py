"""Writes samples/AgentDemo/assets/shapes.png and shapes.json: a held-out scene of the synthetic scene generator that
trained the bundled paligemma2-tiny-scenes model (tools/reference/scenes; seeds below 1,000,000 are never used for
training), and its ground truth in the format of `python -m scenes --write` (caption, text, counts, objects with
pixel boxes x1, y1, x2, y2). The end-to-end Detect test (tests/PaliGemma.AI.Tests/TrainedModel) reads both.

Run with Debian's Python from the repository root: /usr/bin/python3 samples/AgentDemo/assets/make_shapes.py [SEED]
(default: the seed shapes.json names now). tools/reference/pick_bundled_scene.py picks the seed for a checkpoint;
tools/reference/make_scene_model_expected.py reads it from shapes.json.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tools", "reference"))
from scenes import generate_scene  # noqa: E402

if len(sys.argv) > 1:
    SEED = int(sys.argv[1])
else:
    with open(os.path.join(HERE, "shapes.json")) as f:
        SEED = json.load(f)["seed"]
scene = generate_scene(SEED)
scene.image.save(os.path.join(HERE, "shapes.png"), optimize=True)
with open(os.path.join(HERE, "shapes.json"), "w") as f:
    json.dump({"seed": SEED, "image": "shapes.png", "size": scene.size, "caption": scene.caption, "text": scene.text,
               "counts": scene.counts,
               "objects": [{"shape": o.shape, "colour": o.colour, "box_xyxy": list(o.box)} for o in scene.objects]},
              f, indent=1)
    f.write("\n")
