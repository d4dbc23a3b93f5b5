// The attention kernels an Attention op (head_dim, query heads per KV head)
// can launch, each one's kernel family and launch shape. g4-select-tiles
// chooses among them per architecture (TileChoices.cpp, attentionChoices);
// the CUDA backend runs the plan's choice (runtime/cuda/AttentionOp.cpp).
#pragma once

#include "KernelArgs.h"
#include "KernelFamilies.h"
#include "KernelNames.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace g4::kernels {

enum class AttentionVariant {
  Simt,      // attention<d, g>: CUDA cores, tiles of 16 rows; any head_dim multiple of 8
  MmaTiles,  // attentionMma<d, g, 8 or 4>: tensor cores, tiles of 128 rows (64 above head_dim 256; prefill)
  MmaDecode, // attentionMma<d, g, 1>: tensor cores, 16 rows, warps splitting the keys (decode)
};

inline constexpr KernelFamily attentionFamily(AttentionVariant variant) {
  constexpr KernelFamily kFamilies[] = {KernelFamily::Attention, KernelFamily::AttentionMma,
                                        KernelFamily::AttentionMmaDecode};
  return kFamilies[int(variant)];
}

// The variant a kernel family of attention choices runs; none for other families.
inline constexpr std::optional<AttentionVariant> attentionVariantOf(KernelFamily family) {
  for (AttentionVariant variant : {AttentionVariant::Simt, AttentionVariant::MmaTiles, AttentionVariant::MmaDecode})
    if (attentionFamily(variant) == family)
      return variant;
  return std::nullopt;
}

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
