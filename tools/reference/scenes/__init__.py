"""Deterministic synthetic scenes (shapes, colours, short text) with full ground truth, for training a tiny
PaliGemma. `generate_scene(seed)` -> Scene; `python3 -m scenes --selftest` (from tools/reference) checks it."""

from .scene import COLOURS, SHAPES, Scene, SceneObject, generate_scene
from .tasks import TaskExample, all_tasks, encode_box, sample_task

__all__ = ["COLOURS", "SHAPES", "Scene", "SceneObject", "generate_scene", "TaskExample", "all_tasks",
           "encode_box", "sample_task"]
