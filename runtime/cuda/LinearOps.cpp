// Linear: the plan's kernel choice for the step's rows (KernelChoice.h): the
// GEMV kernel (fp32 inputs) for few rows (decode); the splitMma kernel (the
// input split into bf16 hi + lo inside it, tensor cores) in the verify regime,
// splitWgmma (the same on Hopper's warpgroup tensor cores) for its largest steps;
// cuBLASLt on the split input (two GEMMs, the second accumulating) above, and
// in the verify regime where splitMma does not apply (one stacked GEMM):
// fp32-grade inputs on bf16 tensor cores.
// A single bf16 rounding of the activations costs the tiny golden models
// 2-8% of logits error and MoE routing flips. Fused epilogues (soft-cap,
// gelu-gated pair) run in the GEMV, after the GEMMs otherwise. A MultiLinear
// (an attention's q, k and v) is one GEMV over its projections' rows, and one
// Linear after the other on the splitMma and cuBLASLt paths (splitWgmma: the
// projections as segments of one launch). A SliceGatedLinear (the PLE
// gate) gates by its side input in the GEMV's epilogue; on the other paths the
// projection, then the slice, then the gating.
#include "KernelArgs.h"
#include "cuda/Launch.h"
#include "cuda/Ops.h"

#include <algorithm>

namespace g4::rt::cuda {

using kernels::GemvEpilogue;

namespace {

// y = x @ w^T with x split into bf16 hi + lo. `stacked` (the plan's choice in
// the memory-bound regime): one GEMM takes [hi; lo] as 2 x rows columns, reading the
// weights once, and a sum folds the halves; above, two GEMMs (the second
// accumulating) keep the scratch small where the FLOPs dominate anyway.
void splitProduct(const OpEnv &env, CUdeviceptr hi, CUdeviceptr lo, CUdeviceptr w, CUdeviceptr y, uint32_t rows,
                  uint32_t in, uint32_t out, bool stacked) {
  if (stacked) {
    const CUdeviceptr scratch = env.workspace.stacked;
    env.gemm->run(hi, w, scratch, int(2 * rows), int(in), int(out), false, env.stream);
    const uint64_t n = uint64_t(rows) * out;
    runElementwise(env, kernels::ElementwiseOp::Add, scratch, scratch + n * sizeof(float), y, n, 0);
    return;
  }
  env.gemm->run(hi, w, y, int(rows), int(in), int(out), false, env.stream);
  env.gemm->run(lo, w, y, int(rows), int(in), int(out), true, env.stream);
}

void runGemm(const OpEnv &env, const LinearOperands &op, uint32_t rows, bool stacked) {
  const uint64_t n = uint64_t(rows) * op.in;
  const CUdeviceptr hi = env.workspace.bf16Input, lo = hi + n * 2; // lo right after hi: [hi; lo] is one matrix
  const g4k::SplitArgs split{op.x, hi, lo, (long long)n};
  launch(env.kernels->splitToBf16, {blocksFor(n, g4k::kBlockThreads, 8192)}, g4k::kBlockThreads, 0, env.stream, split,
         env.programmatic);
  const uint64_t outputs = uint64_t(rows) * op.out;
  switch (op.epilogue) {
  case GemvEpilogue::Plain:
    splitProduct(env, hi, lo, op.w, op.y, rows, op.in, op.out, stacked);
    break;
  case GemvEpilogue::Softcap:
    splitProduct(env, hi, lo, op.w, op.y, rows, op.in, op.out, stacked);
    runElementwise(env, kernels::ElementwiseOp::Softcap, op.y, 0, op.y, outputs, op.factor);
    break;
  case GemvEpilogue::GeluTanhGate: {
    const CUdeviceptr gate = env.workspace.gated, up = gate + outputs * sizeof(float);
    splitProduct(env, hi, lo, op.w, gate, rows, op.in, op.out, stacked);
    splitProduct(env, hi, lo, op.w2, up, rows, op.in, op.out, stacked);
    runElementwise(env, kernels::ElementwiseOp::GeluTanhMul, gate, up, op.y, outputs, 0);
    break;
  }
  }
}

// The most partial rows (splits x tile tokens) the last block of a row tile
// sums: 256 KB, ~2 us of one SM's reads.
constexpr uint64_t kSplitMmaSummedRows = 512;

// splitMma over row tiles x K splits x token tiles. K splits fill one wave of
// the SMs (splitMmaBlocksPerSm blocks each) where the row tiles do not, as far
// as the last block's sum stays short and the workspace holds the partials.
void runSplitMma(const OpEnv &env, const LinearOperands &op, uint32_t rows, const KernelChoice &choice) {
  const uint32_t tokens = choice.tileTokens, mats = op.epilogue == GemvEpilogue::GeluTanhGate ? 2 : 1;
  const uint32_t tiles = (op.out + g4k::kSplitMmaRows / mats - 1) / (g4k::kSplitMmaRows / mats);
  const uint32_t tokenTiles = (rows + tokens - 1) / tokens;
  const uint32_t chunks = (op.in + g4k::kSplitMmaChunk - 1) / g4k::kSplitMmaChunk;
  const uint64_t blocks = uint64_t(tiles) * tokenTiles;
  const uint64_t wave = uint64_t(g4k::splitMmaBlocksPerSm(int(tokens))) * env.device->multiprocessors;
  const uint64_t fits = blocks <= env.workspace.splitMmaCounterCount
                            ? env.workspace.splitMmaPartialFloats / (blocks * g4k::kSplitMmaRows * tokens)
                            : 1;
  const uint64_t splits =
      std::clamp<uint64_t>(std::min({wave / blocks, fits, kSplitMmaSummedRows / tokens}), 1, chunks);
  const uint32_t perSplit = uint32_t((chunks + splits - 1) / splits);
  const g4k::SplitMmaArgs args{op.x,
                               op.w,
                               op.w2,
                               op.y,
                               env.workspace.splitMmaPartial,
                               env.workspace.splitMmaCounters,
                               int(rows),
                               int(op.in),
                               int(op.out),
                               int(perSplit),
                               op.factor};
  launch(choice.function, {tiles, (chunks + perSplit - 1) / perSplit, tokenTiles}, g4k::kSplitMmaThreads, 0, env.stream,
         args, env.programmatic);
}

// splitWgmma over row tiles x K splits x token tiles: the most K splits (one
// cluster, summed in distributed shared memory) whose clusters the device
// still runs at once (a second wave of a few clusters would double the time).
// `args` without its tiles and splits; GatedLinear's blocks take 64 outputs.
void runSplitWgmma(const OpEnv &env, g4k::SplitWgmmaArgs args, uint32_t rows, bool gated, const KernelChoice &choice) {
  const uint32_t outRows = g4k::kSplitMmaRows / (gated ? 2 : 1);
  uint32_t tiles = 0;
  for (int s = 0; s < g4k::kGemvSegments; ++s) {
    tiles += (uint32_t(args.outs[s]) + outRows - 1) / outRows;
    args.tileEnd[s] = int(tiles);
  }
  const uint32_t tokenTiles = (rows + g4k::kSplitWgmmaTokens - 1) / g4k::kSplitWgmmaTokens;
  const uint32_t chunks = (uint32_t(args.in) + g4k::kSplitMmaChunk - 1) / g4k::kSplitMmaChunk;
  uint32_t wanted = 1;
  for (uint32_t s = 2; s <= std::min<uint32_t>(g4k::kSplitWgmmaMaxSplits, chunks); ++s)
    if (uint64_t(tiles) * tokenTiles <= choice.clusterCapacity[s])
      wanted = s;
  const uint32_t perSplit = (chunks + wanted - 1) / wanted, splits = (chunks + perSplit - 1) / perSplit;
  args.chunksPerSplit = int(perSplit);
  launch(choice.function, {tiles, splits, tokenTiles}, g4k::kSplitWgmmaThreads, choice.sharedBytes, env.stream, args,
         env.programmatic, splits);
}

// The GEMV variant of the plan's choice over every output row of `args`;
// rows beyond its tokens are walked by its blocks.
void runGemv(const OpEnv &env, const g4k::GemvArgs &args, uint32_t rows, const KernelChoice &choice) {
  const unsigned tokens = choice.tileTokens, out = unsigned(args.rowEnd[g4k::kGemvSegments - 1]);
  launch(choice.function, {(out + g4k::kGemvRows - 1) / g4k::kGemvRows, (rows + tokens - 1) / tokens},
         g4k::kGemvWarps * 32, 0, env.stream, args, env.programmatic);
}

} // namespace

void runLinear(const OpEnv &env, const LinearOperands &op, uint32_t rows) {
  const KernelChoice &choice = op.choices->at(rows);
  if (choice.family == kernels::KernelFamily::SplitMma) {
    runSplitMma(env, op, rows, choice);
    return;
  }
  if (choice.family == kernels::KernelFamily::SplitWgmma) {
    const g4k::SplitWgmmaArgs args{op.x, {op.w}, op.w2, {op.y}, {int(op.out)}, {}, int(rows), int(op.in), 0, op.factor};
    runSplitWgmma(env, args, rows, op.epilogue == GemvEpilogue::GeluTanhGate, choice);
    return;
  }
  if (choice.family != kernels::KernelFamily::Gemv) {
    runGemm(env, op, rows, choice.family == kernels::KernelFamily::SplitGemmStacked);
    return;
  }
  const int out = int(op.out);
  runGemv(env, {op.x, {op.w}, op.w2, {op.y}, {out, out, out}, int(rows), int(op.in), op.factor}, rows, choice);
}

void runMultiLinear(const OpEnv &env, const BoundInstruction &b, uint32_t rows) {
  const KernelChoice &choice = b.choices.at(rows);
  if (choice.family == kernels::KernelFamily::SplitWgmma) { // the projections as segments of one launch
    g4k::SplitWgmmaArgs args{b.in[0], {}, 0, {}, {}, {}, int(rows), int(b.inWidth[0]), 0, 0};
    for (size_t s = 0; s < b.weights.size(); ++s) {
      args.w[s] = b.weights[s];
      args.y[s] = b.out[s];
      args.outs[s] = int(b.outWidth[s]);
    }
    runSplitWgmma(env, args, rows, false, choice);
    return;
  }
  if (choice.family != kernels::KernelFamily::Gemv) { // one Linear after the other
    for (size_t i = 0; i < b.weights.size(); ++i)
      runLinear(env,
                {b.in[0], b.weights[i], 0, b.out[i], b.inWidth[0], b.outWidth[i], GemvEpilogue::Plain, 0, &b.choices},
                rows);
    return;
  }
  // One GEMV over the projections' concatenated output rows.
  g4k::GemvArgs args{b.in[0], {}, 0, {}, {}, int(rows), int(b.inWidth[0]), 0};
  int end = 0;
  for (size_t s = 0; s < size_t(g4k::kGemvSegments); ++s) {
    if (s < b.weights.size()) {
      args.w[s] = b.weights[s];
      args.y[s] = b.out[s];
      end += int(b.outWidth[s]);
    }
    args.rowEnd[s] = end;
  }
  runGemv(env, args, rows, choice);
}

void runSliceGatedLinear(const OpEnv &env, const BoundInstruction &b, uint32_t rows) {
  const KernelChoice &choice = b.choices.at(rows);
  const uint32_t offset = b.inst->op_as_SliceGatedLinear()->offset(), out = b.outWidth[0];
  if (choice.family != kernels::KernelFamily::Gemv) {
    runLinear(env, {b.in[0], b.weights[0], 0, b.out[0], b.inWidth[0], out, GemvEpilogue::Plain, 0, &b.choices}, rows);
    const CUdeviceptr side = env.workspace.gated;
    const uint64_t n = uint64_t(rows) * out;
    const g4k::SliceArgs slice{b.in[1], side, int(rows), int(b.inWidth[1]), int(offset), int(out)};
    launch(env.kernels->slice, {blocksFor(n, g4k::kBlockThreads, 8192)}, g4k::kBlockThreads, 0, env.stream, slice,
           env.programmatic);
    runElementwise(env, kernels::ElementwiseOp::GeluTanhMul, b.out[0], side, b.out[0], n, 0);
    return;
  }
  const int end = int(out);
  g4k::GemvArgs args{b.in[0], {b.weights[0]}, 0, {b.out[0]}, {end, end, end}, int(rows), int(b.inWidth[0]), 0};
  args.side = b.in[1] + uint64_t(offset) * sizeof(float);
  args.sideStride = int(b.inWidth[1]);
  runGemv(env, args, rows, choice);
}

} // namespace g4::rt::cuda
