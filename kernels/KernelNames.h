// The names of the kernel instances, as C++ name expressions: gemma4c hands
// them to NVRTC (which instantiates the templates they name) and stores each
// with its lowered symbol in the plan; the CUDA backend looks them up by the
// same strings. One function per kernel keeps both sides in agreement.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace g4::kernels {

inline constexpr const char *kEmbed = "g4k::embed";
inline constexpr const char *kSlice = "g4k::slice";
inline constexpr const char *kSplitToBf16 = "g4k::splitToBf16";
inline constexpr const char *kGatherRows = "g4k::gatherRows";
inline constexpr const char *kRope = "g4k::rope";
inline constexpr const char *kRmsNormRope = "g4k::rmsNormRope";
inline constexpr const char *kKvWrite = "g4k::kvWrite";
inline constexpr const char *kAttentionPrologue = "g4k::attentionPrologue";
inline constexpr const char *kAttentionCombine = "g4k::attentionCombine";
inline constexpr const char *kMoeSort = "g4k::moeSort";
inline constexpr const char *kMoeGateUp = "g4k::moeGateUp";
inline constexpr const char *kMoeDown = "g4k::moeDown";
inline constexpr const char *kMoeCombine = "g4k::moeCombine";
inline constexpr const char *kMoeGate = "g4k::moeGate";
inline constexpr const char *kArgmax = "g4k::argmax";
inline constexpr const char *kSampleRows = "g4k::sampleRows";
inline constexpr const char *kFillDummy = "g4k::fillDummy";
inline constexpr const char *kAbsMaxFloat = "g4k::absMaxFloat";
inline constexpr const char *kAbsMaxBf16 = "g4k::absMaxBf16";
inline constexpr const char *kHalfExponents = "g4k::halfExponents";
inline constexpr const char *kActivationsToHalf = "g4k::activationsToHalf";
inline constexpr const char *kWeightsToHalf = "g4k::weightsToHalf";
// sm_90a: the MoE family moe_experts_wgmma, gated by gelu_tanh.
inline constexpr const char *kMoeSplitWgmma = "g4k::moeSplitWgmma<g4k::GeluTanhGateEpilogue>";

// The elementwise ops (device/Elementwise.cuh functors).
enum class ElementwiseOp { Add, Mul, GeluTanhMul, Scale, Softcap, LayerScalar };
inline constexpr std::array kElementwiseOps = {ElementwiseOp::Add,         ElementwiseOp::Mul,
                                               ElementwiseOp::GeluTanhMul, ElementwiseOp::Scale,
                                               ElementwiseOp::Softcap,     ElementwiseOp::LayerScalar};
inline std::string elementwise(ElementwiseOp op) {
  static constexpr const char *kFunctors[] = {"AddOp",   "MulOp",     "GeluTanhMulOp",
                                              "ScaleOp", "SoftcapOp", "LayerScalarOp"};
  return std::string("g4k::elementwise<g4k::") + kFunctors[int(op)] + ">";
}

// rmsNorm<threads per group, adds a residual first>: 32 (a warp) or 1024 (a block) threads.
inline constexpr std::array kRmsNormThreads = {32, 1024};
inline std::string rmsNorm(int threadsPerGroup, bool addResidual) {
  return "g4k::rmsNorm<" + std::to_string(threadsPerGroup) + ", " + (addResidual ? "true" : "false") + ">";
}

// gemv<tokens per block, epilogue> (device/Gemv.cuh). GeluTanhSlice
// (SliceGatedLinear) is a GEMV epilogue only: the other paths run the plain
// projection, then the gating.
inline constexpr std::array kGemvTokens = {1, 2, 4, 8};
enum class GemvEpilogue { Plain, Softcap, GeluTanhGate, GeluTanhSlice };
inline std::string gemv(int tokens, GemvEpilogue epilogue) {
  static constexpr const char *kFunctors[] = {"PlainEpilogue", "SoftcapEpilogue", "GeluTanhGateEpilogue",
                                              "GeluTanhSliceEpilogue"};
  return "g4k::gemv<" + std::to_string(tokens) + ", g4k::" + kFunctors[int(epilogue)] + ">";
}

// splitMma<token tile, epilogue> (device/SplitMma.cuh), the smallest tile holding the rows.
inline constexpr std::array kSplitMmaTokens = {16, 32, 64};
inline std::string splitMma(int tokens, GemvEpilogue epilogue) {
  static constexpr const char *kFunctors[] = {"PlainEpilogue", "SoftcapEpilogue", "GeluTanhGateEpilogue"};
  return "g4k::splitMma<" + std::to_string(tokens) + ", g4k::" + kFunctors[int(epilogue)] + ">";
}

// splitWgmma<epilogue> (device/SplitWgmma.cuh, sm_90a): the verify regime's largest steps.
inline std::string splitWgmma(GemvEpilogue epilogue) {
  static constexpr const char *kFunctors[] = {"PlainEpilogue", "SoftcapEpilogue", "GeluTanhGateEpilogue"};
  return std::string("g4k::splitWgmma<g4k::") + kFunctors[int(epilogue)] + ">";
}

inline std::string attention(uint32_t headDim, uint32_t group) {
  return "g4k::attention<" + std::to_string(headDim) + ", " + std::to_string(group) + ">";
}

// attentionMma<head_dim, group, row warps> (device/AttentionMma.cuh; AttentionVariants.h).
inline std::string attentionMma(uint32_t headDim, uint32_t group, uint32_t rowWarps) {
  return "g4k::attentionMma<" + std::to_string(headDim) + ", " + std::to_string(group) + ", " +
         std::to_string(rowWarps) + ">";
}

inline std::string moeRouter(uint32_t experts, uint32_t topK) {
  return "g4k::moeRouter<" + std::to_string(experts) + ", " + std::to_string(topK) + ">";
}

} // namespace g4::kernels
