"""Model training loop: AdamW, linear warm-up + cosine decay, gradient clipping, resumable checkpoints
(saved atomically every N minutes and at the end), deterministic data by step, loss log + curve PNG."""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass
from typing import List, Optional, Tuple

import numpy as np
import torch

from scenes.scene import SHAPES
from scenes.tasks import TASKS

from .data import loss_fn, make_batch, scene_examples, segment_turn_targets
from .model import PatchHeads, TrainableModel, init_weights, read_hf_folder, recipe_config, smooth_loc_embeddings
from .plot import plot_losses
from .tokenizer import BpeTokenizer
from .vqvae import MaskVqVae

SCENE_SEED_BASE = 1_000_000  # training scenes; seeds below are held out for evaluation


@dataclass
class TrainSettings:
    work: str
    tokenizer_dir: str
    vae: Optional[str]
    steps: int = 1500
    batch: int = 16
    lr: float = 1e-3
    warmup: int = 200
    weight_decay: float = 0.01
    seed: int = 0
    image_size: int = 112
    vision_hidden: int = 128
    vision_layers: int = 3
    text_hidden: int = 128
    text_layers: int = 4
    save_minutes: float = 10.0
    max_minutes: float = 0.0  # 0 = until `steps`
    save_steps: str = ""  # comma-separated steps after which the weights are also written to weights-STEP.pt
    log_every: int = 10
    loc_sigma: float = 0.0  # Gaussian soft targets over <loc> bins (sigma in bins); 0 = one-hot
    loc_sigma_start: int = 0  # first step that uses loc_sigma (earlier steps: one-hot)
    loc_sigma_end: float = 0.0  # > 0: sigma falls linearly from loc_sigma to this by the last step
    loc_sigma_anneal_start: int = -1  # first step of that fall (-1: the first step of the full phase)
    aux_patch: float = 0.0  # weight of the auxiliary per-patch shape/colour loss on the image features; 0 = off
    aux_patch_start: int = 0  # first step that uses it
    task_weights: str = ""  # caption,detect,segment,ocr,answer sampling weights; "" = scenes.tasks defaults
    task_weights_start: int = 0  # first step that uses task_weights
    vision_steps: int = 0  # the first steps train the vision tower + projector on the auxiliary probes alone
    smooth_loc: bool = False  # start the <loc> embeddings on a smooth curve (smooth_loc_embeddings)
    object_shape: float = 0.0  # weight of the probe's shape cross-entropy on object patches only (PatchHeads)
    object_shape_start: int = 0  # first step that uses it
    vision_lr: float = 0.0  # peak learning rate of the vision-only phase; 0 = lr
    detect_all: float = 0.25  # share of detect examples that ask for every class (in a random order)
    char_probe: float = 0.0  # weight of the auxiliary per-patch character probe (PatchHeads.char); 0 = off
    turn_probe: float = 0.0  # weight of the decoder-side turn probe (PatchHeads.turn_loss: a mask's first <seg> code); 0 = off
    segment_focus: str = ""  # "SHAPE:P": a share P of every batch is `segment SHAPE` on scenes with one (scene_examples)
    init_from: str = ""  # a checkpoint.pt (or exported HF folder) this run starts from, continuing its step count
    init_step: int = 0  # with an HF folder as init_from: the steps it was trained for (scene seeds continue there)


TURN_HEAD_LR = 1e-3  # learning rate of the turn probe's head (PatchHeads.seg_turn), whatever the run's rate


def sigma_at(step: int, s: TrainSettings) -> float:
    """Soft-target width for `<loc>` tokens at a step: 0 (one-hot) before loc_sigma_start; with loc_sigma_end, a
    linear fall from loc_sigma to loc_sigma_end between loc_sigma_anneal_start and the last step. Wide targets teach
    "about here" early; narrow ones late make the right bin the clear argmax, which greedy decoding needs (a
    Gaussian of sigma 16 bins puts at most 2.5 % on any one bin, less than a single competing token such as <eos>)."""
    if s.loc_sigma <= 0 or step < s.loc_sigma_start:
        return 0.0
    if s.loc_sigma_end <= 0:
        return s.loc_sigma
    first = s.loc_sigma_anneal_start if s.loc_sigma_anneal_start >= 0 else s.vision_steps
    t = min(1.0, max(0.0, (step - first) / max(1, s.steps - 1 - first)))
    return s.loc_sigma + (s.loc_sigma_end - s.loc_sigma) * t


def lr_at(step: int, s: TrainSettings) -> float:
    """Linear warm-up, then cosine to 10 %. The vision-only phase warms up and holds; the full phase warms up again
    from its first step (the decoder starts there) and decays over the rest."""
    if step < s.vision_steps:
        return (s.vision_lr or s.lr) * min(1.0, (step + 1) / s.warmup)
    step -= s.vision_steps
    if step < s.warmup:
        return s.lr * (step + 1) / s.warmup
    t = (step - s.warmup) / max(1, s.steps - s.vision_steps - s.warmup)
    return s.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def segment_focus_of(s: TrainSettings) -> Optional[Tuple[str, float]]:
    """`segment_focus` "SHAPE:P" as (shape, P) for `scene_examples`, None when unset; ValueError names what is wrong."""
    if not s.segment_focus:
        return None
    shape, _, share = s.segment_focus.partition(":")
    try:
        p = float(share)
    except ValueError:
        p = float("nan")
    if shape not in SHAPES or not 0.0 <= p <= 1.0:
        raise ValueError(f"--segment-focus {s.segment_focus!r}: want SHAPE:P with SHAPE one of {', '.join(SHAPES)} "
                         f"and 0 <= P <= 1")
    return shape, p


def task_weights_of(s: TrainSettings) -> Optional[List[float]]:
    """`task_weights` as one weight per task of `TASKS`, None when unset; ValueError names what is wrong, before any
    training step."""
    if not s.task_weights:
        return None
    try:
        weights = [float(w) for w in s.task_weights.split(",")]
    except ValueError:
        weights = []
    total = sum(weights)
    if len(weights) != len(TASKS) or not all(math.isfinite(w) and w >= 0 for w in weights) or abs(total - 1) > 1e-6:
        raise ValueError(f"--task-weights {s.task_weights!r}: want {len(TASKS)} weights >= 0 ({', '.join(TASKS)}) "
                         f"that sum to 1")
    return [w / total for w in weights]  # exactly 1 for numpy's check


def _save(path: str, payload: dict) -> None:
    tmp = path + ".tmp"
    torch.save(payload, tmp)
    os.replace(tmp, path)


class _Replicas:
    """Data parallelism over `world` processes (torch.distributed, already initialised; world 1 = off). Every
    replica starts from the same weights and applies the same averaged gradients, so the weights stay identical;
    replica `rank` trains on its share of each step's scene seeds. One all-reduce per step also carries the logged
    losses and replica 0's decision to stop."""

    def __init__(self, rank: int, world: int):
        self.rank, self.world = rank, world

    def seeds(self, seeds: np.ndarray) -> np.ndarray:
        return seeds[self.rank::self.world]

    def rng(self, seed: int, step: int) -> np.random.Generator:
        return np.random.default_rng([seed, step] if self.world == 1 else [seed, step, self.rank])

    def average(self, params, extra) -> List[float]:
        """Averages the .grad of `params` and the floats `extra` over the replicas (in place; returns `extra`)."""
        if self.world == 1:
            return list(extra)
        import torch.distributed as dist
        params = [p for p in params if p.grad is not None]  # the same set on every replica (same code path)
        grads = [p.grad for p in params]
        flat = torch.cat([g.reshape(-1) for g in grads] + [torch.tensor(extra, dtype=grads[0].dtype)])
        dist.all_reduce(flat)
        flat /= self.world
        offset = 0
        for p, g in zip(params, grads):
            p.grad = flat[offset:offset + g.numel()].view_as(g)
            offset += g.numel()
        return flat[offset:].tolist()


def _hf_start(folder: str, cfg: dict, steps_done: int) -> dict:
    """An exported HF folder (`TrainableModel.export`) in the shape of a checkpoint.pt, for `init_from`: its fp16
    weights as float32, no probes and an empty loss log; `steps_done` stands for the step count of its run."""
    exported, weights = read_hf_folder(folder)
    exported.pop("torch_dtype", None)  # the export's storage type, not part of the model
    if "torch_dtype" in cfg:
        exported["torch_dtype"] = cfg["torch_dtype"]
    return {"config": exported,
            "weights": {k: torch.from_numpy(np.asarray(v, dtype=np.float32)) for k, v in weights.items()},
            "aux": {"heads": {}}, "step": steps_done, "log": {"step": [], "loss": [], "seconds": []}}


def train_model(s: TrainSettings, resume: bool, device: torch.device, rank: int = 0,
                world: int = 1) -> Optional[TrainableModel]:
    """Trains (or resumes) the model; with world > 1 this is replica `rank` of a data-parallel run (see
    `_Replicas`), each replica taking batch / world of every step's examples, and only replica 0 writes files and
    returns the model (the others return None)."""
    if s.batch % world:
        raise ValueError(f"batch {s.batch} does not split over {world} processes")
    replicas = _Replicas(rank, world)
    lead = rank == 0
    os.makedirs(s.work, exist_ok=True)
    ckpt_path = os.path.join(s.work, "checkpoint.pt")
    tok = BpeTokenizer(os.path.join(s.tokenizer_dir, "tokenizer.json"))
    with open(os.path.join(s.tokenizer_dir, "config.json"), "r", encoding="utf-8") as f:
        template = json.load(f)
    cfg = recipe_config(template, s.image_size, s.vision_hidden, s.vision_layers, s.text_hidden, s.text_layers)
    if cfg["image_token_index"] != tok.image:
        raise ValueError(f"config image_token_index {cfg['image_token_index']} != tokenizer <image> {tok.image}")
    torch.manual_seed(s.seed)
    weights = init_weights(cfg, s.seed)
    if s.smooth_loc:
        smooth_loc_embeddings(weights, tok.vocab["<loc0000>"], s.seed)
    model = TrainableModel(cfg, weights, device)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": s.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=s.lr, betas=(0.9, 0.98))
    heads = PatchHeads(cfg["text_config"]["hidden_size"], grid=s.image_size // 14).to(device)
    turn_head = set(map(id, heads.seg_turn.parameters()))
    # The turn probe's own head keeps a fixed rate: it starts fresh in a stage 2 whose peak rate (1.5e-4) would leave it
    # near its random start for a thousand steps, and until it fits, its gradient tells the decoder nothing.
    aux_opt = torch.optim.AdamW([{"params": [p for p in heads.parameters() if id(p) not in turn_head]},
                                 {"params": list(heads.seg_turn.parameters()), "fixed_lr": TURN_HEAD_LR}],
                                lr=s.lr, betas=(0.9, 0.98))
    start, log = 0, {"step": [], "loss": [], "seconds": []}
    offset = 0  # steps of the run this one continues (init_from): scene seeds and the loss log carry on from there
    if s.init_from and not (resume and os.path.exists(ckpt_path)):
        if os.path.isdir(s.init_from):  # an exported HF folder: weights only (probes start fresh, no loss log)
            ck = _hf_start(s.init_from, cfg, s.init_step)
        else:
            ck = torch.load(s.init_from, map_location="cpu")
        if ck["config"] != cfg:
            raise ValueError(f"{s.init_from} was trained with another model config")
        model.load_state(ck["weights"])
        heads.load_state_dict(ck["aux"]["heads"], strict=False)  # probes added since then start fresh
        offset, log = ck.get("offset", 0) + ck["step"], ck["log"]
        if lead:
            print(f"starting from {s.init_from} (step {offset} of its run); fresh optimizer and schedule", flush=True)
    if resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location="cpu")
        if ck["settings"]["steps"] != s.steps or ck["config"] != cfg:
            print("note: resuming with different settings than the checkpoint was written with", flush=True)
        model.load_state(ck["weights"])
        opt.load_state_dict(ck["optimizer"])
        start, log, offset = ck["step"], ck["log"], ck.get("offset", 0)
        if "aux" in ck:  # heads added since the checkpoint was written start fresh
            missing, _ = heads.load_state_dict(ck["aux"]["heads"], strict=False)
            if not missing:
                aux_opt.load_state_dict(ck["aux"]["optimizer"])
        if lead:
            print(f"resumed from {ckpt_path} at step {start}", flush=True)
    codes_for = None
    if s.vae:
        vae = MaskVqVae().load_npz(s.vae).eval()

        def codes_for(m64: np.ndarray):
            with torch.no_grad():
                return vae.encode(torch.from_numpy(m64)[None])[0].tolist()

    n_img = model.cfg.num_image_tokens
    focus = segment_focus_of(s)
    task_weights = task_weights_of(s)
    t0, last_save = time.time(), time.time()
    prior_seconds = log["seconds"][-1] if log["seconds"] else 0.0
    keep_steps = {int(v) for v in s.save_steps.split(",") if v.strip()}
    step = start
    while step < s.steps:
        rng = replicas.rng(s.seed, step)
        seeds = replicas.seeds(SCENE_SEED_BASE + (offset + step) * s.batch + np.arange(s.batch))
        vision_only = step < s.vision_steps
        use_aux = vision_only or (s.aux_patch > 0 and step >= s.aux_patch_start)
        weights = task_weights if step >= s.task_weights_start else None
        examples = scene_examples(seeds, s.image_size, rng, None if vision_only else codes_for, with_patch_labels=use_aux,
                                  task_weights=weights, detect_all=s.detect_all, segment_focus=focus)
        ids, px, attn, lm = make_batch(tok, examples, n_img)
        ids, px, attn, lm = ids.to(device), px.to(device), attn.to(device), lm.to(device)
        for g in opt.param_groups + aux_opt.param_groups:
            g["lr"] = g.get("fixed_lr", lr_at(step, s))
        sigma = sigma_at(step, s)
        object_shape = s.object_shape if step >= s.object_shape_start else 0.0
        if use_aux:
            labels = torch.from_numpy(np.stack([e[2] for e in examples])).to(device)
            boxes = torch.from_numpy(np.stack([e[3] for e in examples])).to(device)
            chars = torch.from_numpy(np.stack([e[4] for e in examples])).to(device)
        turn = torch.zeros(())
        if vision_only:
            feats = model.ref.projected_image_features(px)
            loss = aux = heads.loss(feats, labels, boxes, object_shape, chars, s.char_probe)
        else:
            hidden = [] if s.turn_probe > 0 else None
            if use_aux:
                logits, feats = model.logits_and_image_features(ids, px, attn, hidden)
                aux = heads.loss(feats, labels, boxes, object_shape, chars, s.char_probe)
            else:
                logits, aux = model.logits(ids, px, attn, hidden), torch.zeros(())
            if hidden is not None:
                turn = heads.turn_loss(hidden[0], segment_turn_targets(ids.cpu(), examples, tok.vocab["<seg000>"]).to(device))
            loss = loss_fn(logits, ids, lm, tok.vocab["<loc0000>"], sigma)
        opt.zero_grad()
        aux_opt.zero_grad()
        (aux if vision_only else loss + s.aux_patch * aux + s.turn_probe * turn).backward()
        elapsed = time.time() - t0
        wants_stop = float(lead and s.max_minutes > 0 and elapsed > s.max_minutes * 60)
        loss_value, aux_value, turn_value, stop = replicas.average(model.parameters() + list(heads.parameters()),
                                                                   [float(loss), float(aux), float(turn), wants_stop])
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        aux_opt.step()
        step += 1
        out_of_time = stop > 0
        if not lead:
            if out_of_time:
                break
            continue
        log["step"].append(offset + step)
        log["loss"].append(loss_value)
        log["seconds"].append(prior_seconds + elapsed)
        if step % s.log_every == 0 or step == s.steps:
            done = step - start
            turn_text = f" turn {turn_value:.3f}" if s.turn_probe > 0 else ""
            print(f"step {step}/{s.steps} loss {loss_value:.4f} aux {aux_value:.3f}{turn_text} lr {lr_at(step - 1, s):.2e} "
                  f"sigma {sigma:.1f} {elapsed / done:.2f} s/step, seq {ids.shape[1]}", flush=True)
        if step in keep_steps:
            _save(os.path.join(s.work, f"weights-{step}.pt"), {"step": step, "offset": offset, "weights": model.state(),
                                                                "config": cfg})
        if time.time() - last_save > s.save_minutes * 60 or step == s.steps or out_of_time:
            _save(ckpt_path, {"step": step, "offset": offset, "weights": model.state(), "optimizer": opt.state_dict(), "log": log,
                              "settings": asdict(s), "config": cfg,
                              "aux": {"heads": heads.state_dict(), "optimizer": aux_opt.state_dict()}})
            plot_losses(os.path.join(s.work, "loss.png"), log["step"], log["loss"],
                        f"PaliGemma tiny: suffix cross-entropy (batch {s.batch})")
            with open(os.path.join(s.work, "loss.json"), "w") as f:
                json.dump(log, f)
            last_save = time.time()
            print(f"saved {ckpt_path} at step {step}", flush=True)
        if out_of_time:
            print(f"stopping after {s.max_minutes} minutes at step {step} (resume with --resume)", flush=True)
            break
    return model if lead else None
