"""PaliGemma task strings for a Scene: (prefix, suffix) exactly in PaliGemma's formats.

  caption en                    -> "a red circle and a blue square"   (objects left to right)
  detect circle ; square        -> "<locY1><locX1><locY2><locX2> circle ; <loc...> square"
  segment circle                -> "<loc..>x4<seg..>x16 circle"  (codes from the mask VQ-VAE)
  ocr                           -> the rendered word or number (only scenes with text)
  answer en how many circles?   -> "2"

Location bins: round(v / size * 1024) clamped to 0..1023, y before x; our parser maps a bin back with
bin / 1024 * size (PaliGemmaOutputParser), so this is the inverse up to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from .scene import SHAPES, Scene, SceneObject

PLURALS = {s: s + "s" for s in SHAPES}
TASKS = ("caption", "detect", "segment", "ocr", "answer")


@dataclass
class TaskExample:
    task: str
    prefix: str
    suffix: str
    objects: Tuple[SceneObject, ...] = ()  # segment: the objects whose masks the suffix holds, in its order


def to_bin(v: float, size: int) -> int:
    return int(min(1023, max(0, round(v / size * 1024))))


def encode_box(box, size: int) -> List[int]:
    """Pixel box (x1, y1, x2, y2) -> [y1, x1, y2, x2] location bins."""
    x1, y1, x2, y2 = box
    return [to_bin(y1, size), to_bin(x1, size), to_bin(y2, size), to_bin(x2, size)]


def loc_text(bins: Sequence[int]) -> str:
    return "".join(f"<loc{b:04d}>" for b in bins)


def mask_crop64(mask: np.ndarray, bins: Sequence[int], size: int) -> np.ndarray:
    """The 64x64 float mask (0..1) inside the box that the runtime will decode from `bins`
    (int(bin / 1024 * size), as big_vision's evaluator places masks)."""
    y1, x1, y2, x2 = (int(b / 1024 * size) for b in bins)
    x2, y2 = max(x2, x1 + 1), max(y2, y1 + 1)
    crop = Image.fromarray((mask[y1:y2, x1:x2] * 255).astype(np.uint8))
    return np.asarray(crop.resize((64, 64), resample=Image.BILINEAR), dtype=np.float32) / 255.0


def _ordered(objs):
    return sorted(objs, key=lambda o: (o.box[1], o.box[0]))


def detect_example(scene: Scene, classes: Sequence[str]) -> TaskExample:
    parts = []
    for c in classes:
        for o in _ordered([o for o in scene.objects if o.shape == c]):
            parts.append(loc_text(encode_box(o.box, scene.size)) + " " + c)
    return TaskExample("detect", "detect " + " ; ".join(classes), " ; ".join(parts))


def segment_example(scene: Scene, shape: str, codes_for: Callable[[np.ndarray], Sequence[int]]) -> TaskExample:
    parts = []
    ordered = _ordered([o for o in scene.objects if o.shape == shape])
    for o in ordered:
        bins = encode_box(o.box, scene.size)
        codes = codes_for(mask_crop64(o.mask, bins, scene.size))
        parts.append(loc_text(bins) + "".join(f"<seg{int(c):03d}>" for c in codes) + " " + shape)
    return TaskExample("segment", "segment " + shape, " ; ".join(parts), tuple(ordered))


def all_tasks(scene: Scene, codes_for: Optional[Callable[[np.ndarray], Sequence[int]]] = None) -> List[TaskExample]:
    """Every task this scene supports, with the present shapes (used by the evaluation and the selftest)."""
    present = sorted({o.shape for o in scene.objects}, key=SHAPES.index)
    out = [TaskExample("caption", "caption en", scene.caption), detect_example(scene, present)]
    if codes_for is not None:
        out += [segment_example(scene, s, codes_for) for s in present]
    if scene.text:
        out.append(TaskExample("ocr", "ocr", scene.text))
    out += [TaskExample("answer", f"answer en how many {PLURALS[s]}?", str(scene.counts[s])) for s in SHAPES]
    return out


DEFAULT_TASK_WEIGHTS = (0.2, 0.25, 0.2, 0.15, 0.2)


def sample_task(scene: Scene, rng: np.random.Generator,
                codes_for: Optional[Callable[[np.ndarray], Sequence[int]]] = None,
                weights: Sequence[float] = DEFAULT_TASK_WEIGHTS, detect_all: float = 0.25) -> TaskExample:
    """One random task for training: caption 20 %, detect 25 %, segment 20 % (if codes_for), ocr 15 % (scenes
    with text), answer 20 % by default (`weights`, in TASKS order, sum 1). Detect asks for all five classes in a random order
    (`detect_all`, 25 % by default), else one class that may be absent (1 in 5 of the rest) or a present class, half
    of the time paired with another that may be absent (4 in 5 of the rest). Segment asks for a present class."""
    present = sorted({o.shape for o in scene.objects}, key=SHAPES.index)
    while True:
        t = rng.choice(TASKS, p=list(weights))
        if t == "caption":
            return TaskExample("caption", "caption en", scene.caption)
        if t == "detect":
            u = rng.random()
            if u < detect_all:  # every shape class, in random order (how the evaluation and the demo ask)
                classes = [SHAPES[i] for i in rng.permutation(len(SHAPES))]
            elif u < detect_all + 0.2 * (1 - detect_all):  # one class that may be absent (-> empty answer)
                classes = [SHAPES[rng.integers(len(SHAPES))]]
            else:  # one present class, half of the time with another class that may be absent
                classes = [present[rng.integers(len(present))]]
                if rng.random() < 0.5:
                    other = SHAPES[rng.integers(len(SHAPES))]
                    if other not in classes:
                        classes.append(other)
                    rng.shuffle(classes)
            return detect_example(scene, classes)
        if t == "segment" and codes_for is not None:
            return segment_example(scene, present[rng.integers(len(present))], codes_for)
        if t == "ocr" and scene.text:
            return TaskExample("ocr", "ocr", scene.text)
        if t == "answer":
            s = SHAPES[rng.integers(len(SHAPES))] if rng.random() < 0.3 else present[rng.integers(len(present))]
            return TaskExample("answer", f"answer en how many {PLURALS[s]}?", str(scene.counts[s]))
