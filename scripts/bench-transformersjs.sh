#!/usr/bin/env bash
# Baseline (b) of docs/performance.md: this library vs transformers.js (@huggingface/transformers + onnxruntime-node,
# Node 20) on the same weights, the same image and prompt, and the same intra-op thread count, in one run.
#   1. makes the checkpoint if missing (mid: scripts/make-bench-models.sh mid; tiny: paligemma create-tiny),
#   2. converts it twice: this library's folder and `--layout transformers-js` (skipped when present),
#   3. writes an S×S PNG of tests/Fixtures/imaging/photo.jpg (so neither side resizes: transformers.js resizes with
#      sharp, this library with PIL's bicubic, which differ),
#   4. runs `paligemma bench` and benchmarks/transformersjs/run.mjs one after the other (niced), ROUNDS times,
#   5. prints the comparison (benchmarks/transformersjs/compare.mjs): same prompt ids, same greedy tokens, decode ratio
#      per round and the median over rounds.
# Usage: PRECISION=fp32 TOKENS=16 RUNS=2 THREADS=1 ROUNDS=3 scripts/bench-transformersjs.sh [mid|mid-varied|tiny]
#   mid: the bench model of make-bench-models.sh (random tied embeddings: greedy decoding echoes the fed token);
#   mid-varied: the same shape with larger weights and a small embedding std, so greedy decoding does not echo (fp32, int4);
#   tiny: hidden 64, 2 layers (weight std 0.3, embedding std 0.05: non-trivial tokens), fixed costs only.
# Needs node and npm (not part of `dotnet test` or CI). Results: artifacts/bench-results/tjs-<model>-<precision>*.json
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-mid}"
precision="${PRECISION:-fp32}"
tokens="${TOKENS:-16}"
runs="${RUNS:-2}"
rounds="${ROUNDS:-3}"
threads="${THREADS:-1}"
models="$repo/artifacts/bench-models"
results="$repo/artifacts/bench-results"
runner="$repo/benchmarks/transformersjs"
cli="$repo/tools/PaliGemma.Cli/bin/Release/net10.0/paligemma"
case "$precision" in fp32|fp16|int4) ;; *) echo "PRECISION must be fp32, fp16 or int4, not '$precision'" >&2; exit 2 ;; esac
command -v node >/dev/null || { echo "node is not installed (Node 20 or later is needed for the transformers.js baseline)" >&2; exit 2; }

nice -n 5 dotnet build "$repo/tools/PaliGemma.Cli" -c Release -v q -nologo >/dev/null
mkdir -p "$models" "$results"
[[ -d "$runner/node_modules" ]] || (cd "$runner" && npm ci --no-audit --no-fund >/dev/null)

case "$which" in
  mid|mid-varied)
    [[ -f "$models/$which-hf/config.json" && -d "$models/$which-$precision" ]] || nice -n 5 "$repo/scripts/make-bench-models.sh" "$which" "$models"
    ;;
  tiny)
    [[ -f "$models/tiny-hf/config.json" ]] || "$cli" create-tiny --variant pg1 --seed 7 --weight-std 0.3 --embedding-std 0.05 --output "$models/tiny-hf" >/dev/null
    [[ -d "$models/tiny-$precision" ]] || nice -n 5 "$cli" convert -i "$models/tiny-hf" -o "$models/tiny-$precision" -p "$precision" --model-id "bench-tiny-$precision" >/dev/null
    ;;
  *) echo "unknown model '$which' (mid, mid-varied or tiny)" >&2; exit 2 ;;
esac

ours="$models/$which-$precision"
tjs="$models/$which-$precision-tjs"
if [[ ! -f "$tjs/config.json" ]]; then
  echo "converting $which ($precision) to the transformers.js layout"
  nice -n 5 /usr/bin/time -f "  %e s wall, peak RSS %M kB" "$cli" convert -i "$models/$which-hf" -o "$tjs" -p "$precision" --layout transformers-js --overwrite >/dev/null
fi

size="$(node -e "console.log(JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')).image_size)" "$ours/paligemma.json")"
image="$results/photo-$size.png"
(cd "$runner" && node -e "require('sharp')(process.argv[1]).resize(+process.argv[3], +process.argv[3], { fit: 'fill' }).removeAlpha().png().toFile(process.argv[2])" \
  "$repo/tests/Fixtures/imaging/photo.jpg" "$image" "$size")

name="tjs-$which-$precision"
pairs=()
for round in $(seq 1 "$rounds"); do
  echo "== round $round/$rounds: paligemma bench ($ours, $threads thread(s), $tokens tokens, $runs runs)"
  nice -n 5 "$cli" bench --model "$ours" --image "$image" --prompt "caption en" --tokens "$tokens" --runs "$runs" --threads "$threads" \
    --json "$results/$name-ours-$round.json" >/dev/null
  echo "== round $round/$rounds: transformers.js ($tjs)"
  (cd "$runner" && nice -n 5 node run.mjs --model "$tjs" --image "$image" --prompt "caption en" --tokens "$tokens" --runs "$runs" --threads "$threads") \
    > "$results/$name-transformersjs-$round.json"
  pairs+=("$results/$name-ours-$round.json" "$results/$name-transformersjs-$round.json")
done
node "$runner/compare.mjs" "${pairs[@]}" | tee "$results/$name.json"
