#!/usr/bin/python3
"""Writes the reference fixtures under tests/Fixtures/reference/<case>/ (see README.md there).

  /usr/bin/python3 tools/reference/make_fixtures.py            # (re)write every case
  /usr/bin/python3 tools/reference/make_fixtures.py --check    # regenerate into a temp dir and compare
  /usr/bin/python3 tools/reference/make_fixtures.py --case pg2 # only some cases
  /usr/bin/python3 tools/reference/make_fixtures.py --selftest # self-checks of the reference model

The oracle computes in float64; expected values are stored as float32.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from fixture_cases import CASES, EOS, IMAGE_TOKEN, NEWLINE, BOS, Case, make_image, make_prompt, \
    make_text_prompt, make_weights, write_checkpoint  # noqa: E402
from fixture_format import read_case, write_case  # noqa: E402
from paligemma_ref import PaliGemmaReference, greedy  # noqa: E402
from paligemma_ref.preprocess import load_rgb, pixel_values_from_uint8, preprocess, resize_uint8  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "tests", "Fixtures", "reference")
FORMAT = "paligemma-reference-fixture/1"
NUM_TOKENS = 32
DECODE_STEPS = 16
MIN_MARGIN = 1e-2


def _setup_torch() -> None:
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # fixed reduction order


def build_case(case: Case, folder: str, verbose: bool = True) -> dict:
    os.makedirs(folder, exist_ok=True)
    model_dir = os.path.join(folder, "model")
    write_checkpoint(case, model_dir, make_weights(case))
    Image.fromarray(make_image(case), "RGB").save(os.path.join(folder, "image.png"), optimize=False)
    pixels_u8 = resize_uint8(load_rgb(os.path.join(folder, "image.png")), case.image_size)
    pixel_values = pixel_values_from_uint8(pixels_u8)
    assert np.array_equal(pixel_values, preprocess(load_rgb(os.path.join(folder, "image.png")), case.image_size))

    model = PaliGemmaReference.from_folder(model_dir, dtype=torch.float64)
    assert model.cfg.text.hidden_size == case.hidden and model.cfg.image_token_index == IMAGE_TOKEN
    prompt = make_prompt(case)
    n_img = model.cfg.num_image_tokens
    with torch.no_grad():
        feats = model.projected_image_features(torch.from_numpy(pixel_values))[0]
    res = greedy(model, prompt, pixel_values, NUM_TOKENS, DECODE_STEPS, window_mode="hf")
    L = len(prompt)
    positions = [0, n_img // 2, n_img, L - 1]
    meta = {
        "format": FORMAT,
        "case": case.name,
        "description": case.description,
        "model_dir": "model",
        "image": "image.png",
        "image_size": case.image_size,
        "pixel_values_formula": "pixels_u8 [S,S,3] HWC -> v = (float)(k * (1.0 / 255.0)) computed in double; "
                                "then (v - 0.5f) / 0.5f in float32; CHW, batch 1",
        "num_image_tokens": n_img,
        "text_model": case.text_model,
        "weights_dtype": case.weights_dtype,
        "compute_dtype": "float64 (stored as float32)",
        "window_mode": "hf" if case.text_model == "gemma2" else None,
        "image_token_index": IMAGE_TOKEN, "bos_token_id": BOS, "eos_token_id": EOS, "newline_token_id": NEWLINE,
        "vocab_size": model.cfg.text.vocab_size,
        "prompt_ids": prompt,
        "prompt_length": L,
        "position_ids": "1-based: prompt position i has position id i + 1; decode step t has id L + t + 1",
        "prefill_positions": positions,
        "decode_steps": DECODE_STEPS,
        "decode_inputs": res.tokens[:DECODE_STEPS],
        "greedy_tokens": res.tokens,
        "first_eos_index": res.tokens.index(EOS) if EOS in res.tokens else None,
        "min_greedy_margin": round(min(res.margins), 6),
        "stats": {k: round(v, 4) for k, v in sorted(res.stats.items())},
    }
    arrays = [("pixels_u8", pixels_u8)]
    if case.store_pixel_values:
        arrays.append(("pixel_values", pixel_values))
    arrays += [
        ("image_features", feats.numpy()),
        ("prefill_logits_last", res.prefill_logits[-1]),
        ("prefill_logits_at", res.prefill_logits[positions]),
        ("decode_logits", res.decode_logits),
        ("greedy_tokens", np.asarray(res.tokens, dtype=np.int32)),
    ]
    # text-only prompt (no image tokens, no pixels): the decoder path with T = 0 image features
    # (deterministic search over a few prefixes for one whose greedy choices are well separated)
    for attempt in range(20):
        text_prompt = make_text_prompt(case, attempt)
        res_t = greedy(model, text_prompt, None, NUM_TOKENS, DECODE_STEPS, window_mode="hf")
        if IMAGE_TOKEN not in res_t.tokens and min(res_t.margins) >= MIN_MARGIN:
            break
    meta["text_only"] = {"prompt_ids": text_prompt, "greedy_tokens": res_t.tokens,
                         "min_greedy_margin": round(min(res_t.margins), 6)}
    arrays += [("text_only.prefill_logits_last", res_t.prefill_logits[-1]),
               ("text_only.decode_logits", res_t.decode_logits),
               ("text_only.greedy_tokens", np.asarray(res_t.tokens, dtype=np.int32))]
    if IMAGE_TOKEN in res_t.tokens or min(res_t.margins) < MIN_MARGIN:
        raise SystemExit(f"[{case.name}] text-only greedy run is ambiguous (margin {min(res_t.margins)}) "
                         f"or emits <image>: change the seed")
    checks = []
    if case.text_model == "gemma2":
        checks += _gemma2_checks(case, model, prompt, pixel_values, res, meta, arrays)
    meta["checks"] = checks
    write_case(folder, meta, arrays)
    if verbose:
        print(f"[{case.name}] L={L} tokens={res.tokens[:8]}... min margin={min(res.margins):.4f} "
              f"eos@{meta['first_eos_index']} stats={meta['stats']}")
        for c in checks:
            print(f"[{case.name}]   check: {c}")
    if IMAGE_TOKEN in res.tokens:
        raise SystemExit(f"[{case.name}] greedy output contains <image>: change the seed")
    if min(res.margins) < MIN_MARGIN:
        raise SystemExit(f"[{case.name}] greedy margin {min(res.margins)} < {MIN_MARGIN}: change the seed")
    return meta


def _gemma2_checks(case, model, prompt, pixel_values, res, meta, arrays):
    out = []
    text = model.cfg.text
    if case.qk_scale != 1.0 or case.final_norm_gain != 1.0:
        cap_a, cap_f = text.attn_logit_softcapping, text.final_logit_softcapping
        raw_a = max(v for k, v in res.stats.items() if k.endswith("max_abs_attn_score"))
        raw_f = res.stats["max_abs_final_logit"]
        if not (raw_a > cap_a and raw_f > cap_f):
            raise SystemExit(f"[{case.name}] caps not active: attention {raw_a} vs {cap_a}, logits {raw_f} vs {cap_f}")
        out.append(f"attention softcap active: max |raw score| {raw_a:.1f} > {cap_a}")
        out.append(f"final softcap active: max |raw logit| {raw_f:.1f} > {cap_f}")
    if text.sliding_window is not None and text.sliding_window < len(prompt) + NUM_TOKENS:
        nowin = greedy(model, prompt, pixel_values, NUM_TOKENS, DECODE_STEPS, disable_window=True)
        d_prefill = float(np.abs(nowin.prefill_logits - res.prefill_logits).max())
        d_decode = float(np.abs(nowin.decode_logits - res.decode_logits).max())
        if d_decode < 1e-3:
            raise SystemExit(f"[{case.name}] the sliding window does not change the decode logits")
        out.append(f"window matters: max |decode logits (window) - (no window)| = {d_decode:.4f}; "
                   f"prefill differs by {d_prefill:.2e} (hf mode: the prompt is not windowed)")
        meta["alt_window_modes"] = {}
        for mode in case.alt_window_modes:
            alt = greedy(model, prompt, pixel_values, NUM_TOKENS, DECODE_STEPS, window_mode=mode)
            dp = float(np.abs(alt.prefill_logits[-1] - res.prefill_logits[-1]).max())
            out.append(f"window_mode {mode}: prefill-last logits differ from hf by {dp:.4f}")
            meta["alt_window_modes"][mode] = {"greedy_tokens": alt.tokens, "min_greedy_margin": round(min(alt.margins), 6)}
            arrays += [(f"{mode}.prefill_logits_last", alt.prefill_logits[-1]),
                       (f"{mode}.decode_logits", alt.decode_logits),
                       (f"{mode}.greedy_tokens", np.asarray(alt.tokens, dtype=np.int32))]
    return out


def compare_trees(expected_root: str, actual_root: str, names, tol: float = 1e-6) -> bool:
    ok = True
    for name in names:
        e, a = os.path.join(expected_root, name), os.path.join(actual_root, name)
        for rel in ("model/config.json", "model/model.safetensors", "image.png"):
            same = os.path.exists(os.path.join(e, rel)) and filecmp.cmp(os.path.join(e, rel), os.path.join(a, rel),
                                                                         shallow=False)
            print(f"  {name}/{rel}: {'identical' if same else 'DIFFERENT'}")
            ok &= same
        em, ea = read_case(e)
        am, aa = read_case(a)
        strip = lambda m: {k: v for k, v in m.items() if k not in ("arrays", "stats", "min_greedy_margin", "checks")}
        same_meta = strip(em) == strip(am) and em["arrays"] == am["arrays"]
        print(f"  {name}/case.json: {'same' if same_meta else 'DIFFERENT'}")
        ok &= same_meta
        worst = 0.0
        for k, v in ea.items():
            if k not in aa or aa[k].shape != v.shape:
                print(f"  {name}: array {k} missing or reshaped")
                ok = False
                continue
            if v.dtype.kind in "iu":
                if not np.array_equal(v, aa[k]):
                    print(f"  {name}: int array {k} differs")
                    ok = False
            else:
                worst = max(worst, float(np.abs(v.astype(np.float64) - aa[k]).max()))
        print(f"  {name}/arrays.bin: max |diff| = {worst:.3e} ({'ok' if worst <= tol else 'TOO LARGE'})")
        ok &= worst <= tol
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="only these cases (repeatable)")
    ap.add_argument("--check", action="store_true", help="regenerate into a temp dir and compare with --out")
    ap.add_argument("--selftest", action="store_true", help="run tools/reference/tests (uses the committed fixtures)")
    args = ap.parse_args(argv)
    if args.selftest:
        import unittest
        suite = unittest.defaultTestLoader.discover(os.path.join(HERE, "tests"))
        return 0 if unittest.TextTestRunner(verbosity=2).run(suite).wasSuccessful() else 1
    _setup_torch()
    names = args.case or list(CASES)
    if args.check:
        tmp = tempfile.mkdtemp(prefix="pg-ref-check-")
        try:
            for n in names:
                build_case(CASES[n], os.path.join(tmp, n), verbose=False)
            ok = compare_trees(args.out, tmp, names)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print("CHECK PASSED" if ok else "CHECK FAILED")
        return 0 if ok else 1
    for n in names:
        folder = os.path.join(args.out, n)
        if os.path.isdir(folder):
            shutil.rmtree(folder)
        build_case(CASES[n], folder)
    with open(os.path.join(args.out, "cases.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"format": FORMAT, "cases": list(CASES)}, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
