#!/usr/bin/env bash
# Scores precision mixes of the bundled scene model (models/paligemma2-tiny-scenes) on 300 fresh held-out scenes
# (seeds 900000-900299), one `paligemma eval` per mix, sequentially and niced (docs/performance.md, "int4 precision mixes").
# Needs python3 with numpy and PIL (tools/reference/scenes). Writes under WORK (default artifacts/int4-mixes, git-ignored):
# heldout/ (the scenes), <mix>/ (the converted folder), <mix>.json (every figure) and table.md.
# Usage: scripts/eval-int4-mixes.sh [mix ...]   (default: the mixes of the docs table; also fp32 and auto, the CPU default,
# which is int4-b16-asym-visfp16)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${WORK:-$repo/artifacts/int4-mixes}"
cli="$repo/tools/PaliGemma.Cli/bin/Release/net10.0/paligemma"
ckpt="$repo/models/paligemma2-tiny-scenes"
PY="${PY:-/usr/bin/python3}"

declare -A mixes=(
  [fp16]="--precision fp16"
  [fp32]="--precision fp32"
  [int4]="--precision int4"
  [int4-acc1]="--precision int4 --int4-accuracy-level 1"
  [int4-fp16head]="--precision int4 --int4-fp16-head"
  [int4-asym]="--precision int4 --int4-asymmetric"
  [int4-visfp16]="--precision int4 --vision-precision fp16"
  [fp16-visint4]="--precision fp16 --vision-precision int4"
  [int4-b16-visfp16]="--precision int4 --vision-precision fp16 --int4-block-size 16"
  [int4-b16-asym]="--precision int4 --int4-block-size 16 --int4-asymmetric"
  [int4-b16-asym-visfp16]="--precision int4 --vision-precision fp16 --int4-block-size 16 --int4-asymmetric"
  [int4-b128]="--precision int4 --int4-block-size 128"
  [int4-h128]="--precision int4 --int4-head-block-size 128"
  [auto-h128]="--int4-head-block-size 128"
  [auto]=""
)
order=(fp16 int4 int4-acc1 int4-fp16head int4-asym int4-visfp16 fp16-visint4 int4-b16-visfp16 int4-b16-asym int4-b16-asym-visfp16)
(($# > 0)) && order=("$@")

dotnet build "$repo/tools/PaliGemma.Cli" -c Release -v q -nologo >/dev/null
mkdir -p "$work"
if [[ ! -f "$work/heldout/scenes.jsonl" ]]; then
  (cd "$repo/tools/reference" && nice "$PY" -m scenes --write "$work/heldout" --start 900000 --count 300)
fi

for mix in "${order[@]}"; do
  [[ -v "mixes[$mix]" ]] || { echo "unknown mix '$mix'" >&2; exit 2; }
  echo "== $mix"
  # shellcheck disable=SC2086
  nice -n 10 "$cli" convert -i "$ckpt" -o "$work/$mix" --mask-decoder "$ckpt/vae.npz" --model-id "scenes-$mix" --overwrite ${mixes[$mix]} >/dev/null
  nice -n 10 "$cli" eval --model "$work/$mix" --scenes "$work/heldout" --json "$work/$mix.json" >"$work/$mix.txt" 2>/dev/null
done

"$PY" - "$work" "${order[@]}" <<'EOF' | tee "$work/table.md"
import json, os, sys
work, names = sys.argv[1], sys.argv[2:]
def metrics(d):
    return [d['detection']['meanAveragePrecision'], d['masks']['meanIoU'], d['caption']['exactMatch'], d['ocr']['characterAccuracy'], d['counting']['exactMatch']]
base = metrics(json.load(open(os.path.join(work, 'fp16.json')))) if os.path.exists(os.path.join(work, 'fp16.json')) else None
print('| mix | mAP | mIoU | caption | OCR | counting | worst vs fp16 | folder MB | eval s |')
print('|---|---|---|---|---|---|---|---|---|')
for n in names:
    d = json.load(open(os.path.join(work, n + '.json')))
    m = metrics(d)
    worst = f"{min(a - b for a, b in zip(m, base)):+.3f}" if base else '-'
    size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(os.path.join(work, n)) for f in fs) / 1e6
    print(f"| {n} | " + ' | '.join(f'{v:.3f}' for v in m) + f" | {worst} | {size:.1f} | {d['seconds']:.0f} |")
EOF
