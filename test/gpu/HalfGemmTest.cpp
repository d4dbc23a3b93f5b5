// The f16 GEMM of long prefills (family cublaslt_f16): input and weights as
// f16 copies, each scaled by a power of two (device/HalfOperands.cuh),
// against the CPU's fp32 Linear with every epilogue, and a MultiLinear's
// projections from one converted input. Inputs and weights past f16's range
// (65504) and below its normal range (6.1e-5), which only the scaling keeps
// exact; sizes off every vector width (odd input and weight element counts).
#include "OpHarness.h"

#include "cpu/Ops.h"

#include <gtest/gtest.h>

namespace g4::gpu_test {
namespace {

struct HalfGemmCase {
  uint32_t tokens, in, out;
  float inputScale, weightScale; // uniform magnitudes of the random values
};

class HalfGemmTest : public ::testing::TestWithParam<HalfGemmCase> {};

// g4-select-tiles' choices with the f16 GEMM from one row (gemma4c --f16-gemm-min-rows 1).
kernels::TileOptions halfEverywhere(const OpHarness &h) {
  kernels::TileOptions options = h.tileOptions();
  options.halfGemmMinRows = 1;
  return options;
}

TEST_P(HalfGemmTest, MatchesCpu) {
  const HalfGemmCase c = GetParam();
  OpHarness h("dense-softcap.fused", 1024);
  std::mt19937 rng(c.tokens * 1000 + c.in);
  const std::vector<float> x = randomValues(size_t(c.tokens) * c.in, rng, c.inputScale);
  const std::vector<float> w = roundedToBf16(randomValues(size_t(c.out) * c.in, rng, c.weightScale));
  const std::vector<float> w2 = roundedToBf16(randomValues(size_t(c.out) * c.in, rng, c.weightScale));
  const size_t n = size_t(c.tokens) * c.out;
  std::vector<float> plain(n), second(n), capped(n), gated(n);
  rt::cpu::linear(x.data(), w.data(), plain.data(), c.tokens, c.in, c.out);
  rt::cpu::linear(x.data(), w2.data(), second.data(), c.tokens, c.in, c.out);
  const float cap = 30.0f * c.inputScale * c.weightScale; // the cap bends the outputs without flattening them
  rt::cpu::softcap(plain.data(), cap, capped.data(), n);
  rt::cpu::geluTanhMul(plain.data(), second.data(), gated.data(), n);
  const CUdeviceptr dx = h.upload(x), dw = h.uploadBf16(w), dw2 = h.uploadBf16(w2);
  const CUdeviceptr ew = h.halfExponent(dw, w.size()), ew2 = h.halfExponent(dw2, w2.size());
  using kernels::GemvEpilogue;
  for (const auto &[epilogue, ref] : {std::pair{GemvEpilogue::Plain, &plain}, std::pair{GemvEpilogue::Softcap, &capped},
                                      std::pair{GemvEpilogue::GeluTanhGate, &gated}}) {
    const rt::cuda::KernelChoices choices(kernels::linearChoices(epilogue, c.in, halfEverywhere(h)), *h.env().kernels);
    ASSERT_EQ(choices.at(c.tokens).family, kernels::KernelFamily::HalfGemm);
    const CUdeviceptr y = h.poisoned(n);
    rt::cuda::runLinear(h.env(), {dx, dw, dw2, y, c.in, c.out, epilogue, cap, &choices, ew, ew2}, c.tokens);
    EXPECT_LE(relativeL2(h.download(y, n), *ref), kHalfGemmTolerance)
        << c.tokens << " x " << c.in << " -> " << c.out << " (inputs ~" << c.inputScale << ", weights ~"
        << c.weightScale << ") epilogue " << int(epilogue);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, HalfGemmTest,
                         ::testing::Values(HalfGemmCase{600, 2560, 2048, 1.0f, 0.1f},
                                           HalfGemmCase{700, 704, 2816, 4.0f, 0.05f},
                                           HalfGemmCase{513, 96, 37, 1.0f, 0.1f}, HalfGemmCase{1, 99, 37, 1.0f, 0.1f},
                                           HalfGemmCase{65, 512, 333, 3e5f, 0.1f},    // inputs past 65504
                                           HalfGemmCase{37, 256, 100, 1.0f, 2e5f},    // weights past 65504
                                           HalfGemmCase{40, 128, 63, 1e-6f, 1e-7f})); // both below f16's normals

// q, k and v from one converted input.
TEST(HalfGemmMultiLinearTest, MatchesCpu) {
  constexpr uint32_t kTokens = 530, kIn = 2560;
  OpHarness h("dense-softcap.fused", 1024);
  std::mt19937 rng(7);
  const std::vector<float> x = randomValues(size_t(kTokens) * kIn, rng);
  rt::cuda::BoundInstruction b;
  b.in = {h.upload(x)};
  b.inWidth = {kIn};
  b.choices = rt::cuda::KernelChoices(kernels::linearChoices(kernels::GemvEpilogue::Plain, kIn, halfEverywhere(h)),
                                      *h.env().kernels);
  std::vector<std::vector<float>> refs;
  for (uint32_t out : {2048u, 512u, 500u}) {
    // Each projection its own magnitude: its own exponent.
    const std::vector<float> w = roundedToBf16(randomValues(size_t(out) * kIn, rng, 0.02f * float(out) / 100.0f));
    refs.emplace_back(size_t(kTokens) * out);
    rt::cpu::linear(x.data(), w.data(), refs.back().data(), kTokens, kIn, out);
    b.weights.push_back(h.uploadBf16(w));
    b.weightExponents.push_back(h.halfExponent(b.weights.back(), w.size()));
    b.out.push_back(h.poisoned(refs.back().size()));
    b.outWidth.push_back(out);
  }
  rt::cuda::runMultiLinear(h.env(), b, kTokens);
  for (size_t i = 0; i < refs.size(); ++i)
    EXPECT_LE(relativeL2(h.download(b.out[i], refs[i].size()), refs[i]), kHalfGemmTolerance) << "projection " << i;
}

} // namespace
} // namespace g4::gpu_test
