"""Loss curve PNG with PIL only (Debian's python3-matplotlib is not assumed): raw losses in light grey, a
moving average in blue, log-scaled y axis, step and loss labels."""

from __future__ import annotations

import math
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def plot_losses(path: str, steps: Sequence[int], losses: Sequence[float], title: str, window: int = 25) -> None:
    w, h, left, bottom, top, right = 640, 360, 60, 40, 30, 15
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 12)
    d.text((left, 8), title, fill="black", font=font)
    if len(losses) < 2:
        img.save(path)
        return
    lo = math.log(max(min(losses), 1e-4))
    hi = math.log(max(losses))
    if hi - lo < 1e-6:
        hi = lo + 1.0
    s0, s1 = steps[0], max(steps[-1], steps[0] + 1)

    def xy(s, v):
        x = left + (s - s0) / (s1 - s0) * (w - left - right)
        y = top + (hi - math.log(max(v, 1e-4))) / (hi - lo) * (h - top - bottom)
        return x, y

    d.rectangle([left, top, w - right, h - bottom], outline="black")
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        v = math.exp(lo + frac * (hi - lo))
        _, y = xy(s0, v)
        d.line([left - 4, y, left, y], fill="black")
        d.text((4, y - 7), f"{v:.3g}", fill="black", font=font)
        s = int(s0 + frac * (s1 - s0))
        x, _ = xy(s, math.exp(lo))
        d.text((x - 10, h - bottom + 6), str(s), fill="black", font=font)
    d.text((w // 2 - 20, h - 16), "step", fill="black", font=font)
    d.line([xy(s, v) for s, v in zip(steps, losses)], fill=(200, 200, 200))
    avg, acc = [], []
    for v in losses:
        acc.append(v)
        if len(acc) > window:
            acc.pop(0)
        avg.append(sum(acc) / len(acc))
    d.line([xy(s, v) for s, v in zip(steps, avg)], fill=(30, 70, 220), width=2)
    img.save(path)
