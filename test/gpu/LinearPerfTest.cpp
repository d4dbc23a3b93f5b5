// Not a check: the Linear path's achieved weight bandwidth at real decode
// shapes, to place the GEMV / cuBLASLt crossover (gemma4c --gemv-max-tokens,
// g4-select-tiles). Its plan holds every GEMV variant (make-plans.sh compiles
// it with --gemv-max-tokens 64). Disabled by default; run with
//   gpu_tests --gtest_also_run_disabled_tests --gtest_filter='*LinearThroughput*'
#include "OpHarness.h"

#include "cuda/CudaCheck.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

namespace g4::gpu_test {
namespace {

TEST(LinearPerf, DISABLED_LinearThroughput) {
  OpHarness h("gemma-4-E4B-it.gemv64", 256);
  // Path 0: always the GEMV kernel (up to 64 rows); path 1: always cuBLASLt.
  const rt::cuda::KernelChoices paths[2] = {
      {kernels::linearChoices(kernels::GemvEpilogue::Plain, {.gemvMaxTokens = 64}), *h.env().kernels},
      {kernels::linearChoices(kernels::GemvEpilogue::Plain, {.gemvMaxTokens = 0}), *h.env().kernels}};
  std::mt19937 rng(5);
  struct Shape {
    const char *what;
    uint32_t in, out;
  };
  // Copies of each weight used in turn, so that the L2 (50 MB) cannot hold them.
  constexpr int kRuns = 20;
  std::printf("%-22s %6s %10s %10s %10s\n", "shape", "rows", "us GEMV", "us GEMM", "GB/s best");
  for (const Shape s :
       {Shape{"E4B q_proj", 2560, 2048}, Shape{"E4B gate_proj", 2560, 10240}, Shape{"E4B down_proj", 10240, 2560},
        Shape{"26B q_proj", 2816, 4096}, Shape{"26B dense gate", 2816, 2112}, Shape{"lm_head", 2560, 262144}}) {
    const int copies = uint64_t(s.in) * s.out * 2 > (256u << 20) ? 1 : 4;
    std::vector<CUdeviceptr> weights;
    for (int c = 0; c < copies; ++c)
      weights.push_back(h.uploadBf16(randomValues(size_t(s.in) * s.out, rng, 0.05f)));
    const CUdeviceptr x = h.upload(randomValues(size_t(256) * s.in, rng));
    const CUdeviceptr y = h.poisoned(size_t(256) * s.out);
    for (uint32_t rows : {1u, 2u, 4u, 8u, 16u, 32u, 64u}) {
      double us[2];
      for (int path = 0; path < 2; ++path) {
        us[path] = h.medianMicroseconds(kRuns, [&](int r) {
          rt::cuda::runLinear(h.env(), {x, weights[r % copies], 0, y, s.in, s.out, {}, 0, &paths[path]}, rows);
        });
      }
      const double bytes = 2.0 * s.in * s.out;
      std::printf("%-22s %6u %10.1f %10.1f %10.0f\n", s.what, rows, us[0], us[1], bytes / std::min(us[0], us[1]) / 1e3);
    }
  }
}

} // namespace
} // namespace g4::gpu_test
