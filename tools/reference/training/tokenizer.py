"""Encoder/decoder for the HF tokenizer.json our C# tiny generator writes (Gemma-style BPE: no pre-tokenizer,
normalizer " " -> "\u2581", byte fallback, added tokens such as <loc0000>, <seg000>, <image>, "\\n" matched
first). Enough for training data; the runtime uses onnxruntime-genai's tokenizer on the same file."""

from __future__ import annotations

import json
import re
from typing import Dict, List


class BpeTokenizer:
    def __init__(self, path: str):
        with open(path, "r", encoding="utf-8") as f:
            t = json.load(f)
        m = t["model"]
        if m.get("type") != "BPE":
            raise ValueError(f"{path}: model type {m.get('type')!r} is not BPE")
        self.vocab: Dict[str, int] = dict(m["vocab"])
        for a in t.get("added_tokens", []):
            self.vocab[a["content"]] = a["id"]
        self.id_to_token = {i: s for s, i in self.vocab.items()}
        merges = [tuple(x.split(" ")) if isinstance(x, str) else tuple(x) for x in m["merges"]]
        self.ranks = {pair: r for r, pair in enumerate(merges)}
        added = sorted((a["content"] for a in t.get("added_tokens", [])), key=len, reverse=True)
        self._split = re.compile("(" + "|".join(re.escape(a) for a in added) + ")")
        self.added = set(added)
        self.bos, self.eos, self.pad = self.vocab["<bos>"], self.vocab["<eos>"], self.vocab["<pad>"]
        self.image = self.vocab["<image>"]
        self.newline = self.vocab["\n"]

    def _bpe(self, text: str) -> List[int]:
        pieces = list(text)
        while len(pieces) > 1:
            best, best_rank = -1, None
            for i in range(len(pieces) - 1):
                r = self.ranks.get((pieces[i], pieces[i + 1]))
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = i, r
            if best < 0:
                break
            pieces[best:best + 2] = [pieces[best] + pieces[best + 1]]
        out: List[int] = []
        for p in pieces:
            if p in self.vocab:
                out.append(self.vocab[p])
            else:
                out.extend(self.vocab[f"<0x{b:02X}>"] for b in p.encode("utf-8"))
        return out

    def encode(self, text: str) -> List[int]:
        ids: List[int] = []
        for part in self._split.split(text):
            if not part:
                continue
            if part in self.added:
                ids.append(self.vocab[part])
            else:
                ids.extend(self._bpe(part.replace(" ", "\u2581")))
        return ids

    def decode(self, ids: List[int]) -> str:
        out, pending = [], bytearray()
        for i in ids:
            tok = self.id_to_token.get(int(i), "")
            if re.fullmatch(r"<0x[0-9A-F]{2}>", tok):
                pending.append(int(tok[3:5], 16))
                continue
            if pending:
                out.append(pending.decode("utf-8", errors="replace"))
                pending = bytearray()
            if int(i) in (self.bos, self.eos, self.pad, self.image):
                continue
            out.append(tok.replace("\u2581", " "))
        if pending:
            out.append(pending.decode("utf-8", errors="replace"))
        return "".join(out)
