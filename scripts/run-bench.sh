#!/usr/bin/env bash
# Runs `paligemma bench` over the benchmark models (see make-bench-models.sh) and writes one JSON per model to
# artifacts/bench-results/. Usage: scripts/run-bench.sh [mid|full|all] [tokens] [runs]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-mid}"
tokens="${2:-16}"
runs="${3:-2}"
models="$repo/artifacts/bench-models"
results="$repo/artifacts/bench-results"
image="$repo/tests/Fixtures/imaging/photo.jpg"
cli="$repo/tools/PaliGemma.Cli/bin/Release/net10.0/paligemma"
dotnet build "$repo/tools/PaliGemma.Cli" -c Release -v q -nologo >/dev/null
mkdir -p "$results"

bench() { # name [reference]
  local name="$1" ref=()
  [[ $# -ge 2 ]] && ref=(--reference "$models/$2" --agreement-steps 64)
  echo "== $name"
  /usr/bin/time -f "  %e s wall, process peak RSS %M kB" \
    "$cli" bench --model "$models/$name" --image "$image" --prompt "caption en" --tokens "$tokens" --runs "$runs" --threads 2 \
    "${ref[@]}" --json "$results/$name.json"
}

if [[ "$which" == mid || "$which" == all ]]; then
  bench mid-fp32
  bench mid-fp16 mid-fp32
  bench mid-int4 mid-fp32
  bench mid-int4-fp16head mid-fp32
fi

if [[ "$which" == full || "$which" == all ]]; then
  if [[ -d "$models/full-fp32" ]]; then bench full-int4 full-fp32; else bench full-int4; fi
fi
