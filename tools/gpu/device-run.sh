#!/usr/bin/env bash
# Runs on the GPU machine (device tool), from the repository root, with
# .device/carry.tar.xz from tools/gpu/pack.sh carried along: the GPU tests, then
# the benchmarks. Writes logs under $OUT (default: .device/out).
#   STAGES="tests nccl tp perf moe-perf tiny e4b moe prefill profile profile-steps torch torch-moe"   which parts to run
#   (default: tests tiny e4b moe)
#   G4_STAGE=.device   the folder tools/gpu/pack.sh packed (carry $G4_STAGE)
#   GTEST_FILTER       narrows the tests stage
set -uo pipefail
cd "$(dirname "$0")/../.."
stage=${G4_STAGE:-.device}
out=${OUT:-$stage/out}
mkdir -p "$out"
stages=${STAGES:-tests tiny e4b moe}
[ -f $stage/carry.tar.xz ] && tar xJf $stage/carry.tar.xz -C $stage
bin=$stage/bin
plans=$stage/plans
export LD_LIBRARY_PATH="$PWD/$stage/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# cuBLASLt comes from the machine's CUDA toolkit or PyTorch's wheels.
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
         $(python3 -c 'import nvidia, os; print(os.path.dirname(nvidia.__file__) + "/cu13/lib")' 2>/dev/null); do
  [ -e "$d/libcublasLt.so.13" ] && export LD_LIBRARY_PATH="$d:${LD_LIBRARY_PATH:-}" && break
done
# NCCL (tensor-parallel plans only) likewise: the toolkit's, or PyTorch's nvidia-nccl wheel.
for d in /usr/local/cuda/lib64 /usr/local/cuda/lib \
         $(python3 -c 'import nvidia; print(*(p + s for p in nvidia.__path__ for s in ("/nccl/lib", "/cu13/lib")))' 2>/dev/null); do
  [ -e "$d/libnccl.so.2" ] && export LD_LIBRARY_PATH="$d:${LD_LIBRARY_PATH:-}" && nccl_dir=$d && break
done
export NCCL_NVLS_ENABLE=${NCCL_NVLS_ENABLE:-0} # never NVLink multicast on the shared hosts (the runtime sets it too)

log() { echo "== $*" | tee -a "$out/summary.txt"; }
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv | tee "$out/gpu.txt"

T() { timeout "$@"; } # every stage bounded: one device call may run 10 minutes
for stage in $stages; do
  case $stage in
  tests)
    log "gpu_tests"
    T 300 $bin/gpu_tests --plans $plans --models test/models 2>&1 | tee "$out/gpu_tests.log" |
      grep -E "golden|dummy|\[ tp|FAILED|PASSED" | tail -80
    ;;
  nccl)
    log "NCCL collectives on every visible GPU (libnccl.so.2 from ${nccl_dir:-nowhere found})"
    nvidia-smi topo -m 2>&1 | tee "$out/topo.txt"
    T 120 $bin/gpu_tests --gtest_filter='Nccl*' 2>&1 | tee "$out/nccl.log" | grep -E "NCCL [0-9]|OK|SKIPPED|FAILED|PASSED"
    ;;
  tp)
    # Two or more GPUs: the split tiny models over NCCL, NCCL's all-reduce
    # bandwidth, 31B-it on one GPU and split over two (1000/1000, concurrency
    # 32), and where a split step's time goes (AllReduce among the ops).
    log "tensor parallelism over NCCL (libnccl.so.2 from ${nccl_dir:-nowhere found})"
    nvidia-smi topo -m 2>&1 | tee "$out/topo.txt"
    T 240 $bin/gpu_tests --plans $plans --models test/models --gtest_filter='TensorParallel*:Nccl*' 2>&1 |
      tee "$out/tp-tests.log" | grep -E "\[ tp|NCCL [0-9]|SKIPPED|FAILED|PASSED" | tail -40
    T 120 $bin/gpu_tests --gtest_also_run_disabled_tests --gtest_filter='NcclPerf*' 2>&1 | grep -v '^\[' |
      tee "$out/nccl-bandwidth.txt"
    for plan in gemma-4-31B-it gemma-4-31B-it.tp2; do
      T 300 $bin/gemma4rt bench $plans/$plan.g4plan --device cuda --num-prompts 64 --input-len 1000 --output-len 1000 \
        --concurrency 32 --json "$out/$plan-c32.json" 2>&1 | tee -a "$out/bench-tp.log"
    done
    T 150 $bin/gemma4rt bench $plans/gemma-4-31B-it.tp2.g4plan --device cuda --num-prompts 32 --input-len 1000 \
      --output-len 16 --concurrency 32 --profile 2>&1 | sed -n '/GPU time per op/,$p' | tee "$out/profile-tp.log"
    ;;
  perf)
    log "Linear throughput (GEMV vs cuBLASLt)"
    T 200 $bin/gpu_tests --plans $plans --gtest_also_run_disabled_tests --gtest_filter='*LinearThroughput*' 2>&1 |
      grep -v '^\[' | tee "$out/linear-perf.txt"
    ;;
  moe-perf)
    log "MoE experts at decode sizes (26B-A4B shapes, weights past L2)"
    T 200 $bin/gpu_tests --plans $plans --gtest_also_run_disabled_tests --gtest_filter='*MoePerf*' 2>&1 |
      grep -v '^\[' | tee "$out/moe-perf.txt"
    ;;
  tiny)
    log "bench tiny (moe)"
    T 60 $bin/gemma4rt bench $plans/moe.g4plan --device cuda --num-prompts 16 --input-len 32 --output-len 32 \
      --concurrency 4 2>&1 | tee -a "$out/bench-tiny.log"
    ;;
  e4b | moe)
    [ $stage = e4b ] && plan=gemma-4-E4B-it || plan=gemma-4-26B-A4B-it
    log "bench $plan (dummy weights): batch 1, then 64 concurrent 1000/1000"
    T 150 $bin/gemma4rt bench $plans/$plan.g4plan --device cuda --num-prompts 4 --input-len 1000 --output-len 256 \
      --concurrency 1 --json "$out/$plan-c1.json" 2>&1 | tee -a "$out/bench-$stage.log"
    T 300 $bin/gemma4rt bench $plans/$plan.g4plan --device cuda --num-prompts 128 --input-len 1000 --output-len 1000 \
      --concurrency 64 --json "$out/$plan-c64.json" 2>&1 | tee -a "$out/bench-$stage.log"
    ;;
  prefill)
    log "prefill of 8192 tokens"
    for plan in gemma-4-E4B-it gemma-4-26B-A4B-it; do
      T 150 $bin/gemma4rt bench $plans/$plan.g4plan --device cuda --num-prompts 3 --input-len 8192 --output-len 1 \
        --concurrency 1 --max-step-tokens 8192 --json "$out/$plan-prefill.json" 2>&1 | tee -a "$out/bench-prefill.log"
    done
    ;;
  profile)
    log "per-op GPU time, E4B and 26B-A4B, 64 concurrent decodes"
    for plan in gemma-4-E4B-it gemma-4-26B-A4B-it; do
      T 150 $bin/gemma4rt bench $plans/$plan.g4plan --device cuda --num-prompts 64 --input-len 1000 --output-len 16 \
        --concurrency 64 --profile 2>&1 | tail -22 | tee -a "$out/profile.log"
    done
    ;;
  profile-steps)
    # Decode alone is the difference of two runs that prefill alike: N + 100 vs 1 output tokens.
    log "per-op GPU time by step kind: prefill 8192; batch 1 and batch 64 (1000 in), 1 vs 101 out"
    for plan in gemma-4-E4B-it gemma-4-26B-A4B-it; do
      for run in "1 8192 1 1" "1 1000 1 1" "1 1000 101 1" "64 1000 1 64" "64 1000 101 64"; do
        set -- $run
        echo "-- $plan prompts $1 in $2 out $3 concurrency $4" | tee -a "$out/profile-steps.log"
        T 120 $bin/gemma4rt bench $plans/$plan.g4plan --device cuda --num-prompts $1 --input-len $2 --output-len $3 \
          --concurrency $4 --max-step-tokens 8192 --profile 2>&1 | sed -n '/GPU time per op/,$p' | tee -a "$out/profile-steps.log"
      done
    done
    ;;
  torch)
    log "PyTorch + transformers baseline (E4B, batch 64, 1000/1000)"
    T 500 python3 tools/gpu/torch_baseline.py --config test/configs/gemma-4-E4B-it --batch 64 --input-len 1000 \
      --output-len 1000 2>&1 | tee "$out/torch.log" | tail -3
    ;;
  torch-moe)
    log "PyTorch + transformers baseline (26B-A4B, batch 64, 1000 in, 256 out: its decode steps cost as many)"
    T 540 python3 tools/gpu/torch_baseline.py --config test/configs/gemma-4-26B-A4B-it --batch 64 --input-len 1000 \
      --output-len 256 2>&1 | tee "$out/torch-moe.log" | tail -3
    ;;
  esac
done
