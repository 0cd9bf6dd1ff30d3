"""Writes samples/AgentDemo/assets/shapes.png: held-out scene 9 of the synthetic scene generator that trained the bundled
paligemma2-tiny-scenes model (tools/reference/scenes; seeds below 1,000,000 are never used for training).

Run with Debian's Python from the repository root: /usr/bin/python3 samples/AgentDemo/assets/make_shapes.py
"""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
from scenes import generate_scene  # noqa: E402

SEED = 9
generate_scene(SEED).image.save(os.path.join(os.path.dirname(__file__), "shapes.png"), optimize=True)
