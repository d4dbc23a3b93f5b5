// The kernel families a plan's kernel choices name (g4k.launch, plan.fbs
// KernelChoice): what each computes, and whether it is an NVRTC kernel of
// this project (named by its name expression, KernelNames.h) or a library
// call. gemma4c's passes and verifiers, the plan loader and the CUDA runtime
// read this one table; a new family is one enumerator and one row.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace g4::kernels {

// The instructions a family can serve.
enum class FamilyRole : uint8_t {
  Linear,    // Linear, GatedLinear, LmHead and the MoE router's logits (y = x @ w^T with an epilogue)
  Attention, // Attention
  MoeExperts // MoeExperts
};

enum class KernelFamily : uint8_t {
  Gemv,
  SplitGemmStacked,
  SplitGemm,
  Attention,
  MoeExpertKernels,
  MoeExpertGemm,
  SplitMma,
  AttentionMma,
  AttentionMmaDecode,
  SplitWgmma,
  HalfGemm,
  MoeExpertHalfGemm,
  MoeExpertWgmma
};

struct FamilyInfo {
  KernelFamily family;
  std::string_view name; // the family's spelling in g4k IR and in plans
  FamilyRole role;
  std::string_view kernel; // NVRTC: the prefix of its name expressions; library: the library's name
  bool library;            // a library call (no NVRTC kernel of its own)
};

inline constexpr std::array kFamilies = {
    // gemv<tokens, Epilogue>: fp32 activations, bf16 weights streamed once (decode).
    FamilyInfo{KernelFamily::Gemv, "gemv", FamilyRole::Linear, "g4k::gemv<", false},
    // The input split into bf16 hi + lo stacked as one GEMM of 2 x rows: weights read once.
    FamilyInfo{KernelFamily::SplitGemmStacked, "cublaslt_split_stacked", FamilyRole::Linear, "cublasLt", true},
    // hi and lo as two GEMMs, the second accumulating: small scratch where FLOPs dominate.
    FamilyInfo{KernelFamily::SplitGemm, "cublaslt_split", FamilyRole::Linear, "cublasLt", true},
    // attention<head_dim, group>: tiles of one sequence's tokens, keys through shared memory.
    FamilyInfo{KernelFamily::Attention, "attention", FamilyRole::Attention, "g4k::attention<", false},
    // moeGateUp / moeDown over the chosen experts only (capturable in graphs).
    FamilyInfo{KernelFamily::MoeExpertKernels, "moe_experts", FamilyRole::MoeExperts, "g4k::moeGateUp", false},
    // Each expert's rows as split cuBLASLt GEMMs (reads the expert offsets back: never inside a graph).
    FamilyInfo{KernelFamily::MoeExpertGemm, "moe_experts_cublaslt", FamilyRole::MoeExperts, "cublasLt", true},
    // splitMma<tokens, Epilogue>: the input split into bf16 hi + lo in the kernel, tensor cores, weights read once.
    FamilyInfo{KernelFamily::SplitMma, "split_mma", FamilyRole::Linear, "g4k::splitMma<", false},
    // attentionMma<head_dim, group, 8 or 4>: tensor cores, tiles of 128 query rows (64 above head_dim 256; prefill).
    FamilyInfo{KernelFamily::AttentionMma, "attention_mma", FamilyRole::Attention, "g4k::attentionMma<", false},
    // attentionMma<head_dim, group, 1>: tensor cores, 16 query rows, warps splitting the keys (decode).
    FamilyInfo{KernelFamily::AttentionMmaDecode, "attention_mma_decode", FamilyRole::Attention, "g4k::attentionMma<",
               false},
    // splitWgmma<Epilogue> (sm_90a): splitMma's product on warpgroup tensor cores, weights through shared memory.
    FamilyInfo{KernelFamily::SplitWgmma, "split_wgmma", FamilyRole::Linear, "g4k::splitWgmma<", false},
    // Input and weights as power-of-two-scaled f16 copies (device/HalfOperands.cuh), one f16 GEMM (long prefill).
    FamilyInfo{KernelFamily::HalfGemm, "cublaslt_f16", FamilyRole::Linear, "cublasLt", true},
    // moe_experts_cublaslt's per-expert GEMMs on HalfGemm's scaled f16 copies.
    FamilyInfo{KernelFamily::MoeExpertHalfGemm, "moe_experts_cublaslt_f16", FamilyRole::MoeExperts, "cublasLt", true},
    // moeSplitWgmma (sm_90a): every expert's tokens in splitWgmma's tiles, one launch (capturable in graphs).
    FamilyInfo{KernelFamily::MoeExpertWgmma, "moe_experts_wgmma", FamilyRole::MoeExperts, "g4k::moeSplitWgmma<",
               false},
};

constexpr const FamilyInfo &familyInfo(KernelFamily family) { return kFamilies[size_t(family)]; }

// The family spelled `name`, or null.
constexpr const FamilyInfo *findFamily(std::string_view name) {
  for (const FamilyInfo &info : kFamilies)
    if (info.name == name)
      return &info;
  return nullptr;
}

// Whether `kernel` may name a launch of `info`: an NVRTC name expression of
// the family, or the family's library.
constexpr bool kernelMatchesFamily(const FamilyInfo &info, std::string_view kernel) {
  return info.library ? kernel == info.kernel : kernel.starts_with(info.kernel);
}

constexpr bool familiesInEnumOrder() {
  for (size_t i = 0; i < kFamilies.size(); ++i)
    if (size_t(kFamilies[i].family) != i)
      return false;
  return true;
}
static_assert(familiesInEnumOrder(), "kFamilies lists the families in KernelFamily order");

// Row counts are bounded by this sentinel: a choice up to it serves every larger step.
inline constexpr uint32_t kUnboundedRows = 0xFFFFFFFFu;

} // namespace g4::kernels
