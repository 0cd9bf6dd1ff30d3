#!/usr/bin/python3
"""LoRA adapter fixtures (issue 24, item 3): tests/Fixtures/lora/<case>/ for the reference cases pg1 and pg2.

For each case it writes a small Hugging Face PEFT-format adapter (adapter/adapter_config.json +
adapter/adapter_model.safetensors) with random A / B for linear layers of the vision tower, the projector and
the decoder, then runs the reference model (tests/Fixtures/reference/<case>/model, float64) with the adapter
applied UNMERGED: every targeted F.linear(x, W, b) becomes F.linear(x, W, b) + scale * (x A^T) B^T, where
scale = lora_alpha / r (alpha / sqrt(r) with use_rslora) per layer (rank_pattern / alpha_pattern honoured).
Expected values go to case.json + arrays.bin in the reference fixture format (tests/Fixtures/reference/README.md),
with the pixels and prompts of the reference case, so the C# test converts base + adapter with
`--lora` and compares exactly like the reference fidelity tests.

  /usr/bin/python3 tools/reference/make_lora_fixtures.py           # (re)write tests/Fixtures/lora
  /usr/bin/python3 tools/reference/make_lora_fixtures.py --check   # regenerate into a temp dir and compare (1e-6)

The two cases use the two key layouts PEFT produces for PaliGemma:
  pg1: transformers < 4.52 names  base_model.model.language_model.model.layers.N.self_attn.q_proj.lora_A.weight,
       target_modules as a list of suffixes, rank_pattern / alpha_pattern, F32 tensors;
  pg2: transformers >= 4.52 names base_model.model.model.language_model.layers.N.self_attn.q_proj.lora_A.weight,
       target_modules as a regular expression (PEFT: re.fullmatch), use_rslora, BF16 tensors.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from fixture_format import read_case, write_case  # noqa: E402
from paligemma_ref import PaliGemmaReference, greedy  # noqa: E402
from paligemma_ref import gemma as ref_gemma  # noqa: E402
from paligemma_ref import paligemma as ref_paligemma  # noqa: E402
from paligemma_ref import siglip as ref_siglip  # noqa: E402
from paligemma_ref.preprocess import pixel_values_from_uint8  # noqa: E402
from paligemma_ref.safetensors_io import round_to_dtype, write_safetensors  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
REF = os.path.join(REPO, "tests", "Fixtures", "reference")
DEFAULT_OUT = os.path.join(REPO, "tests", "Fixtures", "lora")
FORMAT = "paligemma-lora-fixture/1"
NUM_TOKENS = 32
DECODE_STEPS = 4          # decode rows kept (small fixtures); all 32 greedy ids are still compared
MIN_MARGIN = 1e-2

# Linear modules (legacy names without ".weight") and what each case targets.
CASES = {
    "pg1": dict(
        seed=24001, new_layout=False, dtype="F32",
        config={
            "r": 4, "lora_alpha": 8, "use_rslora": False, "fan_in_fan_out": False,
            "target_modules": ["q_proj", "v_proj", "out_proj", "fc1", "linear", "o_proj", "gate_proj", "down_proj"],
            "rank_pattern": {"fc1": 2}, "alpha_pattern": {"down_proj": 4},
        },
        b_std=0.5),
    "pg2": dict(
        seed=24002, new_layout=True, dtype="BF16",
        config={
            "r": 2, "lora_alpha": 6, "use_rslora": True, "fan_in_fan_out": False,
            "target_modules": r".*\.(self_attn\.(q_proj|k_proj|o_proj)|mlp\.(fc2|up_proj)|multi_modal_projector\.linear)",
            "rank_pattern": {}, "alpha_pattern": {},
        },
        b_std=0.5),
}

PEFT_FIELDS = {
    "peft_type": "LORA", "task_type": None, "base_model_name_or_path": None, "revision": None,
    "inference_mode": True, "lora_dropout": 0.0, "bias": "none", "modules_to_save": None,
    "init_lora_weights": True, "layers_to_transform": None, "layers_pattern": None, "use_dora": False,
    "exclude_modules": None,
}


def linear_modules(model: PaliGemmaReference):
    """Legacy names of every linear layer (2-D weights that are not embeddings)."""
    names = []
    for k, v in model.w.items():
        if k.endswith(".weight") and v.dim() == 2 and "embed" not in k and "embedding" not in k and k != "lm_head.weight":
            names.append(k[: -len(".weight")])
    return sorted(names)


def to_new_layout(module: str) -> str:
    for old, new in (("language_model.model.", "model.language_model."), ("vision_tower.", "model.vision_tower."),
                     ("multi_modal_projector.", "model.multi_modal_projector.")):
        if module.startswith(old):
            return new + module[len(old):]
    raise ValueError(module)


def peft_selects(target, key: str) -> bool:
    """PEFT's check_target_module_exists for a list (exact or '.'-suffix) or a string (re.fullmatch)."""
    if isinstance(target, str):
        return re.fullmatch(target, key) is not None
    return key in target or any(key.endswith("." + t) for t in target)


def pattern_value(patterns: dict, key: str, default):
    """PEFT's get_pattern_key: the first pattern p with re.match(rf"(.*\\.)?({p})$", key)."""
    for p, v in patterns.items():
        if re.match(rf"(.*\.)?({p})$", key):
            return v
    return default


def make_adapter(model: PaliGemmaReference, spec: dict, attempt: int):
    cfg = spec["config"]
    rng = np.random.default_rng(spec["seed"] + 1000 * attempt)
    tensors, lora = {}, {}
    for module in linear_modules(model):
        key = to_new_layout(module) if spec["new_layout"] else module
        if not peft_selects(cfg["target_modules"], key):
            continue
        r = pattern_value(cfg["rank_pattern"], key, cfg["r"])
        alpha = pattern_value(cfg["alpha_pattern"], key, cfg["lora_alpha"])
        scale = alpha / math.sqrt(r) if cfg["use_rslora"] else alpha / r
        out_dim, in_dim = model.w[module + ".weight"].shape
        a = round_to_dtype(rng.normal(0.0, 1.0 / math.sqrt(in_dim), (r, in_dim)).astype(np.float32), spec["dtype"])
        b = round_to_dtype((rng.normal(0.0, spec["b_std"], (out_dim, r)) / scale).astype(np.float32), spec["dtype"])
        tensors[f"base_model.model.{key}.lora_A.weight"] = (a, spec["dtype"])
        tensors[f"base_model.model.{key}.lora_B.weight"] = (b, spec["dtype"])
        lora[module] = (a.astype(np.float64), b.astype(np.float64), scale)
    return tensors, lora


class UnmergedLora:
    """Replaces F.linear in the reference modules: targeted weights (by tensor identity) get + scale * (x A^T) B^T."""

    def __init__(self, model: PaliGemmaReference, lora: dict):
        self._orig = F.linear
        self._by_id = {id(model.w[m + ".weight"]): (torch.from_numpy(a).to(model.dtype), torch.from_numpy(b).to(model.dtype), s)
                       for m, (a, b, s) in lora.items()}
        self.calls = 0

    def linear(self, x, weight, bias=None):
        y = self._orig(x, weight, bias)
        found = self._by_id.get(id(weight))
        if found is not None:
            a, b, s = found
            self.calls += 1
            y = y + s * self._orig(self._orig(x, a), b)
        return y

    def __enter__(self):
        for mod in (ref_siglip.F, ref_gemma.F):
            mod.linear = self.linear
        ref_paligemma.torch.nn.functional.linear = self.linear
        return self

    def __exit__(self, *exc):
        F.linear = self._orig
        ref_paligemma.torch.nn.functional.linear = self._orig
        return False


def build_case(name: str, folder: str, verbose: bool = True) -> None:
    spec = CASES[name]
    ref_meta, ref_arrays = read_case(os.path.join(REF, name))
    model = PaliGemmaReference.from_folder(os.path.join(REF, name, "model"), dtype=torch.float64)
    pixel_values = pixel_values_from_uint8(ref_arrays["pixels_u8"])
    prompt, text_prompt = ref_meta["prompt_ids"], ref_meta["text_only"]["prompt_ids"]
    positions = ref_meta["prefill_positions"]
    for attempt in range(20):
        tensors, lora = make_adapter(model, spec, attempt)
        with UnmergedLora(model, lora) as hook, torch.no_grad():
            feats = model.projected_image_features(torch.from_numpy(pixel_values))[0].numpy()
            res = greedy(model, prompt, pixel_values, NUM_TOKENS, DECODE_STEPS, window_mode="hf")
            res_t = greedy(model, text_prompt, None, NUM_TOKENS, DECODE_STEPS, window_mode="hf")
            assert hook.calls > 0
        margin = min(min(res.margins), min(res_t.margins))
        if margin >= MIN_MARGIN and 1408 not in res.tokens + res_t.tokens:
            break
    else:
        raise SystemExit(f"[{name}] no adapter seed gave well-separated greedy choices")
    towers = sorted({m.split(".")[0] for m in lora})
    if towers != ["language_model", "multi_modal_projector", "vision_tower"]:
        raise SystemExit(f"[{name}] adapter targets only {towers}")
    # the adapter must matter: distance from the base model's stored logits
    moved = float(np.abs(res.prefill_logits[-1] - ref_arrays["prefill_logits_last"]).max())
    moved_feats = float(np.abs(feats - ref_arrays["image_features"]).max())
    if moved < 0.1 or moved_feats < 0.01:
        raise SystemExit(f"[{name}] the adapter barely changes the model (logits {moved}, features {moved_feats})")

    adapter_dir = os.path.join(folder, "adapter")
    os.makedirs(adapter_dir, exist_ok=True)
    config = dict(PEFT_FIELDS)
    config.update(spec["config"])
    with open(os.path.join(adapter_dir, "adapter_config.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    write_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"), tensors)

    meta = {
        "format": FORMAT,
        "case": name,
        "description": f"reference case {name} + a PEFT LoRA adapter ({'new' if spec['new_layout'] else 'legacy'} key layout, "
                       f"{len(lora)} layers in vision tower, projector and decoder, {spec['dtype']}), applied unmerged",
        "base_case": name,
        "adapter_dir": "adapter",
        "adapter_seed_attempt": attempt,
        "targets": sorted(lora),
        "scales": {m: round(s, 6) for m, (_, _, s) in sorted(lora.items())},
        "compute_dtype": "float64 (stored as float32)",
        "logits_moved_by_adapter": round(moved, 4),
        "features_moved_by_adapter": round(moved_feats, 4),
        "prompt_ids": prompt,
        "prefill_positions": positions,
        "decode_steps": DECODE_STEPS,
        "decode_inputs": res.tokens[:DECODE_STEPS],
        "greedy_tokens": res.tokens,
        "min_greedy_margin": round(min(res.margins), 6),
        "text_only": {"prompt_ids": text_prompt, "greedy_tokens": res_t.tokens,
                      "min_greedy_margin": round(min(res_t.margins), 6)},
    }
    arrays = [
        ("image_features", feats),
        ("prefill_logits_last", res.prefill_logits[-1]),
        ("prefill_logits_at", res.prefill_logits[positions]),
        ("decode_logits", res.decode_logits),
        ("greedy_tokens", np.asarray(res.tokens, dtype=np.int32)),
        ("text_only.prefill_logits_last", res_t.prefill_logits[-1]),
        ("text_only.decode_logits", res_t.decode_logits),
        ("text_only.greedy_tokens", np.asarray(res_t.tokens, dtype=np.int32)),
    ]
    write_case(folder, meta, arrays)
    if verbose:
        print(f"[{name}] {len(lora)} LoRA layers, attempt {attempt}, margin {margin:.4f}, logits moved {moved:.3f}, "
              f"features moved {moved_feats:.3f}, tokens {res.tokens[:8]}...")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="regenerate into a temp dir and compare with --out")
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    if args.check:
        tmp = tempfile.mkdtemp(prefix="pg-lora-check-")
        ok = True
        try:
            for n in CASES:
                build_case(n, os.path.join(tmp, n), verbose=False)
                for rel in ("adapter/adapter_config.json", "adapter/adapter_model.safetensors"):
                    with open(os.path.join(args.out, n, rel), "rb") as e, open(os.path.join(tmp, n, rel), "rb") as a:
                        same = e.read() == a.read()
                    print(f"  {n}/{rel}: {'identical' if same else 'DIFFERENT'}")
                    ok &= same
                _, ea = read_case(os.path.join(args.out, n))
                _, aa = read_case(os.path.join(tmp, n))
                worst = max(float(np.abs(v.astype(np.float64) - aa[k]).max()) for k, v in ea.items())
                print(f"  {n}/arrays.bin: max |diff| = {worst:.3e}")
                ok &= worst <= 1e-6
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print("CHECK PASSED" if ok else "CHECK FAILED")
        return 0 if ok else 1
    for n in CASES:
        folder = os.path.join(args.out, n)
        if os.path.isdir(folder):
            shutil.rmtree(folder)
        build_case(n, folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
