#!/usr/bin/env bash
# Generates the benchmark models (random weights, real PaliGemma widths) under artifacts/bench-models/ (ignored by git).
#   mid  : PaliGemma 1 3B widths (SigLIP 1152 wide / 16 heads / MLP 4304; Gemma 2048 wide / 8 heads / 1 kv head /
#          head_dim 256 / MLP 16384; vocabulary 257216; 224 px) with only 2 vision + 2 text layers,
#          converted to fp32, fp16 and int4 (plus int4 with a float16 head, for the head-policy comparison).
#   full : the same widths with all layers (27 vision, 18 text), bf16 checkpoint, converted to int4 (~2.7 GB) and fp32
#          (~11.7 GB, only as the reference for int4's top-1 agreement).
# Decoders output the last position's logits only (the convert default since --full-logits became opt-in):
# the prefill then skips a prompt-length × 257216 logits matrix.
#   mid-varied : the mid shape with --weight-std 0.06 --embedding-std 0.01 (with the defaults the residual stream of 2 layers is mostly
#          the input embedding, so greedy decoding echoes the fed token); converted to fp32 and int4. Used by
#          scripts/bench-transformersjs.sh to compare greedy tokens that are not mere echoes of the input.
#   bench : the model of docs/performance.md's reference table (issue 27): the mid-varied widths and std with 4 vision +
#          6 text layers; converted to fp32 and int4. Its bench-hf checkpoint is also what scripts/bench-pytorch.sh reads.
# Existing checkpoints are reused; delete <out-dir>/*-hf to regenerate them.
# Usage: scripts/make-bench-models.sh [mid|mid-varied|bench|full|all] [out-dir]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-mid}"
out="${2:-$repo/artifacts/bench-models}"
cli="$repo/tools/PaliGemma.Cli/bin/Release/net10.0/paligemma"
dotnet build "$repo/tools/PaliGemma.Cli" -c Release -v q -nologo >/dev/null
mkdir -p "$out"

pg1_widths=(--variant pg1 --image-size 224 --vocab-size 257216
  --vision-hidden 1152 --vision-heads 16 --vision-intermediate 4304
  --text-hidden 2048 --text-heads 8 --text-kv-heads 1 --head-dim 256 --text-intermediate 16384)

timed() { /usr/bin/time -f "  %e s wall, peak RSS %M kB" "$@"; }

if [[ "$which" == mid || "$which" == all ]]; then
  echo "mid checkpoint (2 + 2 layers)"
  [[ -f "$out/mid-hf/config.json" ]] || timed "$cli" create-tiny "${pg1_widths[@]}" --vision-layers 2 --text-layers 2 --seed 7 --output "$out/mid-hf" >/dev/null
  for p in fp32 fp16 int4; do
    echo "mid $p"
    timed "$cli" convert --input "$out/mid-hf" --output "$out/mid-$p" --precision "$p" --model-id "bench-mid-$p" --overwrite >/dev/null
  done
  echo "mid int4 with float16 head"
  timed "$cli" convert --input "$out/mid-hf" --output "$out/mid-int4-fp16head" --precision int4 --int4-fp16-head --model-id bench-mid-int4-fp16head --overwrite >/dev/null
fi

if [[ "$which" == mid-varied ]]; then
  echo "mid-varied checkpoint (2 + 2 layers, weight std 0.06, embedding std 0.01)"
  [[ -f "$out/mid-varied-hf/config.json" ]] || timed "$cli" create-tiny "${pg1_widths[@]}" --vision-layers 2 --text-layers 2 --weight-std 0.06 --embedding-std 0.01 --seed 7 --output "$out/mid-varied-hf" >/dev/null
  for p in fp32 int4; do
    echo "mid-varied $p"
    timed "$cli" convert --input "$out/mid-varied-hf" --output "$out/mid-varied-$p" --precision "$p" --model-id "bench-mid-varied-$p" --overwrite >/dev/null
  done
fi

if [[ "$which" == bench ]]; then
  echo "bench checkpoint (4 + 6 layers, weight std 0.06, embedding std 0.01)"
  [[ -f "$out/bench-hf/config.json" ]] || timed "$cli" create-tiny "${pg1_widths[@]}" --vision-layers 4 --text-layers 6 --weight-std 0.06 --embedding-std 0.01 --seed 7 --output "$out/bench-hf" >/dev/null
  for p in fp32 int4; do
    echo "bench $p"
    timed "$cli" convert --input "$out/bench-hf" --output "$out/bench-$p" --precision "$p" --model-id "bench-$p" --overwrite >/dev/null
  done
fi

if [[ "$which" == full || "$which" == all ]]; then
  echo "full PG1-3B-shape checkpoint (27 + 18 layers, bf16)"
  [[ -f "$out/full-hf/config.json" ]] || timed "$cli" create-tiny "${pg1_widths[@]}" --vision-layers 27 --text-layers 18 --dtype bf16 --shards 4 --seed 7 --output "$out/full-hf" >/dev/null
  echo "full int4"
  timed "$cli" convert --input "$out/full-hf" --output "$out/full-int4" --precision int4 --model-id bench-full-int4 --overwrite >/dev/null
  echo "full fp32 (reference for the int4 top-1 agreement; ~11.7 GB)"
  timed "$cli" convert --input "$out/full-hf" --output "$out/full-fp32" --precision fp32 --model-id bench-full-fp32 --overwrite >/dev/null
fi

du -sh "$out"/* 2>/dev/null
