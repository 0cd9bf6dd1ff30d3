#!/usr/bin/env bash
# Runs `paligemma bench` over the benchmark models (see make-bench-models.sh) and writes one JSON per model to
# artifacts/bench-results/. Usage: TOKENS=16 RUNS=2 THREADS=1 scripts/run-bench.sh [mid|full|all|model-name...]
# (int4/fp16 models are compared with the fp32 model of the same checkpoint when it exists: top-1 agreement).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tokens="${TOKENS:-16}"
runs="${RUNS:-2}"
threads="${THREADS:-1}" # 1 intra-op thread: on the 2-vCPU test machine 2 spinning ORT threads were ~2x slower (see docs/performance.md)
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
    "$cli" bench --model "$models/$name" --image "$image" --prompt "caption en" --tokens "$tokens" --runs "$runs" --threads "$threads" \
    "${ref[@]}" --json "$results/$name.json"
}

reference_of() { # model name -> fp32 model of the same checkpoint, if another and present
  local ref="${1%%-*}-fp32"
  [[ "$ref" != "$1" && -d "$models/$ref" ]] && echo "$ref" || true
}

names=()
for arg in "${@:-mid}"; do
  case "$arg" in
    mid) names+=(mid-fp32 mid-fp16 mid-int4 mid-int4-fp16head) ;;
    full) names+=(full-int4) ;;
    all) names+=(mid-fp32 mid-fp16 mid-int4 mid-int4-fp16head full-int4) ;;
    *) names+=("$arg") ;;
  esac
done

for name in "${names[@]}"; do
  ref="$(reference_of "$name")"
  if [[ -n "$ref" ]]; then bench "$name" "$ref"; else bench "$name"; fi
done
