#!/usr/bin/env bash
# Usage: fuzz/run.sh TARGET SECONDS [extra libFuzzer flags...]
#   TARGET: image | parser | prompt | safetensors | config | npz | resolver | onnx | modelconfig | grammar
# Builds the libFuzzer driver (fuzz/driver/libfuzzer-dotnet.c), publishes fuzz/PaliGemma.Fuzz, instruments the
# PaliGemma assemblies with SharpFuzz (the image target reaches SkiaSharp's native decoders, which it cannot
# instrument), then fuzzes TARGET for SECONDS.
# New inputs go to fuzz/out/corpus/TARGET (the committed seeds in fuzz/corpus/TARGET are read only), crashes to
# fuzz/out/findings/TARGET/; fuzz/dict/TARGET.dict, if present, is passed as a libFuzzer dictionary; the log to fuzz/out/TARGET.log (its last "#N DONE" / "stat::number_of_executed_units"
# line is the execution count).
# Needs: clang + libclang-rt-14-dev (Debian), and `dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0`.
# Set FUZZ_SKIP_BUILD=1 to reuse the last build.
set -euo pipefail
target="${1:?usage: fuzz/run.sh TARGET SECONDS}"
seconds="${2:?usage: fuzz/run.sh TARGET SECONDS}"
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/out"
publish="$out/publish"
export PATH="$PATH:$HOME/.dotnet/tools"
mkdir -p "$out"

if [[ "${FUZZ_SKIP_BUILD:-0}" != "1" || ! -x "$out/libfuzzer-dotnet" || ! -f "$publish/PaliGemma.Fuzz.dll" ]]; then
  clang -O2 -fsanitize=fuzzer "$here/driver/libfuzzer-dotnet.c" -o "$out/libfuzzer-dotnet"
  rm -rf "$publish"
  dotnet publish "$here/PaliGemma.Fuzz/PaliGemma.Fuzz.csproj" -c Release -o "$publish" --nologo -v quiet
  for assembly in PaliGemma.AI.dll PaliGemma.Onnx.dll PaliGemma.SemanticKernel.dll; do
    if [[ -f "$publish/$assembly" ]]; then sharpfuzz "$publish/$assembly"; fi
  done
fi

mkdir -p "$out/corpus/$target" "$out/findings/$target"
dict=()
if [[ -f "$here/dict/$target.dict" ]]; then dict=(-dict="$here/dict/$target.dict"); fi
cd "$out"
"$out/libfuzzer-dotnet" \
  --target_path="$(command -v dotnet)" --target_arg="$publish/PaliGemma.Fuzz.dll" --target_arg="$target" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$out/findings/$target/" "${dict[@]}" "$@" \
  "$out/corpus/$target" "$here/corpus/$target" 2>&1 | tee "$out/$target.log"
