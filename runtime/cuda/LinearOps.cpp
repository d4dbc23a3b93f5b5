// Linear: the plan's kernel choice for the step's rows (KernelChoice.h): the
// GEMV kernel (fp32 inputs) for few rows (decode); the splitMma kernel (the
// input split into bf16 hi + lo inside it, tensor cores) in the verify regime,
// splitWgmma (the same on Hopper's warpgroup tensor cores) for its largest steps;
// cuBLASLt on the split input (two GEMMs, the second accumulating) above, and
// in the verify regime where splitMma does not apply (one stacked GEMM):
// fp32-grade inputs on bf16 tensor cores. Long prefills take one f16 GEMM
// instead (HalfGemm): input and weights as power-of-two-scaled f16 copies
// (device/HalfOperands.cuh), half the split's FLOPs for an input rounding an
// eighth of bf16's.
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
#include "io/Error.h"

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

// op.y = op's epilogue over product(w, exponent, y), which writes x @ w^T
// into y, for op.w (and op.w2): the library GEMM paths' epilogues.
template <class Product>
void withEpilogue(const OpEnv &env, const LinearOperands &op, uint32_t rows, Product product) {
  const uint64_t outputs = uint64_t(rows) * op.out;
  switch (op.epilogue) {
  case GemvEpilogue::Plain:
    product(op.w, op.wExponent, op.y);
    break;
  case GemvEpilogue::Softcap:
    product(op.w, op.wExponent, op.y);
    runElementwise(env, kernels::ElementwiseOp::Softcap, op.y, 0, op.y, outputs, op.factor);
    break;
  case GemvEpilogue::GeluTanhGate: {
    const CUdeviceptr gate = env.workspace.gated, up = gate + outputs * sizeof(float);
    product(op.w, op.wExponent, gate);
    product(op.w2, op.w2Exponent, up);
    runElementwise(env, kernels::ElementwiseOp::GeluTanhMul, gate, up, op.y, outputs, 0);
    break;
  }
  case GemvEpilogue::GeluTanhSlice:
    throw Error("the side-input gating runs in the GEMV only"); // runSliceGatedLinear runs it apart
  }
}

void runGemm(const OpEnv &env, const LinearOperands &op, uint32_t rows, bool stacked) {
  const uint64_t n = uint64_t(rows) * op.in;
  const CUdeviceptr hi = env.workspace.bf16Input, lo = hi + n * 2; // lo right after hi: [hi; lo] is one matrix
  const g4k::SplitArgs split{op.x, hi, lo, (long long)n};
  launch(env.kernels->splitToBf16, {blocksFor(n, g4k::kBlockThreads, 8192)}, g4k::kBlockThreads, 0, env.stream, split,
         env.programmatic);
  withEpilogue(env, op, rows, [&](CUdeviceptr w, CUdeviceptr, CUdeviceptr y) {
    splitProduct(env, hi, lo, w, y, rows, op.in, op.out, stacked);
  });
}

void runHalfGemm(const OpEnv &env, const LinearOperands &op, uint32_t rows) {
  inputToHalf(env, op.x, rows, op.in);
  withEpilogue(env, op, rows, [&](CUdeviceptr w, CUdeviceptr exponent, CUdeviceptr y) {
    halfProduct(env, env.workspace.halfInput, w, exponent, y, rows, op.in, op.out);
  });
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

// splitWgmma over row tiles x K splits (splitWgmmaSplits) x token tiles.
// `args` without its tiles and splits; GatedLinear's blocks take 64 outputs.
void runSplitWgmma(const OpEnv &env, g4k::SplitWgmmaArgs args, uint32_t rows, bool gated, const KernelChoice &choice) {
  const uint32_t outRows = g4k::kSplitMmaRows / (gated ? 2 : 1);
  uint32_t tiles = 0;
  for (int s = 0; s < g4k::kGemvSegments; ++s) {
    tiles += (uint32_t(args.outs[s]) + outRows - 1) / outRows;
    args.tileEnd[s] = int(tiles);
  }
  const uint32_t tokenTiles = (rows + g4k::kSplitWgmmaTokens - 1) / g4k::kSplitWgmmaTokens;
  const SplitWgmmaSplits k = splitWgmmaSplits(choice, uint64_t(tiles) * tokenTiles, uint32_t(args.in));
  args.chunksPerSplit = int(k.chunksPerSplit);
  launch(choice.function, {tiles, k.splits, tokenTiles}, g4k::kSplitWgmmaThreads, choice.sharedBytes, env.stream, args,
         env.programmatic, k.splits);
}

// The GEMV variant of the plan's choice over every output row of `args`;
// rows beyond its tokens are walked by its blocks.
void runGemv(const OpEnv &env, const g4k::GemvArgs &args, uint32_t rows, const KernelChoice &choice) {
  const unsigned tokens = choice.tileTokens, out = unsigned(args.rowEnd[g4k::kGemvSegments - 1]);
  launch(choice.function, {(out + g4k::kGemvRows - 1) / g4k::kGemvRows, (rows + tokens - 1) / tokens},
         g4k::kGemvWarps * 32, 0, env.stream, args, env.programmatic);
}

} // namespace

SplitWgmmaSplits splitWgmmaSplits(const KernelChoice &choice, uint64_t blocks, uint32_t in) {
  const uint32_t chunks = (in + g4k::kSplitMmaChunk - 1) / g4k::kSplitMmaChunk;
  uint32_t wanted = 1;
  for (uint32_t s = 2; s <= std::min<uint32_t>(g4k::kSplitWgmmaMaxSplits, chunks); ++s)
    if (blocks <= choice.clusterCapacity[s])
      wanted = s;
  const uint32_t perSplit = (chunks + wanted - 1) / wanted;
  return {(chunks + perSplit - 1) / perSplit, perSplit};
}

void inputToHalf(const OpEnv &env, CUdeviceptr x, uint32_t rows, uint32_t in) {
  const OpWorkspace &w = env.workspace;
  const uint64_t n = uint64_t(rows) * in;
  G4_CUDA_CALL(driver(), cuMemsetD32Async, halfAmax(w), 0u, 1, env.stream);
  launch(env.kernels->absMaxFloat, {blocksFor(n, g4k::kBlockThreads, 1024)}, g4k::kBlockThreads, 0, env.stream,
         g4k::AbsMaxArgs{x, (long long)n, halfAmax(w)}, env.programmatic);
  launch(env.kernels->activationsToHalf, {blocksFor(n / 2 + 1, g4k::kBlockThreads, 8192)}, g4k::kBlockThreads, 0,
         env.stream, g4k::ActivationsToHalfArgs{x, w.halfInput, (long long)n, halfAmax(w)}, env.programmatic);
}

void halfProduct(const OpEnv &env, CUdeviceptr x16, CUdeviceptr w, CUdeviceptr exponent, CUdeviceptr y, uint32_t rows,
                 uint32_t in, uint32_t out) {
  if (!exponent)
    throw Error("the f16 GEMM needs the weight's exponent (CudaWeights::halfExponent)");
  const OpWorkspace &ws = env.workspace;
  const uint64_t n = uint64_t(out) * in;
  const CUdeviceptr alpha = halfAlpha(ws);
  launch(env.kernels->weightsToHalf, {blocksFor(n / 4 + 1, g4k::kBlockThreads, 8192)}, g4k::kBlockThreads, 0,
         env.stream, g4k::WeightsToHalfArgs{w, ws.halfWeights, (long long)n, exponent, halfAmax(ws), alpha},
         env.programmatic);
  env.gemm->runHalf(x16, ws.halfWeights, y, int(rows), int(in), int(out), alpha, halfZero(ws), env.stream);
}

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
  if (choice.family == kernels::KernelFamily::HalfGemm) {
    runHalfGemm(env, op, rows);
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
  if (choice.family == kernels::KernelFamily::HalfGemm) { // the input converted once
    inputToHalf(env, b.in[0], rows, b.inWidth[0]);
    for (size_t i = 0; i < b.weights.size(); ++i)
      halfProduct(env, env.workspace.halfInput, b.weights[i], b.halfExponent(i), b.out[i], rows, b.inWidth[0],
                  b.outWidth[i]);
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
    runLinear(env,
              {b.in[0], b.weights[0], 0, b.out[0], b.inWidth[0], out, GemvEpilogue::Plain, 0, &b.choices,
               b.halfExponent(0)},
              rows);
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
