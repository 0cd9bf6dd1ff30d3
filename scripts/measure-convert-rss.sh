#!/usr/bin/env bash
# Measures the peak resident memory of `paligemma convert` on a synthetic checkpoint of >= 1 GB.
# The checkpoint is a tiny PaliGemma 2 with a full-size embedding table (257216 x 1024 float32 = 1.05 GB),
# so one tensor alone is larger than 1 GB. Usage: scripts/measure-convert-rss.sh [work-dir] [fp32|fp16|int4|auto]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$repo/artifacts/rss}"
precision="${2:-fp32}"
cli="$repo/tools/PaliGemma.Cli/bin/Release/net10.0/paligemma"

dotnet build "$repo/tools/PaliGemma.Cli" -c Release -v q -nologo >/dev/null
rm -rf "$work"
mkdir -p "$work"

"$cli" create-tiny --variant pg2 --image-size 224 --vocab-size 257216 --text-hidden 1024 --text-intermediate 2048 \
  --output "$work/hf" --seed 1 >/dev/null
checkpoint_bytes=$(du -cb "$work"/hf/*.safetensors | tail -1 | cut -f1)

/usr/bin/time -v "$cli" convert --input "$work/hf" --output "$work/model" --precision "$precision" \
  >"$work/convert.log" 2>"$work/time.log" || { cat "$work/time.log" >&2; exit 1; }

peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.log")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.log")
model_bytes=$(du -sb "$work/model" | cut -f1)
echo "checkpoint: $checkpoint_bytes bytes; model folder: $model_bytes bytes; precision: $precision"
echo "peak RSS: $((peak_kb / 1024)) MiB ($peak_kb kB); wall: $wall"
