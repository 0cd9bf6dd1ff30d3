"""Mask VQ-VAE with big_vision's decoder architecture (vqvae_decoder.torch_decoder) and a small conv encoder:
64x64 mask crop -> 4x4 grid of 16 codes from a 128 x 512 codebook -> 64x64 logits (> 0 = inside).

The saved npz uses vae-oid.npz's key layout ('_vq_vae._embedding', 'decoder.N.*'), which our C#
MaskDecoderExporter reads; the encoder is stored too as 'encoder.*' (ignored by the exporter, kept for
encoding training targets and for resuming).
"""

from __future__ import annotations

import os
import sys
from typing import Iterator, List

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from vqvae_decoder import EMBED_DIM, NUM_CODES, torch_decoder  # noqa: E402
from scenes import generate_scene  # noqa: E402
from scenes.tasks import encode_box, mask_crop64  # noqa: E402


def torch_encoder(dim: int) -> torch.nn.Sequential:
    layers: List[torch.nn.Module] = []
    cin = 1
    for cout in (16, 32, 64, 128):  # 64 -> 32 -> 16 -> 8 -> 4
        layers += [torch.nn.Conv2d(cin, cout, 4, stride=2, padding=1), torch.nn.ReLU()]
        cin = cout
    layers += [torch.nn.Conv2d(cin, 128, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(128, dim, 1)]
    return torch.nn.Sequential(*layers)


class MaskVqVae(torch.nn.Module):
    def __init__(self, num_codes: int = NUM_CODES, dim: int = EMBED_DIM):
        super().__init__()
        self.encoder = torch_encoder(dim)
        self.codebook = torch.nn.Parameter(torch.randn(num_codes, dim) * 0.1)
        self.decoder = torch_decoder(dim)

    def encode(self, masks: torch.Tensor) -> torch.Tensor:
        """masks [B, 64, 64] in 0..1 -> codes [B, 16] (row-major over the 4x4 grid)."""
        z = self.encoder(masks[:, None] * 2.0 - 1.0).permute(0, 2, 3, 1).reshape(masks.shape[0], 16, -1)
        return torch.cdist(z, self.codebook[None]).argmin(-1)

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        x = self.codebook[codes.reshape(-1)].reshape(codes.shape[0], 4, 4, -1).permute(0, 3, 1, 2)
        return self.decoder(x)[:, 0]

    def forward(self, masks: torch.Tensor):
        z = self.encoder(masks[:, None] * 2.0 - 1.0).permute(0, 2, 3, 1)  # [B, 4, 4, D]
        flat = z.reshape(-1, z.shape[-1])
        codes = torch.cdist(flat[None], self.codebook[None])[0].argmin(-1)
        q = self.codebook[codes].reshape(z.shape)
        vq_loss = F.mse_loss(q, z.detach()) + 0.25 * F.mse_loss(z, q.detach())
        q_st = z + (q - z).detach()
        logits = self.decoder(q_st.permute(0, 3, 1, 2))[:, 0]
        return logits, vq_loss, codes

    def state_npz(self) -> dict:
        out = {"_vq_vae._embedding": self.codebook.detach().cpu().numpy().astype(np.float32)}
        for k, v in self.decoder.state_dict().items():
            out["decoder." + k] = v.cpu().numpy().astype(np.float32)
        for k, v in self.encoder.state_dict().items():
            out["encoder." + k] = v.cpu().numpy().astype(np.float32)
        return out

    def load_npz(self, path: str) -> "MaskVqVae":
        d = np.load(path)
        self.codebook.data = torch.from_numpy(d["_vq_vae._embedding"]).float()
        self.decoder.load_state_dict({k[8:]: torch.from_numpy(d[k]) for k in d.files if k.startswith("decoder.")})
        self.encoder.load_state_dict({k[8:]: torch.from_numpy(d[k]) for k in d.files if k.startswith("encoder.")})
        return self


def mask_crops(seed0: int) -> Iterator[np.ndarray]:
    """Endless stream of 64x64 training crops from scenes seed0, seed0 + 1, ..."""
    seed = seed0
    while True:
        s = generate_scene(seed)
        for o in s.objects:
            yield mask_crop64(o.mask, encode_box(o.box, s.size), s.size)
        seed += 1


def restart_dead_codes(model: MaskVqVae, z_flat: torch.Tensor, used: torch.Tensor, gen: torch.Generator) -> int:
    dead = (~used).nonzero().flatten()
    if len(dead):
        pick = torch.randint(0, z_flat.shape[0], (len(dead),), generator=gen)
        model.codebook.data[dead] = z_flat[pick].detach()
    return len(dead)
