// The default kernel choices per batch regime, as plain data: g4-select-tiles
// writes them into the IR (checking them against the target's shared
// memory), and the GPU tests build the same ones for direct launches.
//
// Regimes by rows (tokens of the step, or logits rows of a tail pass):
//   decode        [1, gemvMaxTokens]                  few rows, memory bound
//   verify        [gemvMaxTokens + 1, stackedMaxRows]  drafts, chunked prefill, short extends
//   long prefill  [stackedMaxRows + 1, unbounded]     compute bound
// The f16 GEMM serves every step from halfGemmMinRows rows on.
// An empty regime (e.g. gemvMaxTokens = 0) is left out.
#pragma once

#include "KernelFamilies.h"
#include "KernelNames.h"

#include <cstdint>
#include <string>
#include <vector>

namespace g4::kernels {

struct TileOptions {
  uint32_t gemvMaxTokens = 4;    // decode: Linear rows up to this run the GEMV kernel (measured on an H100)
  uint32_t stackedMaxRows = 64;  // verify: rows up to which hi and lo share one weight read (splitMma or stacked GEMM)
  uint32_t moeGemmEntries = 512; // MoE: (token, expert) entries from which experts run as cuBLASLt GEMMs
  uint32_t splitMmaMaxRows = 32; // verify: splitMma up to these rows (inputs a multiple of 8; measured on an H100)
  // attention: the tensor-core prefill tiles serve steps whose tiles average
  // more than these query rows, the 16-row decode blocks the others (measured on an H100)
  uint32_t attentionTileRows = 16;
  // verify: the target has wgmma (GpuArch::wgmma): splitWgmma serves from
  // splitWgmmaMinRows (splitMma below) up to stackedMaxRows (measured on an H100)
  bool wgmma = false;
  uint32_t splitWgmmaMinRows = 17;
  // from these rows on (0: never; by default in the long-prefill regime),
  // projections run one f16 GEMM on scaled f16 copies of input and weights
  // (instead of two split bf16 GEMMs)
  uint32_t halfGemmMinRows = 512;
};

// One launch alternative: the family and kernel serving [minRows, maxRows],
// with its tile parameters (0 where the family has none).
struct KernelChoiceSpec {
  uint32_t minRows = 1;
  uint32_t maxRows = kUnboundedRows;
  KernelFamily family = KernelFamily::Gemv;
  std::string kernel;       // NVRTC name expression, or the library (FamilyInfo::kernel)
  uint32_t tileTokens = 0;  // tokens per block (GEMV variant, attention tile)
  uint32_t tileRows = 0;    // query rows per attention block (tokens x group)
  uint32_t sharedBytes = 0; // dynamic shared memory per block
  // 0, or: serves a step only when its query rows (rows x group) exceed this
  // many per tile of tileTokens tokens (attention); the next choice of the
  // same rows serves the others.
  uint32_t rowsPerTileAbove = 0;
};

// Linear, GatedLinear, LmHead, SliceGatedLinear (its gating in the GEMV
// only: splitMma runs the plain projection) and the MoE router's logits of `in` input
// features: the smallest GEMV variant holding the rows up to gemvMaxTokens
// (above the largest variant, its blocks walk the rows); in the verify regime
// the smallest splitMma token tile holding the rows up to splitMmaMaxRows (on
// a wgmma target, below splitWgmmaMinRows; the largest walks larger steps),
// splitWgmma above it on a wgmma target, else
// the stacked split GEMM, which also serves the verify regime for `in` not a
// multiple of 8 (the kernels' 16-byte loads); two split GEMMs above; the
// f16 GEMM from halfGemmMinRows rows on, whatever serves fewer.
std::vector<KernelChoiceSpec> linearChoices(GemvEpilogue epilogue, uint32_t in, const TileOptions &options);

// Attention in every regime, by the variants (AttentionVariants.h) that
// exist for headDim and group and fit `maxSharedBytes`: the tensor-core
// prefill tiles where the step's tiles average more than attentionTileRows
// query rows (where the regime's rows can), else the tensor-core decode
// blocks; one of them alone where the other does not exist or fit; the SIMT
// kernel where neither does.
std::vector<KernelChoiceSpec> attentionChoices(uint32_t headDim, uint32_t group, uint32_t maxSharedBytes,
                                               const TileOptions &options);

// The expert kernels below moeGemmEntries (token, expert) entries; from there
// on a wgmma target (up to 256 experts, hidden and intermediate sizes
// multiples of 8) all experts in splitWgmma's tiles in one launch; elsewhere
// per-expert GEMMs, on f16 copies from halfGemmMinRows rows on.
struct MoeShape {
  uint32_t experts, hidden, inter;
};
std::vector<KernelChoiceSpec> moeExpertChoices(uint32_t topK, const MoeShape &shape, const TileOptions &options);

} // namespace g4::kernels
