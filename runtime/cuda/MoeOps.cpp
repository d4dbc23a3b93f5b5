// MoE: the router (its input norm, its logits by the Linear path, then the
// fused softmax / top-k / renormalize / per-expert scale), then the experts
// grouped by expert: sort the (token, k) entries, gate/up with gelu, down,
// and the weighted sum over k in order. Decode-sized steps use the expert
// kernels (capturable in graphs); longer steps on sm_90a all experts in
// splitWgmma's tiles (capturable too), elsewhere per-expert cuBLASLt GEMMs
// (on split inputs, on f16 copies in long prefills), as the plan's kernel
// choice for the step's rows says.
#include "KernelArgs.h"
#include "KernelNames.h"
#include "cuda/CudaCheck.h"
#include "cuda/Launch.h"
#include "cuda/Ops.h"

#include <algorithm>
#include <cmath>

namespace g4::rt::cuda {

void runMoeRouter(const OpEnv &env, const BoundInstruction &b, uint32_t rows) {
  const plan::MoeRouter &op = *b.inst->op_as_MoeRouter();
  const OpWorkspace &w = env.workspace;
  const uint32_t hidden = b.inWidth[0];
  runRmsNorm(env, b.in[0], b.weights[1], w.routerInput, rows, hidden, hidden, op.eps());
  runLinear(env,
            {w.routerInput, b.weights[0], 0, w.routerLogits, hidden, op.num_experts(), {}, 0, &b.choices,
             b.halfExponent(0)},
            rows);
  g4k::MoeRouterArgs args{};
  args.logits = w.routerLogits;
  args.perExpertScale = b.weights[2];
  args.routeWeights = b.out[0];
  args.routeIds = b.out[1];
  args.tokens = int(rows);
  args.hiddenScale = float(std::pow(double(hidden), -0.5)); // as the CPU reference rounds it
  launch((*env.kernels)(kernels::moeRouter(op.num_experts(), op.top_k())), {(rows + 3) / 4}, 128, 0, env.stream, args,
         env.programmatic);
}

namespace {

// x [rows, in] as bf16 hi + lo in env.workspace.moeSplit (lo after hi).
std::pair<CUdeviceptr, CUdeviceptr> splitRows(const OpEnv &env, CUdeviceptr x, uint64_t rows, uint32_t in) {
  const uint64_t n = rows * in;
  const CUdeviceptr hi = env.workspace.moeSplit, lo = hi + n * 2;
  const g4k::SplitArgs split{x, hi, lo, (long long)n};
  launch(env.kernels->splitToBf16, {blocksFor(n, g4k::kBlockThreads, 8192)}, g4k::kBlockThreads, 0, env.stream, split,
         env.programmatic);
  return {hi, lo};
}

// Each expert's rows [offsets[e], offsets[e + 1]) through
// product(first row, rows, expert's weights, its output rows), rows rounded
// up to kMoeGemmRows, experts in order.
template <class Product>
void perExpert(const OpEnv &env, CUdeviceptr weights, CUdeviceptr y, uint32_t experts, uint32_t in, uint32_t out,
               Product product) {
  const int32_t *offsets = env.workspace.moeOffsetsHost;
  for (uint32_t e = 0; e < experts; ++e) {
    const uint32_t count = uint32_t(offsets[e + 1] - offsets[e]);
    if (count == 0)
      continue;
    const uint32_t rows = (count + kMoeGemmRows - 1) / kMoeGemmRows * kMoeGemmRows;
    const uint64_t first = uint64_t(offsets[e]);
    product(first, rows, weights + uint64_t(e) * out * in * 2, y + first * out * 4);
  }
}

// y = x @ w_e^T per expert, x [entries, in] split into hi + lo.
void perExpertGemms(const OpEnv &env, std::pair<CUdeviceptr, CUdeviceptr> x, CUdeviceptr weights, CUdeviceptr y,
                    uint32_t experts, uint32_t in, uint32_t out) {
  perExpert(env, weights, y, experts, in, out, [&](uint64_t first, uint32_t rows, CUdeviceptr w, CUdeviceptr ye) {
    env.gemm->run(x.first + first * in * 2, w, ye, int(rows), int(in), int(out), false, env.stream);
    env.gemm->run(x.second + first * in * 2, w, ye, int(rows), int(in), int(out), true, env.stream);
  });
}

// y = x @ w_e^T per expert on f16 copies: x [entries, in] converted once,
// each expert's weights (the stacked tensor's exponent) before its GEMM.
void perExpertHalfGemms(const OpEnv &env, CUdeviceptr x, uint32_t entries, CUdeviceptr weights, CUdeviceptr exponent,
                        CUdeviceptr y, uint32_t experts, uint32_t in, uint32_t out) {
  inputToHalf(env, x, entries, in);
  perExpert(env, weights, y, experts, in, out, [&](uint64_t first, uint32_t rows, CUdeviceptr w, CUdeviceptr ye) {
    halfProduct(env, env.workspace.halfInput + first * in * 2, w, exponent, ye, rows, in, out);
  });
}

void runExpertsByGemm(const OpEnv &env, const BoundInstruction &b, bool half) {
  const plan::MoeExperts &op = *b.inst->op_as_MoeExperts();
  const OpWorkspace &w = env.workspace;
  const uint32_t hidden = b.inWidth[0], inter = op.intermediate(), experts = op.num_experts();
  G4_CUDA_CALL(driver(), cuMemcpyDtoHAsync, w.moeOffsetsHost, w.moeOffsets, (experts + 1) * sizeof(int32_t),
               env.stream);
  G4_CUDA_CALL(driver(), cuStreamSynchronize, env.stream);
  const uint32_t entries = uint32_t(w.moeOffsetsHost[experts]); // this rank's (all of them unless expert-sharded)
  if (entries == 0)
    return;
  runGatherRows(env, b.in[0], w.moeInput, w.moeSortedTokens, entries, hidden);
  if (half)
    perExpertHalfGemms(env, w.moeInput, entries, b.weights[0], b.halfExponent(0), w.moeGateUp, experts, hidden,
                       2 * inter);
  else
    perExpertGemms(env, splitRows(env, w.moeInput, entries, hidden), b.weights[0], w.moeGateUp, experts, hidden,
                   2 * inter);
  const g4k::MoeGateArgs gate{w.moeGateUp, w.moeActivations, (long long)entries, int(inter)};
  launch(env.kernels->moeGate, {blocksFor(uint64_t(entries) * inter, g4k::kBlockThreads, 8192)}, g4k::kBlockThreads, 0,
         env.stream, gate, env.programmatic);
  if (half)
    perExpertHalfGemms(env, w.moeActivations, entries, b.weights[1], b.halfExponent(1), w.moeOutputs, experts, inter,
                       hidden);
  else
    perExpertGemms(env, splitRows(env, w.moeActivations, entries, inter), b.weights[1], w.moeOutputs, experts, inter,
                   hidden);
}

// y [entries, out] = each expert's rows of x times its weights (gated: the
// gelu gating of its gate and up rows) in splitWgmma's tiles: K splits as for
// a Linear of the step's token tiles, which are at most entries / 64 plus one
// per expert an entry chose.
void expertsOnWgmma(const OpEnv &env, const KernelChoice &choice, g4k::MoeSplitWgmmaArgs args, uint32_t entries) {
  const uint32_t outRows = g4k::kSplitMmaRows / (args.gated ? 2 : 1);
  const uint32_t rowTiles = (uint32_t(args.out) + outRows - 1) / outRows;
  const uint32_t tokenTiles = entries / g4k::kSplitWgmmaTokens + std::min<uint32_t>(uint32_t(args.experts), entries);
  const uint32_t usedTiles = (entries + g4k::kSplitWgmmaTokens - 1) / g4k::kSplitWgmmaTokens; // typical, not the bound
  const SplitWgmmaSplits k = splitWgmmaSplits(choice, uint64_t(rowTiles) * usedTiles, uint32_t(args.in));
  args.chunksPerSplit = int(k.chunksPerSplit);
  launch(choice.function, {rowTiles, k.splits, tokenTiles}, g4k::kSplitWgmmaThreads, choice.sharedBytes, env.stream,
         args, env.programmatic, k.splits);
}

// Gate/up with the gating, then down, over the tokens gathered in expert order.
void runExpertsByWgmma(const OpEnv &env, const BoundInstruction &b, uint32_t rows, const KernelChoice &choice) {
  const plan::MoeExperts &op = *b.inst->op_as_MoeExperts();
  const OpWorkspace &w = env.workspace;
  const uint32_t hidden = b.inWidth[0], inter = op.intermediate(), experts = op.num_experts();
  const uint32_t entries = rows * op.top_k();
  runGatherRows(env, b.in[0], w.moeInput, w.moeSortedTokens, entries, hidden);
  g4k::MoeSplitWgmmaArgs args{w.moeInput, b.weights[0], (long long)2 * inter * hidden, (long long)inter * hidden,
                              w.moeActivations, w.moeOffsets, int(experts), int(inter), int(hidden), 0, 1};
  expertsOnWgmma(env, choice, args, entries);
  args = {w.moeActivations, b.weights[1], (long long)hidden * inter, 0, w.moeOutputs, w.moeOffsets, int(experts),
          int(hidden), int(inter), 0, 0};
  expertsOnWgmma(env, choice, args, entries);
}

// Tokens an expert block stages per pass over its weights (k wide): at most the
// step's tokens (an expert takes a token once) and kMoeTokens, within the
// device's shared memory.
int passTokens(const OpEnv &env, uint32_t rows, uint32_t k) {
  int tokens = int(std::min<uint32_t>(rows, g4k::kMoeTokens));
  while (tokens > 1 && g4k::moeExpertSharedBytes(tokens, int(k)) > env.device->sharedMemoryPerBlockOptin)
    --tokens;
  return tokens;
}

void runExpertsByKernels(const OpEnv &env, const BoundInstruction &b, uint32_t rows) {
  const plan::MoeExperts &op = *b.inst->op_as_MoeExperts();
  const OpWorkspace &w = env.workspace;
  const uint32_t hidden = b.inWidth[0], inter = op.intermediate(), experts = op.num_experts();
  // One block column per chosen expert: at most min(experts, entries) are.
  const unsigned slots = std::min(experts, rows * op.top_k());
  g4k::MoeExpertArgs args{.x = b.in[0],
                          .w = b.weights[0],
                          .y = w.moeActivations,
                          .offsets = w.moeOffsets,
                          .sorted = w.moeSorted,
                          .active = w.moeActive,
                          .experts = int(experts),
                          .hidden = int(hidden),
                          .inter = int(inter),
                          .topK = int(op.top_k()),
                          .passTokens = passTokens(env, rows, hidden)};
  // A block: kMoeWarps tiles of 8 gate and 8 up rows (gate-up) or of 16 output rows (down).
  launch(env.kernels->moeGateUp, {slots, (inter + 8 * g4k::kMoeWarps - 1) / (8 * g4k::kMoeWarps)}, g4k::kMoeWarps * 32,
         g4k::moeExpertSharedBytes(args.passTokens, int(hidden)), env.stream, args, env.programmatic);
  args.x = w.moeActivations;
  args.w = b.weights[1];
  args.y = w.moeOutputs;
  args.passTokens = passTokens(env, rows, inter);
  launch(env.kernels->moeDown, {slots, (hidden + 16 * g4k::kMoeWarps - 1) / (16 * g4k::kMoeWarps)}, g4k::kMoeWarps * 32,
         g4k::moeExpertSharedBytes(args.passTokens, int(inter)), env.stream, args, env.programmatic);
}

} // namespace

void runMoeExperts(const OpEnv &env, const BoundInstruction &b, uint32_t rows) {
  const plan::MoeExperts &op = *b.inst->op_as_MoeExperts();
  const OpWorkspace &w = env.workspace;
  const uint32_t hidden = b.inWidth[0], entries = rows * op.top_k(), experts = op.num_experts();
  const int firstExpert = op.experts_sharded() ? int(env.rank * experts) : 0;
  const g4k::MoeSortArgs sort{b.in[2],     w.moeOffsets, w.moeSorted,  w.moeSlots,      w.moeSortedTokens,
                              w.moeActive, int(entries), int(experts), int(op.top_k()), firstExpert};
  launch(env.kernels->moeSort, {1}, 1024, unsigned(experts * sizeof(int)), env.stream, sort, env.programmatic);
  const KernelChoice &choice = b.choices.at(rows);
  const bool half = choice.family == kernels::KernelFamily::MoeExpertHalfGemm;
  const bool wgmma = choice.family == kernels::KernelFamily::MoeExpertWgmma;
  const bool byGemm = env.hostSync && (choice.family == kernels::KernelFamily::MoeExpertGemm || half);
  if (wgmma)
    runExpertsByWgmma(env, b, rows, choice);
  else if (byGemm)
    runExpertsByGemm(env, b, half);
  else
    runExpertsByKernels(env, b, rows);
  // The GEMM and splitWgmma paths leave the expert outputs in sorted order, the kernels by entry.
  const bool sorted = byGemm || wgmma;
  const g4k::MoeCombineArgs combine{w.moeOutputs, w.moeSlots,  b.in[1],         b.out[0],
                                    int(rows),    int(hidden), int(op.top_k()), sorted};
  launch(env.kernels->moeCombine, {blocksFor(uint64_t(rows) * hidden, g4k::kBlockThreads, 8192)}, g4k::kBlockThreads, 0,
         env.stream, combine, env.programmatic);
}

} // namespace g4::rt::cuda
