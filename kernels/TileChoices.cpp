#include "TileChoices.h"

#include "AttentionVariants.h"
#include "KernelArgs.h"

#include <algorithm>

namespace g4::kernels {
namespace {

struct Regime {
  uint32_t minRows, maxRows;
};

// decode, verify and long prefill, without the empty ones.
std::vector<Regime> regimes(const TileOptions &options) {
  const uint32_t decode = options.gemvMaxTokens, verify = std::max(options.stackedMaxRows, decode);
  std::vector<Regime> all;
  if (decode >= 1)
    all.push_back({1, decode});
  if (verify > decode)
    all.push_back({decode + 1, verify});
  all.push_back({verify + 1, kUnboundedRows});
  return all;
}

KernelChoiceSpec library(KernelFamily family, uint32_t minRows, uint32_t maxRows) {
  return {minRows, maxRows, family, std::string(familyInfo(family).kernel)};
}

} // namespace

std::vector<KernelChoiceSpec> linearChoices(GemvEpilogue epilogue, uint32_t in, const TileOptions &options) {
  // The f16 GEMM takes every step from halfGemmMinRows: the other choices end before.
  const uint32_t lastBeforeHalf = options.halfGemmMinRows ? options.halfGemmMinRows - 1 : kUnboundedRows;
  std::vector<KernelChoiceSpec> choices;
  auto add = [&](KernelChoiceSpec spec) {
    spec.maxRows = std::min(spec.maxRows, lastBeforeHalf);
    if (spec.minRows <= spec.maxRows)
      choices.push_back(std::move(spec));
  };
  uint32_t next = 1;
  for (int tokens : kGemvTokens) {
    if (next > options.gemvMaxTokens)
      break;
    const bool largest = tokens == kGemvTokens.back();
    const uint32_t last = largest ? options.gemvMaxTokens : std::min(uint32_t(tokens), options.gemvMaxTokens);
    add({next, last, KernelFamily::Gemv, gemv(tokens, epilogue), uint32_t(tokens)});
    next = last + 1;
  }
  // The side-input gating has no splitMma epilogue: the plain projection runs, then the gating.
  const GemvEpilogue mmaEpilogue = epilogue == GemvEpilogue::GeluTanhSlice ? GemvEpilogue::Plain : epilogue;
  const bool wgmma = options.wgmma && in % 8 == 0;
  const uint32_t mmaMaxRows = in % 8 == 0
                                  ? std::min({options.splitMmaMaxRows, options.stackedMaxRows,
                                              wgmma ? std::max(options.splitWgmmaMinRows, 1u) - 1 : kUnboundedRows})
                                  : 0;
  for (int tokens : kSplitMmaTokens) {
    if (next > mmaMaxRows)
      break;
    const uint32_t last = tokens == kSplitMmaTokens.back() ? mmaMaxRows : std::min(uint32_t(tokens), mmaMaxRows);
    if (last >= next)
      add({next, last, KernelFamily::SplitMma, splitMma(tokens, mmaEpilogue), uint32_t(tokens)});
    next = std::max(next, last + 1);
  }
  if (wgmma && options.stackedMaxRows >= next) {
    add({next, options.stackedMaxRows, KernelFamily::SplitWgmma, splitWgmma(mmaEpilogue),
         uint32_t(g4k::kSplitWgmmaTokens), 0, g4k::kSplitWgmmaSharedBytes});
    next = options.stackedMaxRows + 1;
  }
  if (options.stackedMaxRows >= next) {
    add(library(KernelFamily::SplitGemmStacked, next, options.stackedMaxRows));
    next = options.stackedMaxRows + 1;
  }
  add(library(KernelFamily::SplitGemm, next, kUnboundedRows));
  if (options.halfGemmMinRows)
    choices.push_back(library(KernelFamily::HalfGemm, options.halfGemmMinRows, kUnboundedRows));
  return choices;
}

std::vector<KernelChoiceSpec> attentionChoices(uint32_t headDim, uint32_t group, uint32_t maxSharedBytes,
                                               const TileOptions &options) {
  auto choice = [&](AttentionVariant variant, const Regime &regime, uint32_t rowsPerTileAbove) {
    const AttentionShape shape = attentionShape(variant, headDim, group);
    return KernelChoiceSpec{regime.minRows,   regime.maxRows, attentionFamily(variant), shape.name,
                            shape.tileTokens, shape.tileRows, shape.sharedBytes,        rowsPerTileAbove};
  };
  auto exists = [&](AttentionVariant variant) {
    const std::vector<AttentionVariant> all = attentionVariants(headDim, group);
    return std::find(all.begin(), all.end(), variant) != all.end() &&
           attentionShape(variant, headDim, group).sharedBytes <= maxSharedBytes;
  };
  const bool tiles = exists(AttentionVariant::MmaTiles), decode = exists(AttentionVariant::MmaDecode);
  std::vector<KernelChoiceSpec> choices;
  for (const Regime &regime : regimes(options)) {
    // A tile holds at least one token: steps of up to attentionTileRows query rows never average more.
    const bool denseSteps = uint64_t(regime.maxRows) * group > options.attentionTileRows;
    if (tiles && (!decode || denseSteps))
      choices.push_back(choice(AttentionVariant::MmaTiles, regime, decode ? options.attentionTileRows : 0));
    if (decode)
      choices.push_back(choice(AttentionVariant::MmaDecode, regime, 0));
    if (!tiles && !decode)
      choices.push_back(choice(AttentionVariant::Simt, regime, 0));
  }
  return choices;
}

std::vector<KernelChoiceSpec> moeExpertChoices(uint32_t topK, const MoeShape &shape, const TileOptions &options) {
  const uint32_t gemmRows = std::max<uint32_t>(1, (options.moeGemmEntries + topK - 1) / std::max<uint32_t>(topK, 1));
  std::vector<KernelChoiceSpec> choices;
  if (options.wgmma && shape.experts <= uint32_t(g4k::kSplitWgmmaThreads) && shape.hidden % 8 == 0 &&
      shape.inter % 8 == 0) {
    // One launch for every expert beats per-expert GEMMs, split or f16, at every step size measured (PERFORMANCE.md).
    if (gemmRows > 1)
      choices.push_back({1, gemmRows - 1, KernelFamily::MoeExpertKernels, kMoeGateUp});
    choices.push_back({gemmRows, kUnboundedRows, KernelFamily::MoeExpertWgmma, kMoeSplitWgmma,
                       uint32_t(g4k::kSplitWgmmaTokens), 0, g4k::kSplitWgmmaSharedBytes});
    return choices;
  }
  // As for projections, the f16 GEMMs take every step from halfGemmMinRows.
  const uint32_t half = options.halfGemmMinRows ? options.halfGemmMinRows : kUnboundedRows;
  if (std::min(gemmRows, half) > 1)
    choices.push_back({1, std::min(gemmRows, half) - 1, KernelFamily::MoeExpertKernels, kMoeGateUp});
  if (gemmRows < half)
    choices.push_back(library(KernelFamily::MoeExpertGemm, gemmRows, half == kUnboundedRows ? half : half - 1));
  if (options.halfGemmMinRows)
    choices.push_back(library(KernelFamily::MoeExpertHalfGemm, half, kUnboundedRows));
  return choices;
}

} // namespace g4::kernels
