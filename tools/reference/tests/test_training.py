"""Self-checks of the training pieces (issue 9): scenes, tokenizer, batch masks, masked forward = inference
forward, gradients flow, VQ-VAE round trip of the npz layout. Run: /usr/bin/python3 -m unittest discover -s tests"""

import json
import os
import sys
import tempfile
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scenes import generate_scene, sample_task  # noqa: E402
from scenes.tasks import encode_box, mask_crop64, segment_example  # noqa: E402
from training.data import loss_fn, make_batch, scene_examples, segment_turn_targets  # noqa: E402
from training.model import TrainableModel, init_weights, recipe_config  # noqa: E402
from training.tokenizer import BpeTokenizer  # noqa: E402
from training.vqvae import MaskVqVae  # noqa: E402


def tiny_tokenizer(folder):
    """A minimal Gemma-style tokenizer.json: specials, bytes, a few characters, one merge, loc/seg/image."""
    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for c in "\u2581abcdeirlnt0123456789;?":
        vocab[c] = len(vocab)
    vocab["ci"] = len(vocab)
    added = [{"id": i, "content": s} for s, i in list(vocab.items())[:4]]
    for s in ["\n"] + [f"<loc{i:04d}>" for i in range(1024)] + [f"<seg{i:03d}>" for i in range(128)] + ["<image>"]:
        added.append({"id": len(vocab), "content": s})
        vocab[s] = len(vocab)
    path = os.path.join(folder, "tokenizer.json")
    with open(path, "w") as f:
        json.dump({"added_tokens": added, "model": {"type": "BPE", "vocab": vocab, "merges": ["c i"]}}, f)
    return path, vocab


class TrainingTests(unittest.TestCase):
    def test_scene_is_deterministic_and_consistent(self):
        a, b = generate_scene(5), generate_scene(5)
        self.assertEqual(a.caption, b.caption)
        self.assertTrue(np.array_equal(np.asarray(a.image), np.asarray(b.image)))
        for o in a.objects:
            ys, xs = np.nonzero(o.mask)
            self.assertEqual((xs.min(), ys.min(), xs.max() + 1, ys.max() + 1), o.box)

    def test_write_saves_label_masks_and_keeps_the_record_format(self):
        from PIL import Image
        from scenes.__main__ import write
        with tempfile.TemporaryDirectory() as d:
            write(d, 3, 2)
            with open(os.path.join(d, "scenes.jsonl")) as f:
                records = [json.loads(line) for line in f]
            self.assertEqual([r["seed"] for r in records], [3, 4])
            for r in records:
                self.assertEqual(list(r), ["seed", "image", "size", "caption", "text", "counts", "objects", "masks"])
                self.assertEqual(r["masks"], f"scene-{r['seed']}-masks.png")
                labels = Image.open(os.path.join(d, r["masks"]))
                self.assertEqual((labels.mode, labels.size), ("L", (r["size"], r["size"])))
                labels = np.asarray(labels)
                scene = generate_scene(r["seed"])
                self.assertEqual(int(labels.max()), len(scene.objects))
                for i, o in enumerate(scene.objects):
                    self.assertTrue(np.array_equal(labels == i + 1, o.mask), f"seed {r['seed']} object {i}")
                    self.assertEqual(r["objects"][i]["box_xyxy"], list(o.box))

    def test_box_bins_follow_the_parser_convention(self):
        self.assertEqual(encode_box((0, 0, 224, 112), 224), [0, 0, 512, 1023])
        self.assertEqual(encode_box((56, 28, 57, 29), 224), [128, 256, 133, 261])

    def test_tokenizer_encodes_specials_merges_and_byte_fallback(self):
        with tempfile.TemporaryDirectory() as d:
            path, vocab = tiny_tokenizer(d)
            tok = BpeTokenizer(path)
            ids = tok.encode("<loc0012>circle Z\n")
            self.assertEqual(ids[0], vocab["<loc0012>"])
            self.assertEqual(ids[1], vocab["ci"])
            self.assertIn(vocab["<0x5A>"], ids)
            self.assertEqual(ids[-1], vocab["\n"])
            self.assertEqual(tok.decode(ids), "<loc0012>circle Z\n")

    def _model(self, d):
        path, vocab = tiny_tokenizer(d)
        template = {"model_type": "paligemma", "image_token_index": vocab["<image>"], "projection_dim": 64,
                    "text_config": {"model_type": "gemma2", "vocab_size": len(vocab)},
                    "vision_config": {"model_type": "siglip_vision_model"}}
        cfg = recipe_config(template, 56, 32, 1, 64, 2)
        return BpeTokenizer(path), TrainableModel(cfg, init_weights(cfg, 0), torch.device("cpu"))

    def test_masked_batch_forward_equals_inference_prompt_forward(self):
        with tempfile.TemporaryDirectory() as d:
            tok, model = self._model(d)
            ex = scene_examples([1, 2], 56, np.random.default_rng(0))
            ids, px, attn, lm = make_batch(tok, ex, model.cfg.num_image_tokens)
            with torch.no_grad():
                batched = model.logits(ids, px, attn)
                n_prompt = int((~lm[0]).nonzero().max()) + 1 if lm[0].any() else ids.shape[1]
                first = int(lm[0].nonzero().min())
                one = model.ref.forward(ids[:1, :first], px[:1], model.ref.new_cache())
            self.assertLess(float((batched[0, :first] - one[0]).abs().max()), 1e-4)
            self.assertGreater(n_prompt, 0)

    def test_two_steps_reduce_the_loss_and_every_weight_gets_a_gradient(self):
        with tempfile.TemporaryDirectory() as d:
            tok, model = self._model(d)
            ex = scene_examples([3, 4], 56, np.random.default_rng(1))
            batch = make_batch(tok, ex, model.cfg.num_image_tokens)
            opt = torch.optim.Adam(model.parameters(), lr=3e-3)
            losses = []
            for _ in range(3):
                loss = loss_fn(model.logits(*batch[:3]), batch[0], batch[3])
                opt.zero_grad()
                loss.backward()
                missing = [k for k, v in model.ref.w.items() if v.grad is None]
                self.assertEqual(missing, [])
                opt.step()
                losses.append(float(loss))
            self.assertLess(losses[-1], losses[0])

    def test_an_exported_folder_starts_a_stage_with_its_weights_and_step_count(self):
        from training.loop import _hf_start
        with tempfile.TemporaryDirectory() as d:
            _, model = self._model(d)
            model.export(os.path.join(d, "hf"), d)
            ck = _hf_start(os.path.join(d, "hf"), model.cfg_dict, 1234)
        self.assertEqual(ck["config"], model.cfg_dict)  # the export's fp16 storage type is not a config difference
        self.assertEqual(ck["step"], 1234)
        self.assertEqual(ck["log"]["step"], [])
        self.assertEqual(sorted(ck["weights"]), sorted(model.ref.w))
        for k, v in model.state().items():
            self.assertEqual(ck["weights"][k].dtype, torch.float32)
            self.assertTrue(torch.allclose(ck["weights"][k], v, rtol=1e-3, atol=1e-4), k)  # fp16 round trip

    def test_vae_npz_has_the_decoder_layout_and_round_trips(self):
        vae = MaskVqVae()
        s = generate_scene(0)
        o = s.objects[0]
        crop = torch.from_numpy(mask_crop64(o.mask, encode_box(o.box, s.size), s.size))[None]
        codes = vae.encode(crop)
        self.assertEqual(tuple(codes.shape), (1, 16))
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "vae.npz")
            np.savez(p, **vae.state_npz())
            keys = set(np.load(p).files)
            self.assertIn("_vq_vae._embedding", keys)
            self.assertIn("decoder.12.weight", keys)
            self.assertIn("decoder.2.net.4.bias", keys)
            other = MaskVqVae().load_npz(p)
            self.assertTrue(torch.equal(other.encode(crop), codes))

    def test_sample_task_formats(self):
        s = generate_scene(2)
        rng = np.random.default_rng(0)
        seen = {}
        for _ in range(60):
            t = sample_task(s, rng, lambda m: list(range(16)))
            seen[t.task] = t
        self.assertTrue(seen["segment"].suffix.startswith("<loc"))
        self.assertIn("<seg015>", seen["segment"].suffix)
        self.assertTrue(seen["answer"].prefix.startswith("answer en how many "))

    def test_soft_location_targets(self):
        from training.data import loss_fn
        torch.manual_seed(0)
        vocab, loc0 = 1200, 100
        logits = torch.randn(2, 5, vocab)
        ids = torch.tensor([[1, 2, 3, 4, 5], [1, loc0 + 500, 7, loc0 + 3, 9]])
        mask = torch.tensor([[0, 1, 1, 1, 1], [0, 1, 1, 1, 1]], dtype=torch.bool)
        hard = loss_fn(logits, ids, mask)
        self.assertTrue(torch.allclose(hard, loss_fn(logits, ids, mask, loc0, 0.0)))
        # without location targets the soft loss is the plain cross-entropy
        self.assertTrue(torch.allclose(loss_fn(logits[:1], ids[:1], mask[:1]), loss_fn(logits[:1], ids[:1], mask[:1], loc0, 8.0)))
        # a location target is a Gaussian over the bins: logits equal to log q give 0 for that position, and the loss
        # grows as the prediction moves away from the true bin
        bins = torch.arange(1024, dtype=torch.float32)
        q = torch.exp(-0.5 * ((bins - 500) / 8.0) ** 2)
        q = q / q.sum()
        best = torch.full((1, 2, vocab), -1e9)
        best[0, 0, loc0:loc0 + 1024] = torch.log(q.clamp_min(1e-30))
        one = torch.tensor([[1, loc0 + 500]])
        m = torch.tensor([[0, 1]], dtype=torch.bool)
        self.assertLess(float(loss_fn(best, one, m, loc0, 8.0)), 1e-4)
        near, far = best.clone(), best.clone()
        near[0, 0, loc0:loc0 + 1024] = torch.roll(best[0, 0, loc0:loc0 + 1024], 4)
        far[0, 0, loc0:loc0 + 1024] = torch.roll(best[0, 0, loc0:loc0 + 1024], 40)
        self.assertLess(float(loss_fn(near, one, m, loc0, 8.0)), float(loss_fn(far, one, m, loc0, 8.0)))
        self.assertGreater(float(loss_fn(logits, ids, mask, loc0, 8.0)), 0.0)

    def test_patch_labels_mark_the_objects_patches(self):
        from training.data import patch_labels
        from scenes.scene import COLOURS, SHAPES
        s = generate_scene(9)
        lab = patch_labels(s, 8)
        self.assertEqual(lab.shape, (2, 64))
        for o in s.objects:  # the patch holding the centre of the box belongs to the object
            x1, y1, x2, y2 = o.box
            r, c = ((y1 + y2) // 2) // 28, ((x1 + x2) // 2) // 28
            self.assertEqual(lab[0, r * 8 + c], 1 + SHAPES.index(o.shape))
            self.assertEqual(lab[1, r * 8 + c], 1 + list(COLOURS).index(o.colour))
        covered = np.zeros((224, 224), bool)
        for o in s.objects:
            covered |= o.mask
        per_patch = covered.reshape(8, 28, 8, 28).mean(axis=(1, 3)).reshape(-1)
        self.assertTrue(np.all(lab[0][per_patch == 0] == 0))  # empty patches are background

    def test_patch_boxes_give_each_object_patch_its_whole_box(self):
        from training.data import patch_boxes, patch_labels
        s = generate_scene(9)
        boxes, lab = patch_boxes(s, 8), patch_labels(s, 8)
        self.assertEqual(boxes.shape, (64, 4))
        np.testing.assert_array_equal(boxes[:, 0] >= 0, lab[0] > 0)  # a box exactly where a shape label is
        for o in s.objects:  # the centre patch carries the object's box as y1, x1, y2, x2 fractions
            x1, y1, x2, y2 = o.box
            r, c = ((y1 + y2) // 2) // 28, ((x1 + x2) // 2) // 28
            np.testing.assert_allclose(boxes[r * 8 + c], np.array([y1, x1, y2, x2]) / 224, rtol=0, atol=1e-6)

    def test_patch_chars_put_each_character_in_its_patch_in_reading_order(self):
        from training.data import CHARSET, patch_chars
        s = generate_scene(2)  # "bus" at (15, 158)-(86, 185)
        self.assertEqual(s.text, "bus")
        self.assertEqual(len(s.char_centres), 3)
        xs = [x for x, _ in s.char_centres]
        self.assertEqual(xs, sorted(xs))
        x1, y1, x2, y2 = s.text_box
        self.assertTrue(all(x1 <= x <= x2 and y1 <= y <= y2 for x, y in s.char_centres))
        chars = patch_chars(s, 8)
        self.assertEqual(chars.shape, (64, 2))
        read = [CHARSET[c - 1] for p in range(64) for c in chars[p] if c]  # row-major patches, slots left to right
        self.assertEqual("".join(read), "bus")
        for ch, (x, y) in zip(s.text, s.char_centres):
            self.assertIn(1 + CHARSET.index(ch), chars[int(y // 28) * 8 + int(x // 28)])
        self.assertFalse(patch_chars(generate_scene(0), 8).any())  # no text, no labels

    def test_char_probe_adds_its_cross_entropy_only_when_weighted(self):
        from training.model import PatchHeads
        torch.manual_seed(0)
        heads = PatchHeads(16, grid=2)
        feats = torch.randn(1, 4, 16)
        labels = torch.zeros((1, 2, 4), dtype=torch.long)
        chars = torch.tensor([[[0, 0], [5, 7], [0, 0], [0, 0]]])
        base = float(heads.loss(feats, labels))
        self.assertAlmostEqual(float(heads.loss(feats, labels, chars=chars)), base, places=6)  # weight 0: off
        logits = heads.char(feats[0]).reshape(8, -1)
        ce = torch.nn.functional.cross_entropy
        term = ce(logits, chars.reshape(-1)) + ce(logits[[2, 3]], torch.tensor([5, 7]))
        self.assertAlmostEqual(float(heads.loss(feats, labels, chars=chars, char_weight=0.5)), base + 0.5 * float(term),
                               places=5)

    def test_turn_targets_mark_the_position_of_each_stars_first_code_with_its_own_turn(self):
        seed = next(i for i in range(2000) if sum(o.shape == "star" for o in generate_scene(i).objects) >= 2)
        scene = generate_scene(seed)
        stars = sorted((o for o in scene.objects if o.shape == "star"), key=lambda o: (o.box[1], o.box[0]))
        self.assertEqual(len({round(o.rot, 6) for o in stars}), len(stars))  # each drawn at its own turn
        with tempfile.TemporaryDirectory() as d:
            path, vocab = tiny_tokenizer(d)
            tok = BpeTokenizer(path)
        caption = sample_task(scene, np.random.default_rng(0), None, (1, 0, 0, 0, 0))
        examples = [(np.zeros((1, 3, 56, 56), np.float32), caption),
                    (np.zeros((1, 3, 56, 56), np.float32), segment_example(scene, "star", lambda m: list(range(16))))]
        ids, _, _, _ = make_batch(tok, examples, 16)
        targets = segment_turn_targets(ids, examples, vocab["<seg000>"])
        on = ~torch.isnan(targets[..., 0])
        self.assertEqual(int(on[0].sum()), 0)  # a caption has no codes
        positions = torch.nonzero(on[1])[:, 0]
        self.assertEqual(len(positions), len(stars))  # one a star: the position that predicts its first code
        codes = torch.nonzero((ids[1, 1:] >= vocab["<seg000>"]) & (ids[1, 1:] < vocab["<seg000>"] + 128))[:, 0]
        self.assertEqual(positions.tolist(), codes[::16].tolist())
        for t, o in zip(positions.tolist(), stars):
            self.assertEqual(tok.decode([int(ids[1, t])]), "<loc%04d>" % encode_box(o.box, scene.size)[3])
            self.assertAlmostEqual(float(targets[1, t, 0]), np.cos(5 * o.rot), places=5)
            self.assertAlmostEqual(float(targets[1, t, 1]), np.sin(5 * o.rot), places=5)

    def test_star_turns_reads_the_turn_a_star_mask_is_drawn_at(self):
        from training.star_turns import drawn_turn
        found = []
        for seed in range(400):
            if len(found) == 6:
                break
            for o in generate_scene(seed).objects:
                if o.shape == "star" and len(found) < 6:
                    turn = np.degrees(o.rot) % 72
                    error = abs((drawn_turn(o.mask, o.mask, 224) - turn + 36) % 72 - 36)
                    found.append(error)
        self.assertEqual(len(found), 6)
        self.assertLess(max(found), 3.0)  # the search steps by 2 degrees

    def test_turn_probe_is_the_squared_error_where_marked_and_a_zero_with_gradients_elsewhere(self):
        from training.model import PatchHeads
        torch.manual_seed(0)
        heads = PatchHeads(8, grid=2)
        hidden = torch.randn(2, 3, 8)
        targets = torch.full((2, 3, 2), float("nan"))
        loss = heads.turn_loss(hidden, targets)
        loss.backward()
        self.assertEqual(float(loss), 0.0)
        self.assertIsNotNone(heads.seg_turn.weight.grad)  # replicas average the same set of gradients
        targets[1, 2] = torch.tensor([0.6, -0.8])
        pred = heads.seg_turn(hidden[1, 2])
        self.assertAlmostEqual(float(heads.turn_loss(hidden, targets)), float(((pred - targets[1, 2]) ** 2).sum()),
                               places=5)

    def test_segment_focus_makes_that_share_of_the_batch_segment_the_shape_on_scenes_that_have_it(self):
        seeds = np.arange(1_000_000, 1_000_400)

        def run(focus):
            return scene_examples(seeds, 112, np.random.default_rng(0), lambda m: [0] * 16, None, (0.2, 0.2, 0.2, 0.2, 0.2),
                                  0.25, focus)

        without = run(None)
        focus = run(("star", 0.4))
        stars = [e for e in focus if e[1].prefix == "segment star"]
        # without the focus only the segment share (20 %) over the classes present asks for a star
        self.assertLess(np.mean([e[1].prefix == "segment star" for e in without]), 0.1)
        self.assertAlmostEqual(len(stars) / len(seeds), 0.4, delta=0.06)
        for e in stars:  # every one is drawn on a scene with a star, and its masks are the stars'
            self.assertTrue(e[1].objects and all(o.shape == "star" for o in e[1].objects))
        self.assertEqual([e[1].prefix for e in run(("star", 0.4))], [e[1].prefix for e in focus])  # deterministic

    def test_segment_focus_setting_parses_shape_and_share_and_names_what_is_wrong(self):
        from training.loop import TrainSettings, segment_focus_of

        def parse(text):
            return segment_focus_of(TrainSettings(work="", tokenizer_dir="", vae=None, segment_focus=text))

        self.assertIsNone(parse(""))
        self.assertEqual(parse("star:0.35"), ("star", 0.35))
        for bad in ("stars:0.3", "star", "star:x", "star:1.5", "star:-0.1"):
            with self.assertRaisesRegex(ValueError, "segment-focus"):
                parse(bad)

    def test_task_weights_setting_parses_five_weights_and_names_what_is_wrong(self):
        from training.loop import TrainSettings, task_weights_of

        def parse(text):
            return task_weights_of(TrainSettings(work="", tokenizer_dir="", vae=None, task_weights=text))

        self.assertIsNone(parse(""))
        self.assertEqual(parse("0.2,0.2,0.35,0.2,0.05"), [0.2, 0.2, 0.35, 0.2, 0.05])
        for bad in ("0.2,0.15,0.05,0.5,0.05", "0.5,0.5", "0.25,0.25,0.25,0.25,x", "1.2,-0.2,0,0,0", "nan,0,0,0,1"):
            with self.assertRaisesRegex(ValueError, "task-weights"):
                parse(bad)

    def test_detect_all_sets_the_share_of_every_class_prompts(self):
        s = generate_scene(3)

        def every_class_share(detect_all):
            rng = np.random.default_rng(0)
            tasks = [sample_task(s, rng, None, (0, 1, 0, 0, 0), detect_all) for _ in range(400)]
            return np.mean([len(t.prefix.split(" ; ")) == 5 for t in tasks])

        self.assertEqual(every_class_share(1.0), 1.0)
        self.assertEqual(every_class_share(0.0), 0.0)  # the other prompts name at most two classes
        self.assertAlmostEqual(every_class_share(0.6), 0.6, delta=0.07)

    def test_smooth_loc_embeddings_make_neighbouring_bins_alike(self):
        from training.model import smooth_loc_embeddings
        with tempfile.TemporaryDirectory() as d:
            tok, model = self._model(d)
            w = init_weights(model.cfg_dict, 0)
            vocab = tok.vocab
            before = w["language_model.model.embed_tokens.weight"].copy()
            loc0 = vocab["<loc0000>"]
            smooth_loc_embeddings(w, loc0, 0)
            e = w["language_model.model.embed_tokens.weight"]
            np.testing.assert_array_equal(e[:loc0], before[:loc0])  # other tokens untouched
            np.testing.assert_array_equal(e[loc0 + 1024:], before[loc0 + 1024:])
            loc = e[loc0:loc0 + 1024] / np.linalg.norm(e[loc0:loc0 + 1024], axis=1, keepdims=True)
            near = float(np.mean(np.sum(loc[:-1] * loc[1:], axis=1)))
            far = float(np.mean(np.sum(loc[:-512] * loc[512:], axis=1)))
            self.assertGreater(near, 0.8)
            self.assertLess(far, 0.2)
            self.assertAlmostEqual(float(np.mean(np.linalg.norm(e[loc0:loc0 + 1024], axis=1))),
                                   float(np.mean(np.linalg.norm(before[loc0:loc0 + 1024], axis=1))), delta=0.3)

    def test_vision_phase_holds_the_rate_then_the_full_phase_warms_up_again(self):
        from training.loop import TrainSettings, lr_at
        s = TrainSettings(work="", tokenizer_dir="", vae=None, steps=1000, lr=1e-3, warmup=100, vision_steps=300)
        self.assertAlmostEqual(lr_at(0, s), 1e-5)
        self.assertAlmostEqual(lr_at(299, s), 1e-3)
        self.assertAlmostEqual(lr_at(300, s), 1e-5)  # the decoder starts at step 300 with its own warm-up
        self.assertAlmostEqual(lr_at(399, s), 1e-3)
        self.assertAlmostEqual(lr_at(999, s), 1e-4, places=6)

    def test_loc_sigma_falls_linearly_to_its_end_value(self):
        from training.loop import TrainSettings, sigma_at
        s = TrainSettings(work="", tokenizer_dir="", vae=None, steps=1001, vision_steps=200, loc_sigma=16, loc_sigma_end=2)
        self.assertEqual(sigma_at(0, s), 16)  # held through the vision phase (no decoder loss there anyway)
        self.assertEqual(sigma_at(200, s), 16)
        self.assertAlmostEqual(sigma_at(600, s), 9)
        self.assertAlmostEqual(sigma_at(1000, s), 2)
        self.assertEqual(sigma_at(500, TrainSettings(work="", tokenizer_dir="", vae=None, loc_sigma=8)), 8)  # no end: constant
        self.assertEqual(sigma_at(5, TrainSettings(work="", tokenizer_dir="", vae=None, loc_sigma=8, loc_sigma_start=10)), 0)

    def test_object_shape_term_is_the_cross_entropy_on_object_patches(self):
        from training.model import PatchHeads
        torch.manual_seed(0)
        heads = PatchHeads(16, grid=2)
        feats = torch.randn(1, 4, 16)
        labels = torch.tensor([[[0, 3, 0, 5], [0, 1, 0, 2]]])  # patches 1 and 3 hold objects
        base = float(heads.loss(feats, labels))
        on_objects = torch.nn.functional.cross_entropy(heads.shape(feats[0, [1, 3]]), torch.tensor([3, 5]))
        self.assertAlmostEqual(float(heads.loss(feats, labels, object_shape=2.0)), base + 2.0 * float(on_objects), places=5)
        background = torch.zeros_like(labels)  # no object patches: the term adds nothing
        self.assertAlmostEqual(float(heads.loss(feats, background, object_shape=2.0)), float(heads.loss(feats, background)),
                               places=6)

    def test_vision_lr_sets_the_peak_of_the_vision_phase_only(self):
        from training.loop import TrainSettings, lr_at
        s = TrainSettings(work="", tokenizer_dir="", vae=None, steps=1000, lr=1e-3, warmup=100, vision_steps=300,
                          vision_lr=3e-3)
        self.assertAlmostEqual(lr_at(299, s), 3e-3)
        self.assertAlmostEqual(lr_at(399, s), 1e-3)

    def test_replicas_split_each_steps_seeds_without_overlap(self):
        from training.loop import _Replicas
        seeds = np.arange(100, 116)
        parts = [_Replicas(r, 2).seeds(seeds) for r in range(2)]
        self.assertEqual(sorted(np.concatenate(parts).tolist()), seeds.tolist())
        self.assertEqual(len(parts[0]), 8)
        self.assertEqual(_Replicas(0, 1).seeds(seeds).tolist(), seeds.tolist())  # one process: the whole batch
        # one process keeps the task draws of the single-process recipe; replicas draw their own
        self.assertEqual(_Replicas(0, 1).rng(0, 7).random(), np.random.default_rng([0, 7]).random())
        self.assertNotEqual(_Replicas(0, 2).rng(0, 7).random(), _Replicas(1, 2).rng(0, 7).random())

    def test_two_replicas_apply_the_mean_gradient_and_stay_identical(self):
        import torch.multiprocessing as mp
        with tempfile.TemporaryDirectory() as d:
            mp.spawn(_average_in_replica, args=(os.path.join(d, "rendezvous"), d), nprocs=2, join=True)
            got = [torch.load(os.path.join(d, f"rank{r}.pt")) for r in range(2)]
        for g in got:  # replica r's gradients were (r + 1) * [1, 2, 3] and (r + 1) * 10; losses r + 1
            self.assertTrue(torch.allclose(g["a"], torch.tensor([1.5, 3.0, 4.5])))
            self.assertTrue(torch.allclose(g["b"], torch.tensor([15.0])))
            self.assertIsNone(g["unused"])  # a parameter without a gradient stays without one
            self.assertEqual(g["extra"], [1.5, 1.0])


def _average_in_replica(rank: int, init_file: str, out: str) -> None:
    import torch.distributed as dist
    from training.loop import _Replicas
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method="file://" + init_file, rank=rank, world_size=2)
    try:
        a, b, unused = torch.zeros(3, requires_grad=True), torch.zeros(1, requires_grad=True), torch.zeros(2)
        a.grad = (rank + 1) * torch.tensor([1.0, 2.0, 3.0])
        b.grad = (rank + 1) * torch.tensor([10.0])
        extra = _Replicas(rank, 2).average([a, unused, b], [float(rank + 1), float(rank == 0) * 2])
        torch.save({"a": a.grad, "b": b.grad, "unused": unused.grad, "extra": extra}, os.path.join(out, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    unittest.main()
