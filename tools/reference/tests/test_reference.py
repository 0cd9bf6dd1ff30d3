"""Self-checks of the reference implementation. Run:  /usr/bin/python3 -m unittest discover -s tools/reference/tests -v
(or  /usr/bin/python3 tools/reference/make_fixtures.py --selftest). Uses the committed fixtures."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from fixture_format import read_case  # noqa: E402
from paligemma_ref import PaliGemmaReference, greedy, parse_config, read_safetensors, write_safetensors  # noqa: E402
from paligemma_ref.gemma import attention_allowed  # noqa: E402
from paligemma_ref.safetensors_io import float32_to_bf16_bits, read_header  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "tests", "Fixtures", "reference")


def load_case(name):
    folder = os.path.join(FIXTURES, name)
    meta, arrays = read_case(folder)
    model = PaliGemmaReference.from_folder(os.path.join(folder, meta["model_dir"]))
    pv = arrays["pixels_u8"].astype(np.float64) * (1.0 / 255.0)
    pv = ((pv.astype(np.float32) - np.float32(0.5)) / np.float32(0.5)).transpose(2, 0, 1)[None].copy()
    return meta, arrays, model, pv


def prefill(model, ids, pv, **kw):
    with torch.no_grad():
        return model.forward(torch.tensor([ids]), torch.from_numpy(pv), model.new_cache(), **kw)[0]


class SafetensorsTests(unittest.TestCase):
    def test_roundtrip_and_bf16_rounding(self):
        tmp = tempfile.mkdtemp()
        try:
            bits = np.array([0x3F800000, 0x3F808000, 0x3F818000, 0xBF80C000], dtype=np.uint32)
            vals = bits.view(np.float32)
            # ties go to even: 1+2^-8 -> 1.0 (0x3F80); 0x3F818000 -> 0x3F82; 0xBF80C000 rounds up in magnitude
            self.assertEqual(list(float32_to_bf16_bits(vals)), [0x3F80, 0x3F80, 0x3F82, 0xBF81])
            a = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
            path = os.path.join(tmp, "t.safetensors")
            write_safetensors(path, {"b": (a, "BF16"), "a": (a, "F32"), "c": (a, "F16")})
            t, dt = read_safetensors(path)
            self.assertEqual(dt, {"a": "F32", "b": "BF16", "c": "F16"})
            np.testing.assert_array_equal(t["a"], a)
            np.testing.assert_allclose(t["b"], a, rtol=2 ** -8)
            np.testing.assert_allclose(t["c"], a, rtol=2 ** -11)
            header, start = read_header(path)
            self.assertEqual((start - 8) % 8, 0)
            self.assertEqual(header["__metadata__"], {"format": "pt"})
            ends = sorted(v["data_offsets"] for k, v in header.items() if k != "__metadata__")
            self.assertEqual(ends[0][0], 0)
            for x, y in zip(ends, ends[1:]):
                self.assertEqual(x[1], y[0])
            self.assertEqual(ends[-1][1], os.path.getsize(path) - start)
        finally:
            shutil.rmtree(tmp)


class ConfigTests(unittest.TestCase):
    def test_hf_defaults_are_applied(self):
        pg1 = parse_config({"model_type": "paligemma", "projection_dim": 2048, "image_token_index": 257152,
                            "text_config": {"model_type": "gemma", "hidden_size": 2048, "intermediate_size": 16384,
                                            "num_attention_heads": 8, "num_hidden_layers": 18,
                                            "num_key_value_heads": 1, "vocab_size": 257216},
                            "vision_config": {"hidden_size": 1152, "intermediate_size": 4304, "patch_size": 14,
                                              "num_attention_heads": 16, "num_hidden_layers": 27}})
        self.assertEqual(pg1.text.head_dim, 256)
        self.assertEqual(pg1.text.rope_theta, 10000.0)
        self.assertAlmostEqual(pg1.text.attention_scaling, 256 ** -0.5)
        self.assertEqual(pg1.vision.image_size, 224)
        self.assertEqual(pg1.num_image_tokens, 256)
        pg2 = parse_config({"model_type": "paligemma", "hidden_size": 2048, "projection_dim": 2304,
                            "text_config": {"model_type": "gemma2", "hidden_size": 2304, "num_hidden_layers": 26,
                                            "intermediate_size": 9216, "vocab_size": 257216},
                            "vision_config": {"hidden_size": 1152, "intermediate_size": 4304, "patch_size": 14,
                                              "num_attention_heads": 16, "num_hidden_layers": 27,
                                              "image_size": 896}})
        self.assertEqual(pg2.text.hidden_size, 2304)          # not the stale top-level 2048
        self.assertEqual(pg2.text.attn_logit_softcapping, 50.0)
        self.assertEqual(pg2.text.final_logit_softcapping, 30.0)
        self.assertEqual(pg2.text.sliding_window, 4096)
        self.assertEqual([pg2.text.layer_is_sliding(i) for i in range(4)], [True, False, True, False])
        self.assertAlmostEqual(pg2.text.attention_scaling, 256 ** -0.5)
        self.assertEqual(pg2.num_image_tokens, 4096)

    def test_window_inequalities(self):
        q = torch.arange(6)
        hf = attention_allowed(q, q, prompt_len=4, window=2, window_mode="hf")
        legacy = attention_allowed(q, q, prompt_len=4, window=2, window_mode="hf_legacy")
        sym = attention_allowed(q, q, prompt_len=4, window=2, window_mode="symmetric")
        self.assertTrue(bool(hf[3, 0]) and bool(hf[0, 3]))             # prompt never windowed
        self.assertFalse(bool(legacy[3, 0]) or bool(legacy[2, 0]))     # q - k >= W cut
        self.assertTrue(bool(legacy[3, 2]) and bool(legacy[0, 3]))     # future prompt keys kept
        self.assertFalse(bool(sym[0, 3]) or bool(sym[0, 2]))           # |q - k| < W
        for m in (hf, legacy, sym):                                    # decode: keys k > q - W only
            self.assertEqual(m[5].tolist(), [False, False, False, False, True, True])


class ModelTests(unittest.TestCase):
    def test_bidirectional_prefix(self):
        meta, _, model, pv = load_case("pg1")
        ids = list(meta["prompt_ids"])
        n_img, L = meta["num_image_tokens"], meta["prompt_length"]
        changed = list(ids)
        changed[L - 2] = 3 if ids[L - 2] != 3 else 4           # last prefix token before "\n"
        early = [0, n_img, L - 3]                              # an image position, <bos>, an earlier prefix token
        a, b = prefill(model, ids, pv), prefill(model, changed, pv)
        d_bi = float((a[early] - b[early]).abs().max())
        ac, bc = prefill(model, ids, pv, causal_prompt=True), prefill(model, changed, pv, causal_prompt=True)
        d_causal = float((ac[: L - 2] - bc[: L - 2]).abs().max())
        print(f"\n  prefix-LM: changing prompt token {L - 2} moves logits at positions {early} by {d_bi:.3e}; "
              f"causal variant moves positions < {L - 2} by {d_causal:.1e}")
        self.assertGreater(d_bi, 1e-3)
        self.assertEqual(d_causal, 0.0)

    def test_cached_decode_equals_full_forward(self):
        for name in ("pg1", "pg2_window"):
            meta, arrays, model, pv = load_case(name)
            L, steps = meta["prompt_length"], meta["decode_steps"]
            ids = list(meta["prompt_ids"]) + meta["greedy_tokens"][:steps]
            with torch.no_grad():
                full = model.forward(torch.tensor([ids]), torch.from_numpy(pv), model.new_cache(), prompt_len=L)[0]
            d = float(np.abs(full[L:].numpy() - arrays["decode_logits"]).max())
            print(f"\n  {name}: one forward over prompt+generated (prefix-LM mask) vs cached decode: {d:.2e}")
            self.assertLess(d, 1e-5)

    def test_image_features_net_scaling(self):
        meta, arrays, model, pv = load_case("pg2")
        ids = torch.tensor([meta["prompt_ids"]])
        with torch.no_grad():
            emb = model.input_embeddings(ids, torch.from_numpy(pv))[0]
            proj = model.projected_image_features(torch.from_numpy(pv))[0]
        n, d = meta["num_image_tokens"], model.cfg.text.hidden_size
        normalizer = torch.tensor(d ** 0.5, dtype=emb.dtype)
        net = emb[:n] * normalizer
        self.assertLess(float((net - proj).abs().max()), 1e-12)  # image rows: unscaled projector output
        tok = meta["prompt_ids"][n]
        text = emb[n] * normalizer
        want = model.w["language_model.model.embed_tokens.weight"][tok] * d ** 0.5
        self.assertLess(float((text - want).abs().max()), 1e-12)
        np.testing.assert_allclose(proj.numpy(), arrays["image_features"], atol=1e-5)

    def test_new_key_layout_loads_identically(self):
        meta, arrays, model, pv = load_case("pg2_28b_heads")
        src = os.path.join(FIXTURES, "pg2_28b_heads", "model")
        tmp = tempfile.mkdtemp()
        try:
            tensors, dtypes = read_safetensors(os.path.join(src, "model.safetensors"))
            renamed = {}
            for k, v in tensors.items():
                nk = k.replace("language_model.model.", "model.language_model.", 1) if k.startswith("language_model.") \
                    else "model." + k
                renamed[nk] = (v, dtypes[k])
            renamed["lm_head.weight"] = (tensors["language_model.model.embed_tokens.weight"], "BF16")
            write_safetensors(os.path.join(tmp, "model.safetensors"), renamed)
            shutil.copy(os.path.join(src, "config.json"), tmp)
            other = PaliGemmaReference.from_folder(tmp)
            ids = meta["prompt_ids"]
            d = float((prefill(model, ids, pv)[-1] - prefill(other, ids, pv)[-1]).abs().max())
            self.assertEqual(d, 0.0)
            np.testing.assert_allclose(prefill(model, ids, pv)[-1].numpy(), arrays["prefill_logits_last"], atol=1e-5)
        finally:
            shutil.rmtree(tmp)

    def test_fixture_values_reproduce(self):
        for name in ("pg2_softcap", "pg1_448"):
            meta, arrays, model, pv = load_case(name)
            res = greedy(model, meta["prompt_ids"], pv, 32, meta["decode_steps"])
            self.assertEqual(res.tokens, meta["greedy_tokens"])
            self.assertLess(float(np.abs(res.decode_logits - arrays["decode_logits"]).max()), 1e-6)
            text = greedy(model, meta["text_only"]["prompt_ids"], None, 32, meta["decode_steps"])
            self.assertEqual(text.tokens, meta["text_only"]["greedy_tokens"])
            self.assertLess(float(np.abs(text.decode_logits - arrays["text_only.decode_logits"]).max()), 1e-6)
            with open(os.path.join(FIXTURES, name, "model", "config.json")) as f:
                cfg = json.load(f)
            self.assertEqual(cfg["model_type"], "paligemma")

    def test_float32_run_is_close_to_float64_oracle(self):
        meta, arrays, _, pv = load_case("pg2")
        m32 = PaliGemmaReference.from_folder(os.path.join(FIXTURES, "pg2", "model"), dtype=torch.float32)
        res = greedy(m32, meta["prompt_ids"], pv, 32, meta["decode_steps"])
        d = float(np.abs(res.decode_logits - arrays["decode_logits"]).max())
        print(f"\n  pg2: float32 run vs stored float64 oracle, decode logits max |diff| {d:.2e}")
        self.assertLess(d, 2e-5)
        self.assertEqual(res.tokens, meta["greedy_tokens"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
