"""Trains the mask VQ-VAE on scene mask crops (BCE on the decoder logits + VQ losses, dead-code restarts)."""

from __future__ import annotations

import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from .plot import plot_losses
from .vqvae import MaskVqVae, mask_crops, restart_dead_codes


def train_vae(out_path: str, steps: int, batch: int, lr: float, seed: int, device: torch.device,
              log_every: int = 25, max_minutes: float = 0.0) -> dict:
    torch.manual_seed(seed)
    model = MaskVqVae().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    stream = mask_crops(2_000_000 + seed * 100_000)
    gen = torch.Generator().manual_seed(seed)
    steps_log, losses, t0 = [], [], time.time()
    for step in range(1, steps + 1):
        x = torch.from_numpy(np.stack([next(stream) for _ in range(batch)])).to(device)
        logits, vq_loss, codes = model(x)
        rec = F.binary_cross_entropy_with_logits(logits, (x > 0.5).float())
        loss = rec + vq_loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 20 == 0 and step <= steps * 0.8:
            used = torch.zeros(model.codebook.shape[0], dtype=torch.bool, device=device)
            used[codes] = True
            with torch.no_grad():
                z = model.encoder(x[:, None] * 2 - 1).permute(0, 2, 3, 1).reshape(-1, model.codebook.shape[1])
            restart_dead_codes(model, z.cpu(), used.cpu(), gen)
        steps_log.append(step)
        losses.append(float(rec))
        out_of_time = max_minutes > 0 and time.time() - t0 > max_minutes * 60
        if step % log_every == 0 or step == steps or out_of_time:
            with torch.no_grad():
                iou = _iou(model.decode(codes.reshape(-1, 16)) > 0, x > 0.5)
            print(f"vae step {step}/{steps} bce {float(rec):.4f} vq {float(vq_loss):.4f} iou {iou:.3f} "
                  f"codes {len(torch.unique(codes))} {time.time() - t0:.0f}s", flush=True)
        if out_of_time:
            print(f"vae: stopping at step {step} after {max_minutes} minutes", flush=True)
            break
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    np.savez_compressed(out_path, **model.state_npz())
    plot_losses(os.path.splitext(out_path)[0] + "-loss.png", steps_log, losses, "mask VQ-VAE reconstruction BCE")
    model.eval()
    held = torch.from_numpy(np.stack([m for m, _ in zip(mask_crops(0), range(256))])).to(device)
    with torch.no_grad():
        iou = _iou(model.decode(model.encode(held)) > 0, held > 0.5)
    print(f"vae held-out mask IoU (256 crops from scenes 0..): {iou:.3f}; wrote {out_path}", flush=True)
    return {"held_out_iou": iou, "seconds": time.time() - t0}


def _iou(pred: torch.Tensor, gt: torch.Tensor) -> float:
    inter = (pred & gt).flatten(1).sum(1).float()
    union = (pred | gt).flatten(1).sum(1).float().clamp(min=1)
    return float((inter / union).mean())
