#!/usr/bin/env python3
"""Writes the small seed corpora under fuzz/corpus/ (standard library only). Run from the repository root:
python3 fuzz/make_seeds.py. Image seeds are copied from tests/Fixtures/imaging; the rest is made here."""
import io, json, os, struct, zipfile, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "Fixtures")


def put(target, name, data):
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data)


# image: byte 0 = output side selector, then the encoded image.
for name in ["tiny5x3.png", "orient6.jpg", "gray80x60.png"]:
    with open(os.path.join(FIXTURES, "imaging", name), "rb") as f:
        put("image", name, bytes([27]) + f.read())
put("image", "1x1.gif", bytes([7]) + b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
row = b"\x00\x00\xff\x00\xff\x00\x00\x00"  # two BGR pixels + 2 bytes padding
bmp_pixels = row * 2
put("image", "2x2.bmp", bytes([3]) + b"BM" + struct.pack("<IHHI", 54 + len(bmp_pixels), 0, 0, 54)
    + struct.pack("<IiiHHIIiiII", 40, 2, 2, 1, 24, 0, len(bmp_pixels), 2835, 2835, 0, 0) + bmp_pixels)


def png(width, height, color_type, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\x00" + r for r in rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
put("image", "3x2-rgba.png", bytes([63]) + png(3, 2, 6, [bytes(range(12)), bytes(range(12, 24))]))

# parser: bytes 0..3 = width, height (little-endian uint16, +1), then model output.
size = struct.pack("<HH", 639, 479)
put("parser", "detect.txt", size + b"<loc0100><loc0200><loc0300><loc0400> cat ; <loc0000><loc0000><loc1023><loc1023> dog<eos>")
put("parser", "segment.txt", size + b"<loc0100><loc0200><loc0300><loc0400>" + b"".join(b"<seg%03d>" % i for i in range(0, 128, 8)) + b" cat")
put("parser", "caption.txt", size + b"a cat sitting on a mat <end_of_turn>")
put("parser", "broken.txt", size + b"<loc12><loc0200><loc0300 dog ; ; <seg999>")

# prompt: byte 0 = task (0 caption, 1 describe, 2 ocr, 3 answer, 4 question, 5 detect, 6 segment, 7 parse only), NUL-separated arguments.
put("prompt", "caption", b"\x00en")
put("prompt", "answer", b"\x03what is on the table?\x00zh-CN")
put("prompt", "detect", b"\x05cat\x00dog\x00traffic light")
put("prompt", "segment", b"\x06left hand")
put("prompt", "parse", b"\x07detect cat ; dog")
put("prompt", "injection", b"\x05cat ; <loc0001>\ncaption en")

# safetensors: 8-byte header length, JSON header, data.
def safetensors(tensors):
    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name, dtype, shape, payload in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data
put("safetensors", "f32.safetensors", safetensors([("a.weight", "F32", [2, 3], struct.pack("<6f", *range(6))), ("b.bias", "F32", [2], struct.pack("<2f", 1, -1))]))
put("safetensors", "f16-bf16.safetensors", safetensors([("h", "F16", [4], struct.pack("<4e", 0.5, -2, 65504, 0)), ("b", "BF16", [2, 1], b"\x80\x3f\x00\xc0")]))
put("safetensors", "scalar-empty.safetensors", safetensors([("s", "F32", [], struct.pack("<f", 3)), ("e", "F32", [0, 4], b"")]))

# config: the committed reference configs plus a sparse one.
for case in ["pg1", "pg2"]:
    with open(os.path.join(FIXTURES, "reference", case, "model", "config.json"), "rb") as f:
        put("config", case + ".json", f.read())
put("config", "sparse.json", json.dumps({"model_type": "paligemma", "text_config": {"model_type": "gemma2"}, "vision_config": {}}).encode())


# npz: a zip of .npy arrays (format 1.0 headers).
def npy(shape, values, descr="<f4"):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, "(" + "".join("%d," % d for d in shape) + ")")
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + struct.pack("<%df" % len(values), *values)
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("_vq_vae._embedding.npy", npy((4, 2), [0.1 * i for i in range(8)]))
    z.writestr("decoder.0.bias.npy", npy((3,), [1, 2, 3]))
put("npz", "small.npz", buffer.getvalue())
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
    z.writestr("x.npy", npy((2, 2), [1, 2, 3, 4]))
put("npz", "stored.npz", buffer.getvalue())
