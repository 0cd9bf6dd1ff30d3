"""Minimal safetensors reader/writer on numpy (no `safetensors` package needed).

File layout (https://github.com/huggingface/safetensors, format description):
  8 bytes   little-endian uint64 N = length of the JSON header
  N bytes   UTF-8 JSON: {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
                         "__metadata__": {"format": "pt"}}
  rest      raw little-endian tensor data; offsets are relative to the end of the header.

Supported dtypes: F32, F16, BF16 (and I64/I32 for completeness). BF16 has no numpy dtype: it is read as
float32 (exact widening) and written with round-to-nearest-even from float32.
"""

from __future__ import annotations

import json
import struct
from typing import Dict, Mapping, Tuple

import numpy as np

_NUMPY = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "F64": np.dtype("<f8"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
}


def float32_to_bf16_bits(x: np.ndarray) -> np.ndarray:
    """Rounds float32 values to bfloat16 (nearest, ties to even); returns the uint16 bit patterns."""
    u = np.ascontiguousarray(x, dtype="<f4").view("<u4").astype(np.uint64)
    if np.any(~np.isfinite(np.asarray(x, dtype=np.float32))):
        raise ValueError("bf16 conversion: non-finite values are not supported")
    rounding = ((u >> 16) & 1) + 0x7FFF
    return ((u + rounding) >> 16).astype("<u2")


def bf16_bits_to_float32(bits: np.ndarray) -> np.ndarray:
    """Widens bfloat16 bit patterns (uint16) to float32 exactly."""
    return (bits.astype("<u4") << 16).view("<f4")


def round_to_dtype(x: np.ndarray, dtype: str) -> np.ndarray:
    """Returns float32 values exactly representable in `dtype` (what a reader of the file will see)."""
    x = np.asarray(x, dtype=np.float32)
    if dtype == "F32":
        return x
    if dtype == "F16":
        return x.astype("<f2").astype(np.float32)
    if dtype == "BF16":
        return bf16_bits_to_float32(float32_to_bf16_bits(x))
    raise ValueError(f"unsupported dtype {dtype!r}")


def read_header(path: str) -> Tuple[dict, int]:
    """Returns (header dict, byte offset where the data section starts)."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError(f"{path}: too short for a safetensors file")
        (n,) = struct.unpack("<Q", raw)
        if n > 100_000_000:
            raise ValueError(f"{path}: header length {n} is implausible")
        header = json.loads(f.read(n).decode("utf-8"))
    return header, 8 + n


def read_safetensors(path: str) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """Reads every tensor. Returns (name -> array, name -> stored dtype). BF16 comes back as float32."""
    header, start = read_header(path)
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read()
    tensors: Dict[str, np.ndarray] = {}
    dtypes: Dict[str, str] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = info["dtype"]
        shape = tuple(int(s) for s in info["shape"])
        begin, end = (int(v) for v in info["data_offsets"])
        if not 0 <= begin <= end <= len(data):
            raise ValueError(f"{path}: tensor {name!r} offsets {begin}..{end} outside data of {len(data)} bytes")
        buf = data[begin:end]
        count = int(np.prod(shape)) if shape else 1
        if dt == "BF16":
            if len(buf) != 2 * count:
                raise ValueError(f"{path}: tensor {name!r} has {len(buf)} bytes, expected {2 * count}")
            arr = bf16_bits_to_float32(np.frombuffer(buf, dtype="<u2")).reshape(shape)
        elif dt in _NUMPY:
            npdt = _NUMPY[dt]
            if len(buf) != npdt.itemsize * count:
                raise ValueError(f"{path}: tensor {name!r} has {len(buf)} bytes, expected {npdt.itemsize * count}")
            arr = np.frombuffer(buf, dtype=npdt).reshape(shape).copy()
        else:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {dt!r}")
        tensors[name] = arr
        dtypes[name] = dt
    return tensors, dtypes


def write_safetensors(path: str, tensors: Mapping[str, Tuple[np.ndarray, str]],
                      metadata: Mapping[str, str] | None = None) -> None:
    """Writes tensors given as name -> (float array, dtype in {"F32","F16","BF16"}).

    Tensors are laid out in sorted name order, contiguously; the header is padded with spaces to a multiple
    of 8 bytes (as the reference implementation does). `metadata` defaults to {"format": "pt"}, which
    transformers requires to load the file.
    """
    header: Dict[str, object] = {"__metadata__": dict(metadata or {"format": "pt"})}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr, dt = tensors[name]
        arr = np.asarray(arr)
        if dt == "BF16":
            raw = float32_to_bf16_bits(arr.astype(np.float32)).tobytes()
        elif dt in ("F32", "F16", "F64"):
            raw = np.ascontiguousarray(arr, dtype=_NUMPY[dt]).tobytes()
        elif dt in ("I64", "I32"):
            raw = np.ascontiguousarray(arr, dtype=_NUMPY[dt]).tobytes()
        else:
            raise ValueError(f"tensor {name!r}: unsupported dtype {dt!r}")
        header[name] = {"dtype": dt, "shape": [int(s) for s in arr.shape],
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
