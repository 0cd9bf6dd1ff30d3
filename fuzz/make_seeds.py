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


# onnx: ONNX ModelProto bytes (protobuf wire format); the reader lists graph.input (name, tensor elem_type).
def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def field(number, wire, body):
    tag = varint((number << 3) | wire)
    return tag + (varint(len(body)) + body if wire == 2 else body)


def value_info(name, elem_type, dims):
    shape = b"".join(field(1, 2, field(1, 0, varint(d)) if d >= 0 else field(2, 2, b"batch")) for d in dims)
    tensor = field(1, 0, varint(elem_type)) + field(2, 2, shape)
    return field(1, 2, name.encode()) + field(2, 2, field(1, 2, tensor))


def onnx_model(inputs, extra_graph=b""):
    graph = field(1, 2, field(1, 2, b"input_ids") + field(2, 2, b"logits") + field(4, 2, b"Identity")) + field(2, 2, b"main")
    graph += b"".join(field(11, 2, value_info(n, t, d)) for n, t, d in inputs) + extra_graph
    graph += field(12, 2, value_info("logits", 1, [-1, -1, 1300]))
    return field(1, 0, varint(8)) + field(2, 2, b"pg") + field(7, 2, graph) + field(8, 2, field(2, 0, varint(17)))


put("onnx", "decoder.onnx", onnx_model([("input_ids", 7, [-1, -1]), ("attention_mask", 7, [-1, -1]), ("image_features", 1, [-1, 8])]))
put("onnx", "decoder-fp16.onnx", onnx_model([("input_ids", 7, [-1, -1]), ("image_features", 10, [-1, 8]), ("past_key_values.0.key", 1, [-1, 1, -1, 8])]))
put("onnx", "initializer.onnx", onnx_model([("input_ids", 7, [-1])], field(5, 2, field(1, 0, varint(4)) + field(2, 0, varint(1)) + field(8, 2, b"w") + field(9, 2, bytes(16)))
    + field(1, 5, bytes(4)) + field(1, 1, bytes(8))))
put("onnx", "no-graph.onnx", field(1, 0, varint(8)) + field(2, 2, b"pg"))

# modelconfig: paligemma.json, a NUL byte, genai_config.json (without the NUL: only genai_config.json, for a fixed
# manifest matching the one below: vocab 1300, hidden 8, bos 2, eos 1 + extra stop 107, pad 0, 64 tokens).
manifest = {"format_version": 1, "model_id": "fuzz", "architecture": "paligemma2", "image_size": 28, "patch_size": 14,
            "num_image_tokens": 4, "text_hidden_size": 8, "vocab_size": 1300, "max_sequence_length": 64,
            "precision": "fp32", "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
            "token_ids": {"pad": 0, "eos": 1, "bos": 2, "image": 1200, "newline": 5, "loc_start": 10, "seg_start": 1034, "extra_stop": [107]},
            "files": {"vision": "vision.onnx", "decoder": "decoder.onnx", "tokenizer": "tokenizer.json"}}
genai = {  # what PaliGemma.Onnx's GenAiConfigWriter writes
    "model": {"type": "decoder", "bos_token_id": 2, "eos_token_id": [1, 107], "pad_token_id": 0, "vocab_size": 1300, "context_length": 64,
              "decoder": {"session_options": {"log_id": "onnxruntime-genai", "provider_options": []}, "filename": "decoder.onnx",
                          "head_size": 4, "hidden_size": 8, "num_attention_heads": 2, "num_key_value_heads": 1, "num_hidden_layers": 2,
                          "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "position_ids": "position_ids",
                                     "past_key_names": "past_key_values.%d.key", "past_value_names": "past_key_values.%d.value"},
                          "outputs": {"logits": "logits", "present_key_names": "present.%d.key", "present_value_names": "present.%d.value"}}},
    "search": {"max_length": 64, "min_length": 0, "do_sample": False, "num_beams": 1, "num_return_sequences": 1, "top_k": 1, "top_p": 1.0,
               "temperature": 1.0, "repetition_penalty": 1.0, "past_present_share_buffer": False, "early_stopping": True}}
put("modelconfig", "genai.json", json.dumps(genai, indent=2).encode())
put("modelconfig", "pair.json", json.dumps(manifest).encode() + b"\0" + json.dumps(genai).encode())
hostile = json.loads(json.dumps(genai))
hostile["model"]["decoder"]["session_options"]["custom_ops_library"] = "libevil.so"
hostile["model"]["decoder"]["session_options"]["provider_options"] = [{"cuda": {"device_id": "0"}}]
put("modelconfig", "hostile.json", json.dumps(hostile).encode())
sparse = {"model": {"type": "decoder", "vocab_size": 1300, "eos_token_id": 1, "decoder": {"filename": "decoder.onnx", "hidden_size": 8}}}
put("modelconfig", "sparse.json", json.dumps(sparse).encode())
