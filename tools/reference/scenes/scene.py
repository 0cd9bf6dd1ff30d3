"""One synthetic scene: 1-4 non-overlapping filled shapes in named colours on a varied background, optionally
a short word or number in DejaVu Sans. Everything is a pure function of the seed (numpy PCG64 + PIL).

Ground truth per object: shape name, colour name, pixel box (x1, y1, x2, y2; x2/y2 exclusive), boolean mask.
Scene-level: caption ("a red circle and a blue square", objects left to right), counts per shape, text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

SHAPES = ("circle", "square", "triangle", "star", "hexagon")
COLOURS: Dict[str, Tuple[int, int, int]] = {
    "red": (220, 30, 30), "green": (30, 170, 60), "blue": (30, 70, 220), "yellow": (245, 215, 30),
    "orange": (245, 130, 20), "purple": (140, 40, 180), "white": (250, 250, 250), "black": (15, 15, 15),
}
WORDS = ("stop", "exit", "open", "sale", "taxi", "cafe", "zoo", "hello", "park", "bus", "star", "cat",
         "STOP", "EXIT", "OPEN", "SALE", "TAXI", "GO", "UP", "OK")
BACKGROUNDS = ((235, 235, 225), (200, 220, 240), (225, 240, 215), (250, 230, 200), (120, 120, 120),
               (60, 60, 70), (40, 70, 60), (90, 60, 50), (180, 170, 150), (245, 200, 210))


@dataclass
class SceneObject:
    shape: str
    colour: str
    box: Tuple[int, int, int, int]  # x1, y1, x2, y2 in pixels, x2/y2 exclusive (tight around the mask)
    mask: np.ndarray                 # bool [H, W]
    rot: float = 0.0                 # the outline's turn in radians as drawn (stars and hexagons turn; others ignore it)

    @property
    def label(self) -> str:
        return f"{self.colour} {self.shape}"


@dataclass
class Scene:
    seed: int
    image: Image.Image
    objects: List[SceneObject]
    text: Optional[str]
    text_box: Optional[Tuple[int, int, int, int]] = None
    size: int = 224
    char_centres: List[Tuple[float, float]] = field(default_factory=list)  # (x, y) of each character of `text`

    @property
    def caption(self) -> str:
        ordered = sorted(self.objects, key=lambda o: (o.box[0] + o.box[2], o.box[1]))
        return " and ".join(f"{'an' if o.colour[0] in 'aeiou' else 'a'} {o.colour} {o.shape}" for o in ordered)

    @property
    def counts(self) -> Dict[str, int]:
        c = {s: 0 for s in SHAPES}
        for o in self.objects:
            c[o.shape] += 1
        return c


def _polygon(shape: str, cx: float, cy: float, r: float, rot: float) -> List[Tuple[float, float]]:
    if shape == "square":
        k, start = 4, math.pi / 4 + rot * 0.0  # axis-aligned squares keep "square" unambiguous
    elif shape == "triangle":
        k, start = 3, -math.pi / 2
    elif shape == "hexagon":
        k, start = 6, rot
    elif shape == "star":
        pts = []
        for i in range(10):
            rr = r if i % 2 == 0 else r * 0.45
            a = -math.pi / 2 + rot + i * math.pi / 5
            pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
        return pts
    else:
        raise ValueError(f"no polygon for shape {shape!r}")
    return [(cx + r * math.cos(start + i * 2 * math.pi / k), cy + r * math.sin(start + i * 2 * math.pi / k))
            for i in range(k)]


def _draw_shape(draw: ImageDraw.ImageDraw, shape: str, cx: float, cy: float, r: float, rot: float, fill) -> None:
    if shape == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
    else:
        draw.polygon(_polygon(shape, cx, cy, r, rot), fill=fill)


def _background(rng: np.random.Generator, size: int) -> Tuple[Image.Image, np.ndarray]:
    base = np.array(BACKGROUNDS[rng.integers(len(BACKGROUNDS))], dtype=np.float32)
    kind = rng.integers(3)
    img = np.broadcast_to(base, (size, size, 3)).astype(np.float32).copy()
    if kind == 1:  # linear gradient
        other = np.clip(base + rng.uniform(-50, 50, 3), 0, 255)
        t = np.linspace(0, 1, size, dtype=np.float32)
        t = t[:, None] if rng.integers(2) else t[None, :]
        img = base * (1 - t[..., None]) + other * t[..., None]
        img = np.broadcast_to(img, (size, size, 3)).copy()
    elif kind == 2:  # mild noise
        img += rng.normal(0, 10, (size, size, 3)).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    return Image.fromarray(img, "RGB"), base


def _far_enough(colour: Tuple[int, int, int], bg: np.ndarray) -> bool:
    return float(np.linalg.norm(np.array(colour, dtype=np.float32) - bg)) > 110.0


def _overlaps(box, boxes, margin: int = 4) -> bool:
    x1, y1, x2, y2 = box
    for a1, b1, a2, b2 in boxes:
        if x1 < a2 + margin and a1 < x2 + margin and y1 < b2 + margin and b1 < y2 + margin:
            return True
    return False


def generate_scene(seed: int, size: int = 224, text_probability: float = 0.4) -> Scene:
    """Deterministic scene for `seed` (same seed -> same pixels and ground truth)."""
    if size < 64:
        raise ValueError(f"scene size {size} is too small (>= 64)")
    rng = np.random.default_rng(seed)
    image, bg = _background(rng, size)
    draw = ImageDraw.Draw(image)
    taken: List[Tuple[int, int, int, int]] = []

    text = None
    text_box = None
    char_centres: List[Tuple[float, float]] = []
    if rng.random() < text_probability:
        text = str(rng.integers(0, 10 ** int(rng.integers(1, 5)))) if rng.random() < 0.5 else \
            WORDS[rng.integers(len(WORDS))]
        font = ImageFont.truetype(FONT_BOLD_PATH, int(size * rng.uniform(0.13, 0.18)))
        l, t, r, b = draw.textbbox((0, 0), text, font=font)
        tw, th = r - l, b - t
        for _ in range(50):
            x = int(rng.integers(2, max(3, size - tw - 2)))
            y = int(rng.integers(2, max(3, size - th - 2)))
            box = (x, y, x + tw, y + th)
            if box[2] <= size and box[3] <= size:
                break
        colours = [c for c in ("black", "white", "red", "blue") if _far_enough(COLOURS[c], bg)]
        draw.text((box[0] - l, box[1] - t), text, font=font, fill=COLOURS[colours[rng.integers(len(colours))]])
        text_box = box
        # each character's centre: the middle of its advance along the line (no random draws: scenes are unchanged)
        char_centres = [(box[0] - l + (draw.textlength(text[:i], font=font) + draw.textlength(text[:i + 1], font=font)) / 2,
                         (box[1] + box[3]) / 2) for i in range(len(text))]
        taken.append(box)

    wanted = int(rng.integers(1, 5))
    objects: List[SceneObject] = []
    allowed = [c for c in COLOURS if _far_enough(COLOURS[c], bg)]
    for _ in range(wanted):
        for _attempt in range(40):
            shape = SHAPES[rng.integers(len(SHAPES))]
            r = float(rng.uniform(0.08, 0.2) * size)
            cx = float(rng.uniform(r + 2, size - r - 2))
            cy = float(rng.uniform(r + 2, size - r - 2))
            rot = float(rng.uniform(0, 2 * math.pi / 5))
            m_img = Image.new("L", (size, size), 0)
            _draw_shape(ImageDraw.Draw(m_img), shape, cx, cy, r, rot, 255)
            mask = np.asarray(m_img) > 127
            ys, xs = np.nonzero(mask)
            box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
            if not _overlaps(box, taken):
                break
        else:
            continue
        colour = allowed[rng.integers(len(allowed))]
        _draw_shape(draw, shape, cx, cy, r, rot, COLOURS[colour])
        taken.append(box)
        objects.append(SceneObject(shape, colour, box, mask, rot))
    if not objects:  # cannot happen with these sizes, but keep the contract (>= 1 object)
        raise RuntimeError(f"seed {seed}: no room for any shape")
    return Scene(seed=seed, image=image, objects=objects, text=text, text_box=text_box, size=size,
                 char_centres=char_centres)
