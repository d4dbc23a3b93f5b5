#!/usr/bin/env bash
# Compiles the plans the GPU tests and benchmarks read into DIR (default
# build/test/gpu/plans): every tiny model of test/models, as is (<model>),
# with the fused instructions (<model>.fused) and with the f16 GEMM for every
# step (<model>.f16), split over 2 ranks, fused (<model>.tp2) and over 4
# (<model>.tp4), the real configs of
# test/configs with --dummy-weights, fused (31B-it also split over 2 ranks),
# and test/gpu's shape configs. Usage:
#   tools/gpu/make-plans.sh [DIR] [ARCH]     (ARCH default sm_90a)
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-build/test/gpu/plans}
arch=${2:-sm_90a}
gemma4c=${GEMMA4C:-${G4_BUILD_DIR:-build}/bin/gemma4c}
mkdir -p "$dir"
for model in test/models/*/; do
  name=$(basename "$model")
  [ -f "$model/golden.safetensors" ] || continue
  "$gemma4c" compile "$model" --arch "$arch" -q -o "$dir/$name.g4plan"
  "$gemma4c" compile "$model" --fuse --arch "$arch" -q -o "$dir/$name.fused.g4plan"
  # Every projection but the LM head on the f16 GEMM, which serves only long prefills by default.
  "$gemma4c" compile "$model" --fuse --f16-gemm-min-rows 1 --arch "$arch" -q -o "$dir/$name.f16.g4plan"
  "$gemma4c" compile "$model" --tp 2 --fuse --arch "$arch" -q -o "$dir/$name.tp2.g4plan"
  "$gemma4c" compile "$model" --tp 4 --arch "$arch" -q -o "$dir/$name.tp4.g4plan"
done
# A tiny dense config with generated weights: both backends must generate the same.
"$gemma4c" compile test/models/dense --dummy-weights --arch "$arch" -q -o "$dir/dense.dummy.g4plan"
# Attention shapes no real config has (group 1 at head_dim 256 and 512), for the kernel tests.
"$gemma4c" compile test/gpu/attention-group1 --dummy-weights --arch "$arch" -q -o "$dir/attention-group1.g4plan"
# head_dim 40 and 72 (not multiples of 16): the SIMT attention kernel, which no real config takes on sm_90a.
"$gemma4c" compile test/gpu/attention-simt --dummy-weights --arch "$arch" -q -o "$dir/attention-simt.g4plan"
for config in test/configs/*/; do
  name=$(basename "$config")
  "$gemma4c" compile "$config" --dummy-weights --fuse --arch "$arch" -q -o "$dir/$name.g4plan"
done
# 31B-it over two GPUs (device-run.sh stage tp).
"$gemma4c" compile test/configs/gemma-4-31B-it --dummy-weights --fuse --tp 2 --arch "$arch" -q \
  -o "$dir/gemma-4-31B-it.tp2.g4plan"
# Every GEMV variant, for the GEMV / cuBLASLt crossover measurement (LinearPerfTest).
"$gemma4c" compile test/configs/gemma-4-E4B-it --dummy-weights --fuse --gemv-max-tokens 64 --arch "$arch" -q \
  -o "$dir/gemma-4-E4B-it.gemv64.g4plan"
echo "plans for $arch in $dir:"
ls "$dir"
