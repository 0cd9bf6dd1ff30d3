#!/usr/bin/python3
"""Independent reference for PaliGemma's segmentation-mask decoder (big_vision's VQ-VAE decoder, vae-oid.npz).

Writes test fixtures to tests/Fixtures/masks/ (run with Debian's /usr/bin/python3: numpy, torch, PIL):

  vae-random.npz   random weights with the key names and shapes of vae-oid.npz (decoder + codebook only)
  codes.json       20 random code sequences (16 codes each, 0..127)
  logits.bin       expected decoder output for them, float32 little-endian, [20, 64, 64] row-major
  placement.json   masks pasted into images, computed the way big_vision's evaluator does it
                   (int() box rounding, PIL BILINEAR resize of the 64x64 float image, > 0), as COCO
                   uncompressed RLE (column-major runs starting with background)

Facts (from big_vision/evaluators/proj/paligemma/transfers/segmentation.py, read for facts only):
  * the npz holds PyTorch state_dict tensors: '_vq_vae._embedding' [num_codes, D], 'decoder.N.weight'/'.bias'.
    Conv2d weights are [out, in, kh, kw]; ConvTranspose2d weights are [in, out, kh, kw].
  * decoder: 0 Conv1x1(D->128), 1 ReLU, 2-3 ResBlock(net.0 Conv3x3, net.1 ReLU, net.2 Conv3x3, net.3 ReLU,
    net.4 Conv1x1, + x), 4/6/8/10 ConvTranspose(k4, s2) with 128, 64, 32, 16 output channels each followed
    by ReLU (5/7/9/11), 12 Conv1x1(16->1). No activation at the end.
  * the 16 codes are looked up and reshaped row-major to [B, 4, 4, D] (NHWC): code i -> row i // 4, col i % 4.
  * flax runs ConvTranspose with padding=2 and transpose_kernel=True on the HWIO kernel transpose(w, (2,3,1,0)),
    i.e. a stride-1 correlation over the 2x-dilated input padded by 2 with the spatially flipped kernel.
    That equals PyTorch ConvTranspose2d(k=4, s=2, p=1) (and ONNX ConvTranspose pads=[1,1,1,1]); this script
    checks the two formulations agree.

The decoder widths (128; 128, 64, 32, 16; 1) are hard-coded in big_vision's flax Decoder; D is read from the file
there. We use D = 512 (the size given in our issue for vae-oid.npz) and 128 codes. The random weights are rounded to
multiples of 1/1024 so that np.savez_compressed keeps the file small (1.9 MB).
"""

import json
import os
import sys

import numpy as np
import PIL.Image
import torch

SEED = 20240515
NUM_CODES = 128
EMBED_DIM = 512
WIDTH = 128
UPSAMPLE_CHANNELS = [128, 64, 32, 16]
NUM_CASES = 20


def quantised_normal(rng, shape, std):
    return (np.round(rng.standard_normal(shape) * std * 1024.0) / 1024.0).astype(np.float32)


def make_weights(rng):
    """State-dict style arrays with vae-oid.npz's decoder + codebook key names and shapes."""
    w = {'_vq_vae._embedding': quantised_normal(rng, (NUM_CODES, EMBED_DIM), 1.0)}

    def conv(name, cout, cin, k):
        w[name + '.weight'] = quantised_normal(rng, (cout, cin, k, k), np.sqrt(2.0 / (cin * k * k)))
        w[name + '.bias'] = quantised_normal(rng, (cout,), 0.05)

    def conv_t(name, cin, cout, k):
        # Each output pixel of a stride-2, k=4 transposed conv sees cin * 4 taps.
        w[name + '.weight'] = quantised_normal(rng, (cin, cout, k, k), np.sqrt(2.0 / (cin * 4)))
        w[name + '.bias'] = quantised_normal(rng, (cout,), 0.05)

    conv('decoder.0', WIDTH, EMBED_DIM, 1)
    for block in (2, 3):
        conv(f'decoder.{block}.net.0', WIDTH, WIDTH, 3)
        conv(f'decoder.{block}.net.2', WIDTH, WIDTH, 3)
        conv(f'decoder.{block}.net.4', WIDTH, WIDTH, 1)
    cin = WIDTH
    for index, cout in zip((4, 6, 8, 10), UPSAMPLE_CHANNELS):
        conv_t(f'decoder.{index}', cin, cout, 4)
        cin = cout
    conv('decoder.12', 1, cin, 1)
    # Centre the final layer so that roughly half of the pixels are foreground.
    return w


# ---------------------------------------------------------------- numpy, flax (NHWC) semantics

def np_conv(x, kernel_hwio, bias, pad):
    """Stride-1 cross-correlation, NHWC input, HWIO kernel, symmetric zero padding."""
    kh, kw = kernel_hwio.shape[:2]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    h = xp.shape[1] - kh + 1
    wd = xp.shape[2] - kw + 1
    out = np.zeros((x.shape[0], h, wd, kernel_hwio.shape[3]), np.float64)
    for dy in range(kh):
        for dx in range(kw):
            out += np.einsum('bhwi,io->bhwo', xp[:, dy:dy + h, dx:dx + wd, :], kernel_hwio[dy, dx])
    return out + bias


def np_conv_transpose(x, kernel_hw_out_in, bias):
    """flax nn.ConvTranspose(k4, s2, padding=2, transpose_kernel=True): dilate by 2, pad 2, flipped kernel."""
    b, h, w, c = x.shape
    dil = np.zeros((b, 2 * h - 1, 2 * w - 1, c), np.float64)
    dil[:, ::2, ::2, :] = x
    flipped = kernel_hw_out_in[::-1, ::-1].transpose(0, 1, 3, 2)  # -> [kh, kw, in, out]
    return np_conv(dil, flipped, bias, pad=2)


def numpy_decode(weights, codes):
    relu = lambda v: np.maximum(v, 0.0)
    hwio = lambda name: np.transpose(weights[name + '.weight'].astype(np.float64), (2, 3, 1, 0))
    bias = lambda name: weights[name + '.bias'].astype(np.float64)
    emb = weights['_vq_vae._embedding'].astype(np.float64)
    x = emb[codes.reshape(-1)].reshape(codes.shape[0], 4, 4, emb.shape[1])
    x = relu(np_conv(x, hwio('decoder.0'), bias('decoder.0'), 0))
    for block in (2, 3):
        p = f'decoder.{block}.net.'
        y = relu(np_conv(x, hwio(p + '0'), bias(p + '0'), 1))
        y = relu(np_conv(y, hwio(p + '2'), bias(p + '2'), 1))
        x = np_conv(y, hwio(p + '4'), bias(p + '4'), 0) + x
    for index in (4, 6, 8, 10):
        x = relu(np_conv_transpose(x, hwio(f'decoder.{index}'), bias(f'decoder.{index}')))
    x = np_conv(x, hwio('decoder.12'), bias('decoder.12'), 0)
    return x[..., 0]


# ---------------------------------------------------------------- PyTorch (NCHW) semantics

class ResBlock(torch.nn.Module):
    def __init__(self, width):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Conv2d(width, width, 3, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(width, width, 3, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(width, width, 1))

    def forward(self, x):
        return self.net(x) + x


def torch_decoder(dim):
    layers = [torch.nn.Conv2d(dim, WIDTH, 1), torch.nn.ReLU(), ResBlock(WIDTH), ResBlock(WIDTH)]
    cin = WIDTH
    for cout in UPSAMPLE_CHANNELS:
        layers += [torch.nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1), torch.nn.ReLU()]
        cin = cout
    layers.append(torch.nn.Conv2d(cin, 1, 1))
    return torch.nn.Sequential(*layers)


def torch_decode(weights, codes):
    emb = torch.from_numpy(weights['_vq_vae._embedding']).double()
    decoder = torch_decoder(emb.shape[1]).double()
    state = {k[len('decoder.'):]: torch.from_numpy(v).double() for k, v in weights.items() if k.startswith('decoder.')}
    decoder.load_state_dict(state, strict=True)
    with torch.no_grad():
        x = emb[torch.from_numpy(codes).reshape(-1)].reshape(codes.shape[0], 4, 4, -1).permute(0, 3, 1, 2)
        return decoder(x)[:, 0].numpy()


# ---------------------------------------------------------------- placement (big_vision evaluator)

def place(m64, box_yxyx_norm, height, width):
    """Returns the full-image boolean mask, or None when the rounded box is empty."""
    y1, x1, y2, x2 = map(int, (box_yxyx_norm[0] * height, box_yxyx_norm[1] * width,
                               box_yxyx_norm[2] * height, box_yxyx_norm[3] * width))
    mask = np.zeros((height, width), bool)
    if x2 <= x1 or y2 <= y1:
        return mask, (x1, y1, x2, y2)
    mi = np.asarray(PIL.Image.fromarray(m64.astype(np.float32)).resize([x2 - x1, y2 - y1],
                                                                        resample=PIL.Image.BILINEAR))
    mask[y1:y2, x1:x2] = mi > 0.0
    return mask, (x1, y1, x2, y2)


def to_rle(mask):
    flat = mask.T.reshape(-1)  # column-major
    counts, current, run = [], False, 0
    for v in flat:
        if v == current:
            run += 1
        else:
            counts.append(run)
            current, run = v, 1
    counts.append(run)
    return {'size': [int(mask.shape[0]), int(mask.shape[1])], 'counts': counts}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), '..', '..', 'tests', 'Fixtures', 'masks')
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(SEED)
    weights = make_weights(rng)
    codes = rng.integers(0, NUM_CODES, size=(NUM_CASES, 16), dtype=np.int64)
    codes[0] = np.arange(16)               # distinct codes: any mix-up of the 4x4 order shows
    codes[1] = NUM_CODES - 1               # the last codebook row

    # Centre the output: shift the final bias so that the median logit of these cases is ~0.
    raw = numpy_decode(weights, codes)
    weights['decoder.12.bias'] = (weights['decoder.12.bias'] - np.round(np.median(raw) * 1024) / 1024).astype(np.float32)

    expected = numpy_decode(weights, codes)
    check = torch_decode(weights, codes)
    agreement = float(np.abs(expected - check).max())
    print(f'numpy (flax semantics) vs torch ConvTranspose2d(p=1): max |diff| = {agreement:.3e}')
    assert agreement < 1e-9, agreement
    print(f'logits: min {expected.min():.3f} max {expected.max():.3f} foreground {np.mean(expected > 0):.3f}')

    np.savez_compressed(os.path.join(out_dir, 'vae-random.npz'), **weights)
    expected.astype('<f4').tofile(os.path.join(out_dir, 'logits.bin'))
    with open(os.path.join(out_dir, 'codes.json'), 'w') as f:
        json.dump({'seed': SEED, 'shape': [NUM_CASES, 64, 64], 'codes': codes.tolist()}, f)

    cases = []
    placements = [  # (case, image height, width, box y1 x1 y2 x2 in [0, 1])
        (0, 120, 160, (0.10, 0.20, 0.70, 0.90)),   # upscale, non-square image
        (2, 300, 200, (0.05, 0.05, 0.15, 0.25)),   # downscale in both axes (PIL's antialiasing support)
        (3, 97, 131, (0.0, 0.0, 1.0, 1.0)),        # whole image, odd sizes
        (4, 50, 400, (0.333, 0.111, 0.777, 0.999)),  # wide image, fractional box
        (5, 640, 480, (0.5, 0.5, 0.6, 0.55)),      # small box in a large image
        (6, 64, 64, (0.0, 0.0, 1.0, 1.0)),         # identity size
        (7, 33, 1000, (0.2, 0.001, 0.9, 0.01)),    # very narrow box
        (8, 1000, 40, (0.0, 0.0, 0.03, 1.0)),      # very flat box
    ]
    for case, h, w, box in placements:
        mask, (x1, y1, x2, y2) = place(expected[case], box, h, w)
        cases.append({'case': case, 'height': h, 'width': w, 'box_yxyx': list(box),
                      'pixel_box_xyxy': [x1, y1, x2, y2], 'area': int(mask.sum()), 'rle': to_rle(mask)})
    with open(os.path.join(out_dir, 'placement.json'), 'w') as f:
        json.dump({'rule': 'int() truncation of box * size, PIL BILINEAR resize, > 0', 'cases': cases}, f)
    print('wrote', out_dir)


if __name__ == '__main__':
    main()
