// splitMma and splitWgmma, the verify regime's Linear kernels, against a
// double-precision product of the same bf16 weights and fp32 inputs: every
// epilogue, the token tiles sm_90a plans hold (splitMma's 16, splitWgmma's 64,
// also for fewer rows than its default 17), sizes that are not multiples of
// their tiles, with K splits (few output rows; splitWgmma's summed across a
// cluster) and without.
// Outputs start as NaN so an unwritten element fails; a second launch must
// give the same bits (split order fixed, arrival counters reset).
#include "OpHarness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace g4::gpu_test {
namespace {

using kernels::GemvEpilogue;

// The split input carries ~16 significant bits (|x - hi - lo| <= 2^-16 |x|), so
// errors scale with sum |w| |x|; measured on an H100: at most 5.9e-6 of max |y|.
constexpr double kSplitTolerance = 1e-4;

struct SplitMmaCase {
  uint32_t rows, in, out;
  kernels::KernelFamily family = kernels::KernelFamily::SplitMma;
};

class SplitMmaTest : public ::testing::TestWithParam<SplitMmaCase> {};

// y[t][o] = x[t] . w[o] in double.
std::vector<double> product(const std::vector<float> &x, const std::vector<float> &w, const SplitMmaCase &c) {
  std::vector<double> y(size_t(c.rows) * c.out);
  for (uint32_t t = 0; t < c.rows; ++t)
    for (uint32_t o = 0; o < c.out; ++o) {
      double sum = 0;
      for (uint32_t k = 0; k < c.in; ++k)
        sum += double(x[size_t(t) * c.in + k]) * w[size_t(o) * c.in + k];
      y[size_t(t) * c.out + o] = sum;
    }
  return y;
}

double geluTanh(double x) { return 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))); }

TEST_P(SplitMmaTest, MatchesDoubleProduct) {
  const SplitMmaCase c = GetParam();
  OpHarness h("dense-softcap.fused"); // its image holds every splitMma variant
  std::mt19937 rng(c.rows * 7919 + c.in * 31 + c.out);
  const std::vector<float> x = randomValues(size_t(c.rows) * c.in, rng);
  const std::vector<float> w = roundedToBf16(randomValues(size_t(c.out) * c.in, rng, 0.1f));
  const std::vector<float> w2 = roundedToBf16(randomValues(size_t(c.out) * c.in, rng, 0.1f));
  const std::vector<double> gate = product(x, w, c), up = product(x, w2, c);
  const CUdeviceptr dx = h.upload(x), dw = h.uploadBf16(w), dw2 = h.uploadBf16(w2);
  const size_t n = size_t(c.rows) * c.out;
  for (GemvEpilogue epilogue : {GemvEpilogue::Plain, GemvEpilogue::Softcap, GemvEpilogue::GeluTanhGate}) {
    std::vector<double> ref(n);
    for (size_t i = 0; i < n; ++i)
      ref[i] = epilogue == GemvEpilogue::Plain     ? gate[i]
               : epilogue == GemvEpilogue::Softcap ? std::tanh(gate[i] / 3.0) * 3.0
                                                   : geluTanh(gate[i]) * up[i];
    const bool wgmma = c.family == kernels::KernelFamily::SplitWgmma;
    const kernels::TileOptions options =
        wgmma ? kernels::TileOptions{.gemvMaxTokens = 0, .splitMmaMaxRows = 0, .wgmma = true}
              : kernels::TileOptions{.splitMmaMaxRows = 16};
    const rt::cuda::KernelChoices choices(kernels::linearChoices(epilogue, c.in, options), *h.env().kernels);
    ASSERT_EQ(choices.at(c.rows).family, c.family);
    std::vector<float> runs[2];
    for (std::vector<float> &ours : runs) {
      const CUdeviceptr y = h.poisoned(n);
      rt::cuda::runLinear(h.env(), {dx, dw, dw2, y, c.in, c.out, epilogue, 3.0f, &choices}, c.rows);
      ours = h.download(y, n);
    }
    double largest = 0, error = 0;
    for (size_t i = 0; i < n; ++i) {
      largest = std::max(largest, std::abs(ref[i]));
      error = std::isnan(runs[0][i]) ? INFINITY : std::max(error, std::abs(runs[0][i] - ref[i]));
    }
    const std::string what = std::string(kernels::familyInfo(c.family).name) + " " + std::to_string(c.rows) + " x " +
                             std::to_string(c.in) + " -> " + std::to_string(c.out) + " epilogue " +
                             std::to_string(int(epilogue));
    EXPECT_LE(error, kSplitTolerance * largest) << what;
    EXPECT_EQ(std::memcmp(runs[0].data(), runs[1].data(), n * 4), 0) << what << ": launches differ";
    std::printf("%s: max error %.2e of max |y|\n", what.c_str(), error / largest);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, SplitMmaTest,
                         ::testing::Values(SplitMmaCase{5, 200, 77}, SplitMmaCase{13, 2568, 520},
                                           SplitMmaCase{16, 200, 520}, SplitMmaCase{9, 2568, 77},
                                           SplitMmaCase{16, 2560, 2048}, SplitMmaCase{13, 72, 70000}));

constexpr kernels::KernelFamily kWgmma = kernels::KernelFamily::SplitWgmma;
INSTANTIATE_TEST_SUITE_P(Wgmma, SplitMmaTest,
                         ::testing::Values(SplitMmaCase{33, 200, 77, kWgmma}, SplitMmaCase{64, 2568, 520, kWgmma},
                                           SplitMmaCase{57, 10240, 300, kWgmma}, SplitMmaCase{40, 1000, 2048, kWgmma},
                                           SplitMmaCase{1, 256, 130, kWgmma}, SplitMmaCase{20, 72, 70000, kWgmma},
                                           SplitMmaCase{32, 200, 520, kWgmma}, SplitMmaCase{17, 2568, 77, kWgmma},
                                           SplitMmaCase{32, 2560, 2048, kWgmma}));

} // namespace
} // namespace g4::gpu_test
