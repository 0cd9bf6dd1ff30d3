#!/usr/bin/env bash
# PyTorch-eager baseline (issue 27 item 5): runs the project's own PyTorch reference (tools/reference/paligemma_ref,
# float32, Debian's torch under /usr/bin/python3) on an HF-layout checkpoint with the image and prompt `paligemma bench`
# uses, and prints JSON with prefill seconds and decode tokens/s (medians). Feed it to the bench:
#   scripts/bench-pytorch.sh artifacts/bench-models/bench-hf > artifacts/bench-results/pytorch.json
#   paligemma bench --model artifacts/bench-models/bench-int4 --image tests/Fixtures/imaging/photo.jpg \
#     --pytorch-baseline artifacts/bench-results/pytorch.json
# Environment: THREADS (default 0 = the cores available to the process, as the bench's default), TOKENS (32),
# RUNS (3), IMAGE (tests/Fixtures/imaging/photo.jpg), PROMPT ("caption en").
# Usage: scripts/bench-pytorch.sh MODEL_HF_FOLDER
set -euo pipefail

if [[ $# -ne 1 || ! -f "$1/config.json" ]]; then
  echo "usage: $0 MODEL_HF_FOLDER (a folder with config.json, model*.safetensors and tokenizer.json)" >&2
  exit 2
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads="${THREADS:-0}"
[[ "$threads" -gt 0 ]] || threads="$(nproc)" # the cores this process may use, as the library's default
# Debian's torch multiplies through OpenBLAS, whose own pthreads would otherwise come on top of torch's (see
# docs/trained-model.md): hold both to the same count.
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
exec /usr/bin/python3 "$repo/tools/reference/bench_pytorch.py" "$1" \
  --image "${IMAGE:-$repo/tests/Fixtures/imaging/photo.jpg}" \
  --prompt "${PROMPT:-caption en}" \
  --tokens "${TOKENS:-32}" \
  --runs "${RUNS:-3}" \
  --threads "$threads"
