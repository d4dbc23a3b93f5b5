// The attention kernels an Attention op (head_dim, query heads per KV head)
// can launch, and each one's launch shape. KernelSet has every variant an op
// can take compiled; the CUDA backend picks one per step by the rows of the
// step's tiles (runtime/cuda/AttentionOp.cpp, chooseAttention).
#pragma once

#include "KernelArgs.h"
#include "KernelNames.h"

#include <cstdint>
#include <string>
#include <vector>

namespace g4::kernels {

enum class AttentionVariant {
  Simt,      // attention<d, g>: CUDA cores, tiles of 16 rows; any head_dim multiple of 8
  MmaTiles,  // attentionMma<d, g, 8 or 4>: tensor cores, tiles of 128 rows (64 above head_dim 256; prefill)
  MmaDecode, // attentionMma<d, g, 1>: tensor cores, 16 rows, warps splitting the keys (decode)
};

struct AttentionShape {
  std::string name;    // KernelNames expression
  uint32_t tileTokens; // tokens per tile (StepInputs::tiles)
  uint32_t tileRows;   // query rows per tile: tileTokens x group
  uint32_t threads;
  uint32_t sharedBytes; // dynamic shared memory
};

inline AttentionShape attentionShape(AttentionVariant variant, uint32_t headDim, uint32_t group) {
  const int d = int(headDim), g = int(group);
  if (variant == AttentionVariant::Simt)
    return {attention(headDim, group), uint32_t(g4k::attentionTileTokens(g)), uint32_t(g4k::attentionTileRows(g)),
            uint32_t(g4k::kAttentionWarps * 32), g4k::attentionSharedBytes(d, g)};
  const int rowWarps =
      variant == AttentionVariant::MmaTiles ? g4k::attentionMmaTileRowWarps(d) : g4k::kAttentionMmaDecodeRowWarps;
  return {attentionMma(headDim, group, uint32_t(rowWarps)), uint32_t(g4k::attentionMmaTileTokens(g, rowWarps)),
          uint32_t(g4k::attentionMmaTileRows(g, rowWarps)), uint32_t(g4k::attentionMmaThreads(d, rowWarps)),
          g4k::attentionMmaSharedBytes(d, rowWarps)};
}

// SIMT always; the tensor-core variants for head_dim a multiple of 16 up to
// 512 and groups that fit their 16 x row-warps rows.
inline std::vector<AttentionVariant> attentionVariants(uint32_t headDim, uint32_t group) {
  std::vector<AttentionVariant> variants = {AttentionVariant::Simt};
  if (headDim % 16 != 0 || headDim > 512)
    return variants;
  if (group <= 16 * uint32_t(g4k::attentionMmaTileRowWarps(int(headDim))))
    variants.push_back(AttentionVariant::MmaTiles);
  if (group <= 16 * uint32_t(g4k::kAttentionMmaDecodeRowWarps))
    variants.push_back(AttentionVariant::MmaDecode);
  return variants;
}

} // namespace g4::kernels
