#!/usr/bin/env bash
# Measures `paligemma batch` memory over 2,000 images (issue 26): VmRSS once 200 result lines are written, and the peak
# VmRSS from then to the end (sampled every 0.2 s). The images are 500 held-out scenes (seeds 0-499) copied four times.
# The bundled model is converted into the cache first, so its one-time conversion is not counted.
# Usage: scripts/measure-batch-rss.sh [work-dir] [extra batch options...]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$repo/artifacts/batch-rss}"
shift || true
cli="$repo/tools/PaliGemma.Cli/bin/Release/net10.0/paligemma"

dotnet build "$repo/tools/PaliGemma.Cli" -c Release -v q -nologo >/dev/null
rm -rf "$work"
mkdir -p "$work/scenes"
(cd "$repo/tools/reference" && /usr/bin/python3 -m scenes --write "$work/scenes" --start 0 --count 500 >/dev/null)
for copy in 0 1 2 3; do
  mkdir -p "$work/images/$copy"
  find "$work/scenes" -name 'scene-*.png' ! -name '*-masks.png' -exec cp {} "$work/images/$copy/" \;
done
find "$work/images" -name '*.png' | sort > "$work/list.txt"
"$cli" run --image "$work/images/0/scene-0.png" --prompt "caption en" >/dev/null 2>&1   # converts the bundled model once

: > "$work/out.jsonl"
start=$(date +%s.%N)
"$cli" batch --task "segment circle" --concurrency 2 --input "$work/list.txt" --output "$work/out.jsonl" "$@" \
  > "$work/batch.out" 2> "$work/batch.err" &
pid=$!
at200=""
peak=0
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || true)
  lines=$(wc -l < "$work/out.jsonl")
  if [[ -n "$rss" ]]; then
    if [[ -z "$at200" && "$lines" -ge 200 ]]; then at200=$rss; fi
    if [[ -n "$at200" && "$rss" -gt "$peak" ]]; then peak=$rss; fi
  fi
  sleep 0.2
done
wait "$pid"
seconds=$(echo "$(date +%s.%N) - $start" | bc)
awk -v a="$at200" -v p="$peak" -v n="$(wc -l < "$work/out.jsonl")" -v s="$seconds" 'BEGIN {
  printf "%d lines in %.1f s (%.1f images/s); VmRSS after 200 images %.1f MB, peak after that %.1f MB (%+.1f %%)\n", n, s, n / s, a / 1024, p / 1024, (p - a) * 100 / a }'
