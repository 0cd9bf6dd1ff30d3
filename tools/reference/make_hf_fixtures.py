#!/usr/bin/env python3
"""Gold fixtures from Hugging Face transformers (issue 5, part 5). Needs torch + transformers (+ pillow,
numpy); a GPU is optional. NOT run in CI. See tools/reference/README.md.

For every case in tests/Fixtures/reference/<case>/ it loads <case>/model/ unchanged into
transformers' PaliGemmaForConditionalGeneration (float32 by default, attn_implementation="eager"), feeds
exactly the same pixels and prompt ids, and writes tests/Fixtures/hf/<case>/{case.json, arrays.bin} in the
same format (arrays: image_features, prefill_logits_last, prefill_logits_at, decode_logits, greedy_tokens).
It also prints how far HF is from the reference oracle, per array.

  python tools/reference/make_hf_fixtures.py [--case pg2 ...] [--device cuda|cpu] [--dtype float32|float64]
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from fixture_cases import CASES  # noqa: E402
from fixture_format import read_case, write_case  # noqa: E402
from paligemma_ref.preprocess import pixel_values_from_uint8  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
REF = os.path.join(REPO, "tests", "Fixtures", "reference")
OUT = os.path.join(REPO, "tests", "Fixtures", "hf")
FORMAT = "paligemma-hf-fixture/1"


def _version_tuple(v: str):
    parts = []
    for p in v.split(".")[:2]:
        digits = "".join(ch for ch in p if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def load_hf(model_dir: str, dtype: torch.dtype, device: str):
    import transformers
    from transformers import PaliGemmaForConditionalGeneration
    key = "dtype" if _version_tuple(transformers.__version__) >= (4, 56) else "torch_dtype"
    model, info = PaliGemmaForConditionalGeneration.from_pretrained(
        model_dir, attn_implementation="eager", output_loading_info=True, **{key: dtype})
    missing = [k for k in info.get("missing_keys", []) if not k.endswith("lm_head.weight")]
    unexpected = list(info.get("unexpected_keys", []))
    if missing or unexpected:
        raise SystemExit(f"{model_dir}: checkpoint does not match transformers' model: missing {missing[:5]}, "
                         f"unexpected {unexpected[:5]}")
    out_w, in_w = model.get_output_embeddings().weight, model.get_input_embeddings().weight
    if out_w.data_ptr() != in_w.data_ptr() and not torch.equal(out_w, in_w):
        raise SystemExit(f"{model_dir}: lm_head is not tied to embed_tokens in this transformers version")
    model.to(device).eval()
    return model


def _as_tensor(x):
    if torch.is_tensor(x):
        return x
    for name in ("image_embeds", "pooler_output", "last_hidden_state"):
        if getattr(x, name, None) is not None:
            return getattr(x, name)
    if isinstance(x, (tuple, list)):
        return x[0]
    raise TypeError(f"cannot interpret get_image_features output of type {type(x)}")


def hf_pixel_parity(folder: str, size: int, ours: np.ndarray) -> float:
    """max |HF SiglipImageProcessor(image.png) - our pixel_values| (the PIL path is tested separately in C#)."""
    from PIL import Image
    from transformers import SiglipImageProcessor
    proc = SiglipImageProcessor(do_resize=True, size={"height": size, "width": size}, resample=3,
                                do_rescale=True, rescale_factor=1 / 255, do_normalize=True,
                                image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
    pv = proc(images=Image.open(os.path.join(folder, "image.png")).convert("RGB"), return_tensors="np")["pixel_values"]
    return float(np.abs(pv.astype(np.float64) - ours).max())


def hf_greedy(model, ids, pv, n_tokens):
    """Returns (prompt logits [L, V], raw logits of each generated step [n_tokens, V], greedy ids).
    Step 0's logits are the prefill's last row; step t's are those after feeding token t-1."""
    L = ids.shape[1]
    with torch.no_grad():
        kw = {} if pv is None else {"pixel_values": pv}
        # one forward over the prompt, no cache (token_type_ids 0 = prefix: bidirectional in every version)
        full = model(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids),
                     use_cache=False, **kw).logits[0].float().cpu().numpy()
        # greedy through HF's own cache machinery; eos suppressed so exactly n_tokens come out
        gen = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                             token_type_ids=torch.zeros_like(ids), do_sample=False, max_new_tokens=n_tokens,
                             min_new_tokens=n_tokens, pad_token_id=0, output_logits=True,
                             return_dict_in_generate=True, **kw)
    tokens = [int(t) for t in gen.sequences[0, L:].tolist()]
    steps = torch.stack([x[0].float() for x in gen.logits]).cpu().numpy()
    return full, steps, tokens


def run_case(name: str, device: str, dtype: torch.dtype, out_root: str) -> dict:
    import transformers
    folder = os.path.join(REF, name)
    meta, ref = read_case(folder)
    model = load_hf(os.path.join(folder, meta["model_dir"]), dtype, device)
    pv_np = pixel_values_from_uint8(ref["pixels_u8"])
    pv = torch.from_numpy(pv_np).to(device=device, dtype=dtype)
    ids = torch.tensor([meta["prompt_ids"]], device=device)
    L, steps, n_tokens = meta["prompt_length"], meta["decode_steps"], len(meta["greedy_tokens"])
    text_hidden = model.config.text_config.hidden_size

    with torch.no_grad():
        feats = _as_tensor(model.get_image_features(pv))[0] * (text_hidden ** 0.5)
    full, step_logits, tokens = hf_greedy(model, ids, pv, n_tokens)
    decode = step_logits[1: 1 + steps]            # logits after feeding tokens[t]
    positions = meta["prefill_positions"]
    arrays = [
        ("image_features", feats.float().cpu().numpy()),
        ("prefill_logits_last", full[-1]),
        ("prefill_logits_at", full[positions]),
        ("decode_logits", decode),
        ("greedy_tokens", np.asarray(tokens, dtype=np.int32)),
    ]
    text = meta.get("text_only")
    if text:
        t_ids = torch.tensor([text["prompt_ids"]], device=device)
        t_full, t_steps, t_tokens = hf_greedy(model, t_ids, None, len(text["greedy_tokens"]))
        arrays += [("text_only.prefill_logits_last", t_full[-1]),
                   ("text_only.decode_logits", t_steps[1: 1 + steps]),
                   ("text_only.greedy_tokens", np.asarray(t_tokens, dtype=np.int32))]
    diffs = {k: float(np.abs(np.asarray(v, np.float64) - ref[k]).max()) for k, v in arrays
             if not k.endswith("greedy_tokens")}
    diffs["generate_step0_vs_prefill_last"] = float(np.abs(step_logits[0] - full[-1]).max())
    for mode in meta.get("alt_window_modes", {}):
        diffs[f"decode_logits_vs_reference_{mode}"] = float(np.abs(decode - ref[f"{mode}.decode_logits"]).max())
        diffs[f"prefill_logits_last_vs_reference_{mode}"] = float(
            np.abs(full[-1] - ref[f"{mode}.prefill_logits_last"]).max())
    try:
        pixel_parity = hf_pixel_parity(folder, meta["image_size"], pv_np)
    except Exception as e:  # keep the logits even if the processor API moved
        pixel_parity = f"not computed: {e}"
    hf_meta = {
        "format": FORMAT,
        "case": name,
        "reference_case": f"../../reference/{name}",
        "source": "transformers PaliGemmaForConditionalGeneration, attn_implementation=eager",
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "device": torch.cuda.get_device_name(0) if device.startswith("cuda") else device,
        "dtype": str(dtype).replace("torch.", ""),
        "prompt_ids": meta["prompt_ids"],
        "prompt_length": L,
        "prefill_positions": positions,
        "decode_steps": steps,
        "greedy_tokens": tokens,
        "greedy_tokens_match_reference": tokens == meta["greedy_tokens"],
        "text_only": None if not text else {"prompt_ids": text["prompt_ids"], "greedy_tokens": t_tokens,
                                            "greedy_tokens_match_reference": t_tokens == text["greedy_tokens"]},
        "max_abs_diff_vs_reference": {k: float(f"{v:.3e}") for k, v in diffs.items()},
        "hf_processor_vs_reference_pixels": pixel_parity,
    }
    os.makedirs(os.path.join(out_root, name), exist_ok=True)
    write_case(os.path.join(out_root, name), hf_meta, arrays)
    print(f"[{name}] tokens match reference: {hf_meta['greedy_tokens_match_reference']}; "
          f"max |HF - reference|: {hf_meta['max_abs_diff_vs_reference']}; pixels: {pixel_parity}")
    return hf_meta


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", action="append", choices=sorted(CASES))
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    if args.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False  # TF32 would cost ~1e-3 relative precision
        torch.backends.cudnn.allow_tf32 = False
    dtype = getattr(torch, args.dtype)
    ok = True
    for name in args.case or list(CASES):
        m = run_case(name, args.device, dtype, args.out)
        ok &= bool(m["greedy_tokens_match_reference"])
    print("ALL TOKENS MATCH" if ok else "SOME TOKENS DIFFER (see case.json max_abs_diff_vs_reference)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
