#!/usr/bin/python3
"""Make the image-preprocessing parity fixtures under tests/Fixtures/imaging/.

Run with Debian's Python (it has Pillow and numpy):

    apt-get install -y --no-install-recommends python3-pil python3-numpy
    /usr/bin/python3 tools/fidelity/make_image_fixtures.py

For every test image it writes
  <name>.<ext>                 the encoded test image (made deterministically here),
  <name>.source.pil.png        Pillow's RGB pixels after exif_transpose and convert("RGB") (alpha dropped),
  <name>.<S>.pil.png           Pillow's bicubic resize of those pixels to S x S,
normalize_table.f32 (the float32 value HF's rescale + normalize gives each byte value), and a
manifest.json describing them. Pixel fixtures are 8-bit RGB PNGs (lossless and far smaller than
raw or gzipped arrays); 896 px outputs are kept only for a few images to keep the fixtures small. The reference pipeline is the one Hugging Face's
SiglipImageProcessor applies: exif_transpose (transformers' load_image), convert_to_rgb
(Pillow convert("RGB"): alpha dropped), resize((S, S), resample=BICUBIC), then rescale/normalise
(done in float, not stored here). The C# tests never run Python; they read these files.
"""

import io
import json
import os
import sys

import numpy as np
from PIL import Image, ImageOps

SIZES = (224, 448, 896)
LARGEST_FOR = {"photo", "tiny5x3", "rgba64x48"}  # images that also get an 896 px fixture
COMPOSITE_FOR = {"rgba64x48"}  # images that also get "<name>.white.*" fixtures (alpha composited on white)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "Fixtures", "imaging")


def photo_like(width, height, seed):
    """Smooth colour gradients, a sinusoidal texture, hard-edged shapes and noise."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 255.0 * x / (width - 1)
    g = 255.0 * y / (height - 1)
    b = 127.5 + 100.0 * np.sin(x / 9.0) * np.cos(y / 13.0)
    img = np.stack([r, g, b], axis=-1)
    # Hard-edged shapes: a dark rectangle, a bright disc and thin lines.
    img[height // 5: height // 2, width // 6: width // 2] = (20, 30, 40)
    disc = (x - width * 0.7) ** 2 + (y - height * 0.6) ** 2 < (height * 0.2) ** 2
    img[disc] = (250, 240, 30)
    img[:, width // 3: width // 3 + 1] = 0
    img[2 * height // 3, :] = 255
    img += rng.normal(0.0, 12.0, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def encode(image, fmt, **kwargs):
    buf = io.BytesIO()
    image.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def make_images():
    """Return (name, file extension, encoded bytes) for every test image."""
    images = []

    photo = Image.fromarray(photo_like(320, 240, seed=1), "RGB")
    images.append(("photo", "jpg", encode(photo, "JPEG", quality=92)))

    tiny = np.array(
        [[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0]],
         [[10, 200, 30], [250, 250, 0], [128, 128, 128], [0, 255, 255], [255, 0, 255]],
         [[90, 60, 30], [30, 60, 90], [200, 100, 50], [50, 100, 200], [1, 2, 3]]],
        dtype=np.uint8)
    images.append(("tiny5x3", "png", encode(Image.fromarray(tiny, "RGB"), "PNG")))

    wide = Image.fromarray(photo_like(1000, 40, seed=2), "RGB")
    images.append(("wide1000x40", "png", encode(wide, "PNG")))

    rgb = photo_like(64, 48, seed=3)
    yy, xx = np.mgrid[0:48, 0:64]
    alpha = np.clip(xx * 4, 0, 255).astype(np.uint8)  # column 0 fully transparent, right part opaque
    alpha[10:20, 40:50] = 0                            # a fully transparent hole
    alpha[30:40, 5:15] = 128                           # half transparent
    rgba = np.dstack([rgb, alpha])
    images.append(("rgba64x48", "png", encode(Image.fromarray(rgba, "RGBA"), "PNG")))

    gray = photo_like(80, 60, seed=4)[:, :, 1]
    images.append(("gray80x60", "png", encode(Image.fromarray(gray, "L"), "PNG")))

    # Stored 200 x 120, EXIF orientation 6: viewers rotate it 90 degrees clockwise to 120 x 200.
    rotated = Image.fromarray(photo_like(200, 120, seed=5), "RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    images.append(("exif6_200x120", "jpg", encode(rotated, "JPEG", quality=92, exif=exif.tobytes())))
    return images


def make_orientation_images():
    """A 7 x 5 JPEG for each EXIF orientation 1..8 (no resize fixtures; they check orientation handling)."""
    base = Image.fromarray(photo_like(7, 5, seed=6), "RGB")
    images = []
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        encoded = encode(base, "JPEG", quality=100, subsampling=0, exif=exif.tobytes())
        images.append((f"orient{orientation}", "jpg", encoded))
    return images


def reference_rgb(encoded, composite_on_white=False):
    """Pillow's view of the image as HF's processor sees it before resizing.

    HF's SiglipImageProcessor converts with image.convert("RGB"), which drops alpha (transformers'
    image_transforms.convert_to_rgb); composite_on_white=True gives the Idefics2/Mllama-style variant
    (alpha_composite over white) that the C# option TransparencyMode.CompositeOnWhite reproduces.
    """
    image = Image.open(io.BytesIO(encoded))
    image = ImageOps.exif_transpose(image)
    if image.mode == "RGB":
        return image
    if not composite_on_white:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def write_png(path, image):
    assert image.mode == "RGB"
    image.save(path, format="PNG", optimize=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        os.remove(os.path.join(OUT, old))
    manifest = {"pillow": Image.__version__, "numpy": np.__version__, "sizes": list(SIZES), "images": []}
    for name, ext, encoded in make_images():
        with open(os.path.join(OUT, f"{name}.{ext}"), "wb") as f:
            f.write(encoded)
        rgb = reference_rgb(encoded)
        write_png(os.path.join(OUT, f"{name}.source.pil.png"), rgb)
        sizes = [s for s in SIZES if s < 896 or name in LARGEST_FOR]
        for size in sizes:
            resized = rgb.resize((size, size), Image.BICUBIC)
            write_png(os.path.join(OUT, f"{name}.{size}.pil.png"), resized)
        manifest["images"].append(
            {"name": name, "file": f"{name}.{ext}", "width": rgb.width, "height": rgb.height, "sizes": sizes})
        if name in COMPOSITE_FOR:
            white = reference_rgb(encoded, composite_on_white=True)
            write_png(os.path.join(OUT, f"{name}.white.source.pil.png"), white)
            for size in (224, 448):
                write_png(os.path.join(OUT, f"{name}.white.{size}.pil.png"), white.resize((size, size), Image.BICUBIC))
    for name, ext, encoded in make_orientation_images():
        with open(os.path.join(OUT, f"{name}.{ext}"), "wb") as f:
            f.write(encoded)
        rgb = reference_rgb(encoded)
        write_png(os.path.join(OUT, f"{name}.source.pil.png"), rgb)
        manifest["images"].append(
            {"name": name, "file": f"{name}.{ext}", "width": rgb.width, "height": rgb.height, "sizes": []})
    # transformers' rescale (float64 * 1/255, then float32) and normalize ((x - mean) / std in float32, mean = std
    # = 0.5) for every byte value: little-endian float32[256].
    rescaled = (np.arange(256, dtype=np.uint8).astype(np.float64) * (1 / 255)).astype(np.float32)
    half = np.array([0.5], dtype=np.float32)
    normalized = ((rescaled - half) / half).astype("<f4")
    with open(os.path.join(OUT, "normalize_table.f32"), "wb") as f:
        f.write(normalized.tobytes())
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
