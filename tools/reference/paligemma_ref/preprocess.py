"""Image preprocessing as HF `SiglipImageProcessor` does it for PaliGemma.

RGB -> resize to S x S ignoring aspect ratio with PIL bicubic (resample=3) on uint8 -> rescale:
float64(x) * (1/255) cast to float32 -> normalize in float32: (x - 0.5) / 0.5 -> CHW, batch of 1.
Alpha is dropped by PIL's convert("RGB") as in HF's `convert_rgb` (no compositing).
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def load_rgb(path: str) -> Image.Image:
    img = Image.open(path)
    img.load()
    return img.convert("RGB") if img.mode != "RGB" else img


def resize_uint8(img: Image.Image, size: int) -> np.ndarray:
    """[S, S, 3] uint8 after PIL bicubic resize."""
    return np.asarray(img.resize((size, size), resample=Image.BICUBIC), dtype=np.uint8)


def pixel_values_from_uint8(hwc: np.ndarray) -> np.ndarray:
    x = (hwc.astype(np.float64) * (1.0 / 255.0)).astype(np.float32)
    half = np.float32(0.5)
    x = (x - half) / half
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)


def preprocess(img: Image.Image, size: int) -> np.ndarray:
    """PIL image -> pixel_values [1, 3, S, S] float32 in [-1, 1]."""
    if img.mode != "RGB":
        img = img.convert("RGB")
    return pixel_values_from_uint8(resize_uint8(img, size))
