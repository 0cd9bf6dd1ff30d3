#!/usr/bin/python3
"""Train a tiny PaliGemma 2 on synthetic scenes (issue 9). Run with Debian's /usr/bin/python3 (torch, numpy, PIL).

  train.py vae    --out W/vae.npz [--steps 600 --batch 16 --max-minutes 0]
  train.py model  --work W --tokenizer-dir TINY [--vae W/vae.npz] [--steps 1500 --batch 16] [--resume]
                  [--save-minutes 10 --max-minutes 0] [--export HF_DIR] [--samples 3]
  train.py export --work W --tokenizer-dir TINY --out HF_DIR      (HF layout, fp16, from checkpoint.pt)
  train.py average --tokenizer-dir TINY --out HF_DIR CK.pt...     (uniform mean of checkpoints' weights, exported)

TINY is a folder written by `paligemma create-tiny --variant pg2 --image-size 112`: its tokenizer files
are copied into the checkpoint (ids of <image>, <locNNNN>, <segNNN> match our C# tokenizer) and its
config.json is the template whose widths this recipe overrides. CUDA is used when available.
"""

import argparse
import os
import sys
import tempfile
import time

# Two BLAS threads on top of torch's own threads oversubscribe the cores and make the small matrix products of this
# recipe ~4x slower; parallelism comes from torch's threads or from --procs (one process per core).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from training.loop import TrainSettings, train_model  # noqa: E402
from training.model import TrainableModel  # noqa: E402
from training.sample import show_samples  # noqa: E402
from training.tokenizer import BpeTokenizer  # noqa: E402
from training.vae_train import train_vae  # noqa: E402


def device(threads: int = 0) -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda")
    torch.set_num_threads(threads or max(1, os.cpu_count() or 1))
    return torch.device("cpu")


def _replica(rank: int, world: int, init_file: str, settings: TrainSettings, resume: bool) -> None:
    """One process of a data-parallel CPU run (torch.distributed over gloo, rendezvous through a local file)."""
    import torch.distributed as dist
    dist.init_process_group("gloo", init_method="file://" + init_file, rank=rank, world_size=world)
    try:
        train_model(settings, resume, device(threads=1), rank, world)  # replica 0 writes checkpoint.pt at the end
    finally:
        dist.destroy_process_group()


def train_replicated(settings: TrainSettings, resume: bool, procs: int) -> TrainableModel:
    """Data-parallel training over `procs` CPU processes of one thread each (see training.loop._Replicas): on small
    matrices one process per core is far faster than one process with a thread per core."""
    import torch.multiprocessing as mp
    os.makedirs(settings.work, exist_ok=True)
    fd, init_file = tempfile.mkstemp(prefix="rendezvous-", dir=settings.work)
    os.close(fd)
    os.remove(init_file)  # gloo's file store creates it
    try:
        mp.spawn(_replica, args=(procs, init_file, settings, resume), nprocs=procs, join=True)
    finally:
        if os.path.exists(init_file):
            os.remove(init_file)
    ck = torch.load(os.path.join(settings.work, "checkpoint.pt"), map_location="cpu")
    return TrainableModel(ck["config"], {k: v.numpy() for k, v in ck["weights"].items()}, device())


def model_settings(a) -> TrainSettings:
    return TrainSettings(work=a.work, tokenizer_dir=a.tokenizer_dir, vae=getattr(a, "vae", None), steps=a.steps,
                         batch=a.batch, lr=a.lr, warmup=a.warmup, seed=a.seed, image_size=a.image_size,
                         vision_hidden=a.vision_hidden, vision_layers=a.vision_layers, text_hidden=a.text_hidden,
                         text_layers=a.text_layers, save_minutes=getattr(a, "save_minutes", 10.0),
                         max_minutes=getattr(a, "max_minutes", 0.0), log_every=getattr(a, "log_every", 10),
                         save_steps=getattr(a, "save_steps", "") or "",
                         loc_sigma=getattr(a, "loc_sigma", 0.0), loc_sigma_start=getattr(a, "loc_sigma_start", 0),
                         loc_sigma_end=getattr(a, "loc_sigma_end", 0.0),
                         loc_sigma_anneal_start=getattr(a, "loc_sigma_anneal_start", -1),
                         aux_patch=getattr(a, "aux_patch", 0.0), aux_patch_start=getattr(a, "aux_patch_start", 0),
                         task_weights=getattr(a, "task_weights", ""), task_weights_start=getattr(a, "task_weights_start", 0),
                         vision_steps=getattr(a, "vision_steps", 0), smooth_loc=getattr(a, "smooth_loc", False),
                         object_shape=getattr(a, "object_shape", 0.0), object_shape_start=getattr(a, "object_shape_start", 0),
                         vision_lr=getattr(a, "vision_lr", 0.0), detect_all=getattr(a, "detect_all", 0.25),
                         char_probe=getattr(a, "char_probe", 0.0), turn_probe=getattr(a, "turn_probe", 0.0),
                         segment_focus=getattr(a, "segment_focus", "") or "", init_from=getattr(a, "init_from", "") or "",
                         init_step=getattr(a, "init_step", 0))


def add_model_args(p) -> None:
    p.add_argument("--work", required=True, help="folder for checkpoint.pt, loss.json, loss.png")
    p.add_argument("--tokenizer-dir", required=True)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--image-size", type=int, default=112)
    p.add_argument("--vision-hidden", type=int, default=128)
    p.add_argument("--vision-layers", type=int, default=3)
    p.add_argument("--text-hidden", type=int, default=128)
    p.add_argument("--text-layers", type=int, default=4)


def load_for_export(a, dev) -> TrainableModel:
    ck = torch.load(os.path.join(a.work, "checkpoint.pt"), map_location="cpu")
    m = TrainableModel(ck["config"], {k: v.numpy() for k, v in ck["weights"].items()}, dev)
    print(f"loaded {a.work}/checkpoint.pt at step {ck['step']}")
    return m


def average_checkpoints(paths, dev) -> TrainableModel:
    """Weight averaging along one run's late, low-rate steps (a uniform mean of its saved weights): steadier than any
    single checkpoint where a few objects sit on a threshold."""
    cks = [torch.load(p, map_location="cpu") for p in paths]
    if any(ck["config"] != cks[0]["config"] for ck in cks):
        raise SystemExit("average: the checkpoints have different configs")
    names = cks[0]["weights"].keys()
    mean = {k: (sum(ck["weights"][k].double() for ck in cks) / len(cks)).float().numpy() for k in names}
    print(f"averaged {len(cks)} checkpoints (steps {', '.join(str(ck['step']) for ck in cks)})")
    return TrainableModel(cks[0]["config"], mean, dev)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("vae", help="train the mask VQ-VAE")
    v.add_argument("--out", required=True)
    v.add_argument("--steps", type=int, default=600)
    v.add_argument("--batch", type=int, default=16)
    v.add_argument("--lr", type=float, default=2e-3)
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--max-minutes", type=float, default=0.0)
    m = sub.add_parser("model", help="train the model")
    add_model_args(m)
    m.add_argument("--vae", help="trained vae.npz (enables the segment task)")
    m.add_argument("--resume", action="store_true")
    m.add_argument("--save-minutes", type=float, default=10.0)
    m.add_argument("--max-minutes", type=float, default=0.0)
    m.add_argument("--save-steps", default="",
                   help="comma-separated steps after which the weights are also written to WORK/weights-STEP.pt "
                        "(for `average`)")
    m.add_argument("--log-every", type=int, default=10)
    m.add_argument("--loc-sigma", type=float, default=0.0,
                   help="Gaussian soft targets over the 1024 <loc> bins, sigma in bins (0 = one-hot)")
    m.add_argument("--loc-sigma-start", type=int, default=0, help="first step that uses --loc-sigma")
    m.add_argument("--loc-sigma-end", type=float, default=0.0,
                   help="> 0: sigma falls linearly from --loc-sigma to this by the last step")
    m.add_argument("--loc-sigma-anneal-start", type=int, default=-1,
                   help="first step of that fall (default: the first step after --vision-steps)")
    m.add_argument("--aux-patch", type=float, default=0.0,
                   help="weight of the auxiliary per-patch shape/colour loss on the image features (0 = off)")
    m.add_argument("--aux-patch-start", type=int, default=0, help="first step that uses --aux-patch")
    m.add_argument("--task-weights", default="",
                   help="sampling weights caption,detect,segment,ocr,answer (default 0.2,0.25,0.2,0.15,0.2)")
    m.add_argument("--task-weights-start", type=int, default=0, help="first step that uses --task-weights")
    m.add_argument("--vision-steps", type=int, default=0,
                   help="the first N steps train the vision tower and projector on the auxiliary probes alone")
    m.add_argument("--object-shape", type=float, default=0.0,
                   help="weight of the shape probe's cross-entropy on object patches only (0 = off)")
    m.add_argument("--object-shape-start", type=int, default=0, help="first step that uses --object-shape")
    m.add_argument("--smooth-loc", action="store_true",
                   help="start the <loc> embeddings on a smooth curve (neighbouring bins alike)")
    m.add_argument("--vision-lr", type=float, default=0.0,
                   help="peak learning rate of the --vision-steps phase (default: --lr)")
    m.add_argument("--procs", type=int, default=1,
                   help="CPU only: data-parallel processes of one thread each (batch split between them)")
    m.add_argument("--detect-all", type=float, default=0.25,
                   help="share of detect examples that ask for all five classes in a random order")
    m.add_argument("--char-probe", type=float, default=0.0,
                   help="weight of the auxiliary per-patch character probe (the vision tower's signal for ocr); 0 = off")
    m.add_argument("--turn-probe", type=float, default=0.0,
                   help="weight of a probe reading a star's turn from the decoder state that predicts its first "
                        "<seg> code (the code that sets the turn of the mask); 0 = off")
    m.add_argument("--segment-focus", default="",
                   help="SHAPE:P - a share P of every batch is 'segment SHAPE' on scenes that have one (the next seeds "
                        "with one are taken); the rest follow --task-weights")
    m.add_argument("--init-from", default="",
                   help="start from this checkpoint.pt's weights (fresh optimizer and schedule; steps, scenes and the "
                        "loss log continue from its run): a second stage on top of a finished run; an exported HF "
                        "folder gives the weights alone (probes start fresh, see --init-step)")
    m.add_argument("--init-step", type=int, default=0,
                   help="with an HF folder as --init-from: the steps it was trained for, so that scene seeds go on "
                        "past the scenes it saw")
    m.add_argument("--export", help="write the HF-layout checkpoint here at the end")
    m.add_argument("--samples", type=int, default=0, help="greedy-decode every task of this many held-out scenes")
    av = sub.add_parser("average", help="uniform mean of the weights of checkpoints of one run -> HF layout (fp16)")
    av.add_argument("--tokenizer-dir", required=True)
    av.add_argument("--out", required=True)
    av.add_argument("checkpoints", nargs="+", help="checkpoint.pt or weights-STEP.pt files (same config)")
    e = sub.add_parser("export", help="checkpoint.pt -> HF layout (fp16)")
    add_model_args(e)
    e.add_argument("--out", required=True)
    e.add_argument("--samples", type=int, default=0)
    a = ap.parse_args(argv)
    dev = device()
    print(f"device {dev}, threads {torch.get_num_threads()}", flush=True)
    t0 = time.time()
    if a.cmd == "vae":
        train_vae(a.out, a.steps, a.batch, a.lr, a.seed, dev, max_minutes=a.max_minutes)
    elif a.cmd == "model":
        if a.procs > 1 and dev.type == "cpu":
            model = train_replicated(model_settings(a), a.resume, a.procs)
        else:
            model = train_model(model_settings(a), a.resume, dev)
        if a.samples:
            show_samples(model, BpeTokenizer(os.path.join(a.tokenizer_dir, "tokenizer.json")), range(a.samples))
        if a.export:
            model.export(a.export, a.tokenizer_dir)
            print(f"exported {a.export}")
    elif a.cmd == "average":
        model = average_checkpoints(a.checkpoints, dev)
        model.export(a.out, a.tokenizer_dir)
        print(f"exported {a.out}")
    else:
        model = load_for_export(a, dev)
        model.export(a.out, a.tokenizer_dir)
        print(f"exported {a.out}")
        if a.samples:
            show_samples(model, BpeTokenizer(os.path.join(a.tokenizer_dir, "tokenizer.json")), range(a.samples))
    print(f"done in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
