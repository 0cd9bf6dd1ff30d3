"""Training batches: scene seeds -> pixel values, token ids, prefix-LM attention masks and suffix loss masks.

Sequence = <image> x N, <bos>, prefix tokens, "\\n" (the prompt, bidirectional), suffix tokens, <eos> (causal),
right-padded with <pad>. Loss on the suffix and <eos> only. Scene seeds for step s are
seed_base + s * batch + i, so a resumed run sees exactly the data it would have seen.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from paligemma_ref.preprocess import preprocess
from scenes import generate_scene, sample_task
from scenes.scene import COLOURS, SHAPES
from scenes.tasks import DEFAULT_TASK_WEIGHTS, TaskExample, segment_example

from .tokenizer import BpeTokenizer
from .vqvae import NUM_CODES


def prompt_ids(tok: BpeTokenizer, prefix: str, num_image_tokens: int) -> List[int]:
    return [tok.image] * num_image_tokens + [tok.bos] + tok.encode(prefix) + [tok.newline]


def make_batch(tok: BpeTokenizer, examples: Sequence[Tuple[np.ndarray, TaskExample]], num_image_tokens: int):
    seqs, prompt_lens = [], []
    for e in examples:
        ex = e[1]
        p = prompt_ids(tok, ex.prefix, num_image_tokens)
        seqs.append(p + tok.encode(ex.suffix) + [tok.eos])
        prompt_lens.append(len(p))
    n = max(len(s) for s in seqs)
    b = len(seqs)
    ids = torch.full((b, n), tok.pad, dtype=torch.long)
    loss_mask = torch.zeros((b, n), dtype=torch.bool)
    attn = torch.zeros((b, n, n), dtype=torch.bool)
    causal = torch.tril(torch.ones(n, n, dtype=torch.bool))
    for i, (s, p) in enumerate(zip(seqs, prompt_lens)):
        ids[i, :len(s)] = torch.tensor(s)
        loss_mask[i, p:len(s)] = True  # targets: suffix + eos (predicted from the position before)
        attn[i] = causal
        attn[i, :p, :p] = True
    pixels = torch.from_numpy(np.concatenate([e[0] for e in examples]))
    return ids, pixels, attn, loss_mask


FOCUS_SEED_STRIDE = 100_000_000  # segment_focus tries seed + k * stride: far above any run's own seeds and the held-out ones


def scene_examples(seeds: Sequence[int], image_size: int, rng: np.random.Generator,
                   codes_for: Optional[Callable] = None, with_patch_labels: bool = False,
                   task_weights: Optional[Sequence[float]] = None, detect_all: float = 0.25,
                   segment_focus: Optional[Tuple[str, float]] = None):
    """(pixel values, task) per seed; with_patch_labels adds patch_labels, patch_boxes and patch_chars (items 3-5).
    `segment_focus` (shape, p): each example is, with probability p, `segment SHAPE` on the first scene of its seed,
    seed + FOCUS_SEED_STRIDE, seed + 2 * FOCUS_SEED_STRIDE, ... that has one (needs codes_for), so that a share p of
    every batch trains that shape's masks whatever share of scenes holds one."""
    out = []
    grid = image_size // 14
    for seed in seeds:
        if segment_focus is not None and codes_for is not None and rng.random() < segment_focus[1]:
            s = next(sc for sc in (generate_scene(int(seed) + k * FOCUS_SEED_STRIDE) for k in range(64))
                     if any(o.shape == segment_focus[0] for o in sc.objects))
            task = segment_example(s, segment_focus[0], codes_for)
        else:
            s = generate_scene(int(seed))
            task = sample_task(s, rng, codes_for, DEFAULT_TASK_WEIGHTS if task_weights is None else task_weights,
                               detect_all)
        ex = (preprocess(s.image, image_size), task)
        if with_patch_labels:
            owner = patch_owners(s, grid)
            ex += (patch_labels(s, grid, owner), patch_boxes(s, grid, owner), patch_chars(s, grid))
        out.append(ex)
    return out


def patch_owners(scene, grid: int) -> np.ndarray:
    """[grid * grid] int64: per image patch (row-major, as SigLIP's patches), the index in scene.objects of the object
    covering most of it if it covers >= 20 % of the patch, else -1."""
    cell = scene.size // grid
    owner = np.full(grid * grid, -1, np.int64)
    best = np.zeros(grid * grid, np.float32)
    for i, o in enumerate(scene.objects):
        cover = o.mask[:cell * grid, :cell * grid].reshape(grid, cell, grid, cell).mean(axis=(1, 3)).reshape(-1)
        take = (cover >= 0.2) & (cover > best)
        owner[take] = i
        best = np.where(take, cover, best)
    return owner


def patch_labels(scene, grid: int, owner: Optional[np.ndarray] = None) -> np.ndarray:
    """[2, grid * grid] int64: per image patch, the shape (1 + SHAPES index) and the colour (1 + COLOURS index) of
    its owner (`patch_owners`, computed unless given), else 0. Targets of the auxiliary training loss on the vision
    tower (not part of the model)."""
    colours = list(COLOURS)
    owner = patch_owners(scene, grid) if owner is None else owner
    labels = np.zeros((2, grid * grid), np.int64)
    for i, o in enumerate(scene.objects):
        labels[0, owner == i] = 1 + SHAPES.index(o.shape)
        labels[1, owner == i] = 1 + colours.index(o.colour)
    return labels


def patch_boxes(scene, grid: int, owner: Optional[np.ndarray] = None) -> np.ndarray:
    """[grid * grid, 4] float32: per image patch, its owner's box (y1, x1, y2, x2 as fractions of the image, the order
    of PaliGemma's <loc> tokens), or -1 where it has none. Targets of the auxiliary box probe: every patch of an
    object then carries where the whole object is, so the decoder can read a box off any patch of the requested
    class instead of having to find the object's extreme patches. `owner`: `patch_owners`, computed unless given."""
    owner = patch_owners(scene, grid) if owner is None else owner
    out = np.full((grid * grid, 4), -1.0, np.float32)
    for i, o in enumerate(scene.objects):
        x1, y1, x2, y2 = o.box
        out[owner == i] = np.array([y1, x1, y2, x2], np.float32) / float(scene.size)
    return out


# The turn probe's shapes and their rotational symmetry (a turn of 2*pi/k looks the same). Stars only: with hexagons'
# turns (k = 6) as targets too, `segment hexagon` learned to draw star-shaped masks (hexagon mIoU 0.92 -> 0.64 in 1,000
# steps; 0.90 with stars alone; docs/history/trained-model-runs.md, the fifteenth run).
SYMMETRY = {"star": 5}
SEGMENT_CODES = 16  # <seg> tokens per mask in PaliGemma's segment format


def is_segment_code(ids: torch.Tensor, seg_first: int) -> torch.Tensor:
    """Which of `ids` are `<seg>` codes (`<seg000>` is `seg_first`)."""
    return (ids >= seg_first) & (ids < seg_first + NUM_CODES)


def segment_turn_targets(ids: torch.Tensor, examples: Sequence[Tuple[np.ndarray, TaskExample]],
                         seg_first: int) -> torch.Tensor:
    """[B, n, 2] float32 targets of the decoder-side turn probe (`PatchHeads.turn_loss`): at the position that predicts
    the first of the 16 `<seg>` codes of a star's mask (the shapes of SYMMETRY), (cos k*rot, sin k*rot) of that object's turn (k its
    symmetry, so turns that look the same share a target); NaN elsewhere. Only the first code: the later ones can read
    the turn from the codes before them (teacher forcing), so there a probe learns nothing about the image, while the
    first code sets the turn the rest follow (with it given, greedy decoding's star masks go from mean IoU 0.60 to 0.73).
    The n-th run of 16 codes in a segment example's suffix belongs to its n-th object (`TaskExample.objects`)."""
    b, n = ids.shape
    out = torch.full((b, n, 2), float("nan"))
    nxt = ids[:, 1:]
    is_seg = is_segment_code(nxt, seg_first)
    for i, e in enumerate(examples):
        objects = e[1].objects
        if not objects:
            continue
        pos = torch.nonzero(is_seg[i])[:, 0]
        if len(pos) != SEGMENT_CODES * len(objects):
            raise ValueError(f"segment example {e[1].prefix!r}: {len(pos)} <seg> tokens for {len(objects)} objects")
        for j, o in enumerate(objects):
            k = SYMMETRY.get(o.shape)
            if k is not None:
                out[i, pos[j * SEGMENT_CODES]] = torch.tensor([np.cos(k * o.rot), np.sin(k * o.rot)], dtype=torch.float32)
    return out


CHARSET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
CHAR_SLOTS = 2  # characters are >= 18 px apart at 224 px and a patch is 28 px wide: at most two centres per patch


def patch_chars(scene, grid: int) -> np.ndarray:
    """[grid * grid, CHAR_SLOTS] int64: per image patch, the characters of the scene's text whose centres fall in it,
    left to right (1 + CHARSET index; 0 = none). Targets of the auxiliary character probe, the vision tower's direct
    signal for `ocr`: each patch then carries which letters it shows, in reading order."""
    cell = scene.size / grid
    out = np.zeros((grid * grid, CHAR_SLOTS), np.int64)
    for ch, (x, y) in zip(scene.text or "", scene.char_centres):
        p = min(grid - 1, int(y // cell)) * grid + min(grid - 1, int(x // cell))
        free = np.flatnonzero(out[p] == 0)
        if ch in CHARSET and len(free):
            out[p, free[0]] = 1 + CHARSET.index(ch)
    return out


def loss_fn(logits: torch.Tensor, ids: torch.Tensor, loss_mask: torch.Tensor, loc_first: int = -1,
            loc_sigma: float = 0.0) -> torch.Tensor:
    """Next-token cross-entropy: position t predicts ids[t + 1]; averaged over suffix targets.

    With loc_sigma > 0, a `<locNNNN>` target (ids loc_first .. loc_first + 1023) is a Gaussian over the 1024 location
    tokens centred on the true bin (sigma in bins) instead of one-hot: neighbouring bins mean nearly the same pixel
    (1 bin = size / 1024), so every box teaches the bins around it too; the argmax stays on the true bin. The loc term
    is KL(q || p) (0 at the optimum, like the one-hot term), so the logged loss stays comparable."""
    pred = logits[:, :-1][loss_mask[:, 1:]]
    tgt = ids[:, 1:][loss_mask[:, 1:]]
    if loc_sigma <= 0 or loc_first < 0:
        return torch.nn.functional.cross_entropy(pred, tgt)
    is_loc = (tgt >= loc_first) & (tgt < loc_first + 1024)
    logp = torch.log_softmax(pred, dim=-1)
    nll = -logp.gather(1, tgt[:, None])[:, 0]
    if bool(is_loc.any()):
        bins = torch.arange(1024, device=pred.device, dtype=logp.dtype)
        centre = (tgt[is_loc] - loc_first).to(logp.dtype)
        q = torch.exp(-0.5 * ((bins[None, :] - centre[:, None]) / loc_sigma) ** 2)
        q = q / q.sum(dim=1, keepdim=True)
        # KL(q || p) = cross-entropy minus the entropy of q: same gradient, and 0 at the optimum like the one-hot loss
        soft = (q * (torch.log(q.clamp_min(1e-30)) - logp[is_loc][:, loc_first:loc_first + 1024])).sum(dim=1)
        nll = nll.masked_scatter(is_loc, soft)
    return nll.mean()
