"""Fixture array container shared by make_fixtures.py and make_hf_fixtures.py.

<case>/arrays.bin : raw little-endian arrays, concatenated, each starting at an offset that is a multiple of 16
<case>/case.json  : case metadata; its "arrays" object maps name -> {"dtype": "float32"|"int32"|"uint8",
                    "shape": [...], "offset": byte offset into arrays.bin, "nbytes": byte count}
"""

from __future__ import annotations

import json
import os
from typing import Dict, List, Tuple

import numpy as np

_DTYPES = {"float32": np.dtype("<f4"), "int32": np.dtype("<i4"), "uint8": np.dtype("u1")}
ALIGN = 16


def write_case(folder: str, meta: dict, arrays: List[Tuple[str, np.ndarray]]) -> None:
    """Writes arrays.bin and case.json (meta plus the "arrays" index)."""
    index: Dict[str, dict] = {}
    blob = bytearray()
    for name, arr in arrays:
        arr = np.asarray(arr)
        if arr.dtype == np.uint8:
            kind = "uint8"
        else:
            kind = "int32" if np.issubdtype(arr.dtype, np.integer) else "float32"
        raw = np.ascontiguousarray(arr, dtype=_DTYPES[kind]).tobytes()
        blob += b"\0" * ((ALIGN - len(blob) % ALIGN) % ALIGN)
        if name in index:
            raise ValueError(f"array {name!r} written twice")
        index[name] = {"dtype": kind, "shape": [int(s) for s in arr.shape], "offset": len(blob), "nbytes": len(raw)}
        blob += raw
    with open(os.path.join(folder, "arrays.bin"), "wb") as f:
        f.write(bytes(blob))
    meta = dict(meta)
    meta["arrays"] = index
    with open(os.path.join(folder, "case.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(dumps_compact(meta) + "\n")


def dumps_compact(obj, indent: int = 0) -> str:
    """Indented JSON whose lists of scalars and small leaf objects stay on one line."""
    pad = " " * (indent + 1)
    if isinstance(obj, dict):
        if all(not isinstance(v, (dict, list)) or _scalar_list(v) for v in obj.values()) and len(obj) <= 4:
            return json.dumps(obj)
        items = [f"{pad}{json.dumps(k)}: {dumps_compact(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    if isinstance(obj, list) and not _scalar_list(obj):
        items = [pad + dumps_compact(v, indent + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    return json.dumps(obj)


def _scalar_list(v) -> bool:
    return isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v)


def read_case(folder: str) -> Tuple[dict, Dict[str, np.ndarray]]:
    with open(os.path.join(folder, "case.json"), "r", encoding="utf-8") as f:
        meta = json.load(f)
    with open(os.path.join(folder, "arrays.bin"), "rb") as f:
        blob = f.read()
    arrays = {}
    for name, info in meta["arrays"].items():
        dt = _DTYPES[info["dtype"]]
        raw = blob[info["offset"]: info["offset"] + info["nbytes"]]
        arrays[name] = np.frombuffer(raw, dtype=dt).reshape(info["shape"])
    return meta, arrays
