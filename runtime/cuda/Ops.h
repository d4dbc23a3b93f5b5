// Launchers of the plan's instructions on the GPU, one function per op
// family (ElementwiseOps, LinearOps, AttentionOp, MoeOps); runInstruction
// dispatches on the op. Operands are bound once to fixed device addresses
// (BoundInstruction); a launch takes the step's row count.
#pragma once

#include "AttentionVariants.h"
#include "cuda/CudaKvStorage.h"
#include "cuda/Device.h"
#include "cuda/DeviceCollectives.h"
#include "cuda/Gemm.h"
#include "cuda/KernelChoice.h"
#include "cuda/KernelTable.h"
#include "cuda/StepInputs.h"

#include <cstdint>
#include <vector>

namespace g4::rt::cuda {

// Scratch memory ops share, sized for the largest step.
struct OpWorkspace {
  CUdeviceptr bf16Input = 0;       // 2 x [maxTokens, widest Linear input] bf16: the split input of cuBLASLt
  CUdeviceptr gated = 0;           // [maxTokens, 2 * widest gated intermediate] fp32 (GatedLinear by cuBLASLt;
                                   // SliceGatedLinear's slice off the GEMV)
  CUdeviceptr stacked = 0;         // [2 x the plan's stacked-GEMM rows, widest Linear output] fp32
  CUdeviceptr halfInput = 0;       // [maxTokens, widest Linear input] f16: the f16 GEMM's input
  CUdeviceptr halfWeights = 0;     // the largest weight an f16 GEMM takes, as f16
  CUdeviceptr halfScalars = 0;     // kHalfScalarsBytes: the f16 GEMM's scalars (below)
  CUdeviceptr splitMmaPartial = 0; // splitMma's K-split partial tiles
  size_t splitMmaPartialFloats = 0;
  CUdeviceptr splitMmaCounters = 0; // splitMma's arrivals per row tile, zeroed once (the kernel resets them)
  uint32_t splitMmaCounterCount = 0;
  CUdeviceptr attentionPartial = 0; // split-K partial results
  size_t attentionPartialFloats = 0;
  CUdeviceptr routerInput = 0;     // [maxTokens, hidden] fp32: rmsnorm_noscale(h) * scale
  CUdeviceptr routerLogits = 0;    // [maxTokens, experts] fp32
  CUdeviceptr moeOffsets = 0;      // [experts + 1]
  CUdeviceptr moeActive = 0;       // [experts + 1]
  CUdeviceptr moeSorted = 0;       // [maxTokens * topK]
  CUdeviceptr moeSlots = 0;        // [maxTokens * topK]
  CUdeviceptr moeSortedTokens = 0; // [maxTokens * topK]
  // The rows below have kMoeGemmSlack spare rows: GEMMs over an expert's rows are
  // rounded up, writing rows the next expert then overwrites.
  CUdeviceptr moeActivations = 0;    // [maxTokens * topK, intermediate] fp32
  CUdeviceptr moeOutputs = 0;        // [maxTokens * topK, hidden] fp32
  CUdeviceptr moeInput = 0;          // [maxTokens * topK, hidden] fp32, the GEMM path's gathered tokens
  CUdeviceptr moeGateUp = 0;         // [maxTokens * topK, 2 * intermediate] fp32
  CUdeviceptr moeSplit = 0;          // 2 x [maxTokens * topK, max(hidden, intermediate)] bf16
  int32_t *moeOffsetsHost = nullptr; // [experts + 1], page-locked
  CUdeviceptr gatherStaging = 0;     // ranks x rows x width floats for the plan's AllGathers
};

// The f16 GEMM's scalars in OpWorkspace::halfScalars: its input's max |x|
// (float bits), its alpha, and 0.0f (its beta, set once).
inline constexpr uint64_t kHalfScalarsBytes = 12;
inline CUdeviceptr halfAmax(const OpWorkspace &w) { return w.halfScalars; }
inline CUdeviceptr halfAlpha(const OpWorkspace &w) { return w.halfScalars + 4; }
inline CUdeviceptr halfZero(const OpWorkspace &w) { return w.halfScalars + 8; }

struct OpEnv {
  CUstream stream = nullptr;
  const DeviceProperties *device = nullptr;
  const KernelTable *kernels = nullptr;
  Gemm *gemm = nullptr;
  const StepInputs *inputs = nullptr;
  const CudaKvStorage *kv = nullptr;
  OpWorkspace workspace;
  bool hostSync = true;      // ops may wait for the GPU mid-step (false while a graph is captured)
  bool programmatic = false; // programmatic dependent launches (Launch.h), sm_90+
  const DeviceCollectives *collectives = nullptr; // a tensor-parallel plan's AllReduce/AllGather
  // This rank of a tensor-parallel plan: its rows of a vocab-sharded Embed's
  // table, its experts of an expert-sharded MoeExperts.
  uint32_t rank = 0, ranks = 1;
};

struct BoundInstruction {
  const plan::Instruction *inst = nullptr;
  std::vector<CUdeviceptr> in, out, weights;
  std::vector<uint32_t> inWidth, outWidth;
  std::vector<const plan::Weight *> weightInfo;
  std::vector<CUdeviceptr> weightExponents; // CudaWeights::halfExponent of each weight

  // Weight i's exponent; 0 where none is bound (only the f16 GEMM needs them, and refuses 0).
  CUdeviceptr halfExponent(size_t i) const { return i < weightExponents.size() ? weightExponents[i] : 0; }
  KernelChoices choices; // the plan's kernel per row regime (projections, attention, MoE)
};

// AllReduce and AllGather run through env.collectives; without one they
// throw g4::Error naming the op (a backend of one rank).
void runInstruction(const OpEnv &env, const BoundInstruction &b, uint32_t rows);

// ElementwiseOps.cpp
void runEmbed(const OpEnv &env, const BoundInstruction &b, uint32_t rows);
void runRmsNorm(const OpEnv &env, CUdeviceptr x, CUdeviceptr weight, CUdeviceptr y, uint32_t rows, uint32_t width,
                uint32_t group, float eps);
// sum = residual + x (x first normalized with xNorm when set; the sum then
// scaled by *scalar when set); normed = rmsnorm(sum) * weight over whole rows.
// Without normed (and weight), the sum alone: RmsNormAdd is xNorm and sum.
struct AddRmsNormOperands {
  CUdeviceptr residual = 0, x = 0, weight = 0, xNorm = 0, scalar = 0, sum = 0, normed = 0;
};
void runAddRmsNorm(const OpEnv &env, const AddRmsNormOperands &op, uint32_t rows, uint32_t width, float eps);
void runRmsNormRope(const OpEnv &env, const BoundInstruction &b, uint32_t rows);
// Throws unless the per-head norm + RoPE kernels (one warp per head) take head_dim.
void checkNormRopeHeadDim(const char *op, uint32_t headDim);
void runElementwise(const OpEnv &env, kernels::ElementwiseOp op, CUdeviceptr a, CUdeviceptr b, CUdeviceptr y,
                    uint64_t n, float factor, CUdeviceptr scalar = 0);
void runSlice(const OpEnv &env, const BoundInstruction &b, uint32_t rows);
void runRope(const OpEnv &env, CUdeviceptr x, CUdeviceptr positions, CUdeviceptr y, uint32_t rows, uint32_t width,
             uint32_t headDim, uint32_t rotaryPairs, float theta, float factor);
void runGatherRows(const OpEnv &env, CUdeviceptr src, CUdeviceptr dst, CUdeviceptr rowIndices, uint32_t count,
                   uint32_t width);
void runArgmax(const OpEnv &env, CUdeviceptr logits, CUdeviceptr tokens, uint32_t rows, uint32_t vocab);

// SampleOp.cpp: tokens[r] sampled from logits row r [rows, vocab] with params[r] (g4k::SampleRowParams).
void runSampleRows(const OpEnv &env, CUdeviceptr logits, CUdeviceptr params, CUdeviceptr tokens, uint32_t rows,
                   uint32_t vocab);

// LinearOps.cpp: y [rows, out] = epilogue(x [rows, in] @ w^T, x @ w2^T).
struct LinearOperands {
  CUdeviceptr x = 0, w = 0, w2 = 0, y = 0;
  uint32_t in = 0, out = 0;
  kernels::GemvEpilogue epilogue = kernels::GemvEpilogue::Plain;
  float factor = 0;                       // the soft-cap
  const KernelChoices *choices = nullptr; // GEMV variant or split cuBLASLt GEMMs, by rows
  CUdeviceptr wExponent = 0, w2Exponent = 0; // CudaWeights::halfExponent of w and w2 (the f16 GEMM)
};
void runLinear(const OpEnv &env, const LinearOperands &op, uint32_t rows);
// splitWgmma's (and moeSplitWgmma's) K splits over `in` for `blocks` blocks
// (row tiles x token tiles): the most whose clusters (summed in distributed
// shared memory) the device still runs at once; a second wave of a few
// clusters would double the time.
struct SplitWgmmaSplits {
  uint32_t splits, chunksPerSplit;
};
SplitWgmmaSplits splitWgmmaSplits(const KernelChoice &choice, uint64_t blocks, uint32_t in);
// The f16 GEMM's operands (device/HalfOperands.cuh). inputToHalf: x [rows, in]
// into workspace.halfInput as f16 scaled by 2^e_x, max |x| (which gives e_x)
// into halfAmax. halfProduct: y [rows, out] = x @ w^T from x16, rows of
// inputToHalf's output: w into workspace.halfWeights as f16 scaled by 2^e_w
// (e_w at `exponent`), then one f16 GEMM whose alpha 2^-(e_x + e_w) unscales.
void inputToHalf(const OpEnv &env, CUdeviceptr x, uint32_t rows, uint32_t in);
void halfProduct(const OpEnv &env, CUdeviceptr x16, CUdeviceptr w, CUdeviceptr exponent, CUdeviceptr y, uint32_t rows,
                 uint32_t in, uint32_t out);
// out[i] [rows, outWidth[i]] = in[0] @ weights[i]^T for each of 2 or 3 weights (MultiLinear).
void runMultiLinear(const OpEnv &env, const BoundInstruction &b, uint32_t rows);
// out[0] [rows, I] = gelu_tanh(in[0] @ weights[0]^T) * in[1][:, offset : offset + I] (SliceGatedLinear).
void runSliceGatedLinear(const OpEnv &env, const BoundInstruction &b, uint32_t rows);

// AttentionOp.cpp: the plan's choice for the step (plan.fbs KernelChoice,
// rows_per_tile_above against the step's tiles), or the variant given.
const KernelChoice &chooseAttention(const OpEnv &env, const KernelChoices &choices, uint32_t group, uint32_t rows);
void runAttention(const OpEnv &env, const BoundInstruction &b, uint32_t rows);
void runAttention(const OpEnv &env, const BoundInstruction &b, uint32_t rows, kernels::AttentionVariant variant);

// MoeOps.cpp. Where the plan's choice says so and the host may wait, the
// experts run as per-expert cuBLASLt GEMMs.
inline constexpr uint32_t kMoeGemmRows = 64;  // an expert's GEMM rows are rounded up to a multiple
inline constexpr uint32_t kMoeGemmSlack = 64; // spare rows of the GEMM path's buffers
void runMoeRouter(const OpEnv &env, const BoundInstruction &b, uint32_t rows);
void runMoeExperts(const OpEnv &env, const BoundInstruction &b, uint32_t rows);

} // namespace g4::rt::cuda
