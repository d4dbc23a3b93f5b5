// Not a check: the Linear path's achieved weight bandwidth at real decode
// shapes, to place the GEMV / splitMma / splitWgmma / cuBLASLt crossovers
// (gemma4c --gemv-max-tokens, g4-select-tiles). The GEMV variants come from a
// plan holding all of them (make-plans.sh compiles it with --gemv-max-tokens
// 64), splitMma's and splitWgmma's from the default E4B plan: splitMma's token
// tile of 16 (above 16 rows: inf; sm_90a plans take splitWgmma there),
// splitWgmma at every row count (its one tile of 64 tokens). Disabled by
// default; run with
//   gpu_tests --gtest_also_run_disabled_tests --gtest_filter='*LinearThroughput*'
#include "OpHarness.h"

#include "cuda/CudaCheck.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace g4::gpu_test {
namespace {

TEST(LinearPerf, DISABLED_LinearThroughput) {
  OpHarness h("gemma-4-E4B-it.gemv64", 256);
  OpHarness mma("gemma-4-E4B-it", 64); // same (primary) context: its kernels launch on h's stream
  // Path 0: always the GEMV kernel (up to 64 rows); 1: always cuBLASLt; 2: always splitMma; 3: always splitWgmma.
  const uint32_t in = 2560; // any multiple of 8: the paths do not depend on it
  const kernels::TileOptions wgmmaOnly{.gemvMaxTokens = 0, .splitMmaMaxRows = 0, .wgmma = true};
  const rt::cuda::KernelChoices paths[4] = {
      {kernels::linearChoices(kernels::GemvEpilogue::Plain, in, {.gemvMaxTokens = 64}), *h.env().kernels},
      {kernels::linearChoices(kernels::GemvEpilogue::Plain, in, {.gemvMaxTokens = 0, .splitMmaMaxRows = 0}),
       *h.env().kernels},
      {kernels::linearChoices(kernels::GemvEpilogue::Plain, in, {.gemvMaxTokens = 0, .splitMmaMaxRows = 16}),
       *mma.env().kernels},
      {kernels::linearChoices(kernels::GemvEpilogue::Plain, in, wgmmaOnly), *mma.env().kernels}};
  std::mt19937 rng(5);
  struct Shape {
    const char *what;
    uint32_t in, out;
  };
  // Copies of each weight used in turn, so that the L2 (50 MB) cannot hold them.
  constexpr int kRuns = 20;
  std::printf("%-22s %6s %10s %10s %12s %12s %10s\n", "shape", "rows", "us GEMV", "us GEMM", "us splitMma",
              "us splitWgmma", "GB/s best");
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
      const bool splitMma = paths[2].at(rows).family == kernels::KernelFamily::SplitMma;
      double us[4] = {0, 0, INFINITY, 0};
      for (int path = 0; path < 4; ++path) {
        if (path == 2 && !splitMma)
          continue;
        us[path] = h.medianMicroseconds(kRuns, [&](int r) {
          rt::cuda::runLinear(h.env(), {x, weights[r % copies], 0, y, s.in, s.out, {}, 0, &paths[path]}, rows);
        });
      }
      const double bytes = 2.0 * s.in * s.out;
      std::printf("%-22s %6u %10.1f %10.1f %12.1f %12.1f %10.0f\n", s.what, rows, us[0], us[1], us[2], us[3],
                  bytes / std::min({us[0], us[1], us[2], us[3]}) / 1e3);
    }
  }
  // GatedLinear (gate and up, 2 x 26 MB): cuBLASLt (two GEMMs + gating) vs splitMma (up to 16 rows) vs splitWgmma.
  using kernels::GemvEpilogue;
  const rt::cuda::KernelChoices gated[3] = {
      {kernels::linearChoices(GemvEpilogue::GeluTanhGate, in, {.gemvMaxTokens = 0, .splitMmaMaxRows = 0}),
       *h.env().kernels},
      {kernels::linearChoices(GemvEpilogue::GeluTanhGate, in, {.gemvMaxTokens = 0, .splitMmaMaxRows = 16}),
       *mma.env().kernels},
      {kernels::linearChoices(GemvEpilogue::GeluTanhGate, in, wgmmaOnly), *mma.env().kernels}};
  const uint32_t inter = 10240;
  const CUdeviceptr gate = h.uploadBf16(randomValues(size_t(in) * inter, rng, 0.05f));
  const CUdeviceptr up = h.uploadBf16(randomValues(size_t(in) * inter, rng, 0.05f));
  const CUdeviceptr x = h.upload(randomValues(size_t(64) * in, rng)), y = h.poisoned(size_t(64) * inter);
  for (uint32_t rows : {8u, 16u, 32u, 64u}) {
    double us[3] = {0, INFINITY, 0};
    for (int path = 0; path < 3; ++path) {
      if (path == 1 && gated[1].at(rows).family != kernels::KernelFamily::SplitMma)
        continue;
      us[path] = h.medianMicroseconds(kRuns, [&](int) {
        rt::cuda::runLinear(h.env(), {x, gate, up, y, in, inter, GemvEpilogue::GeluTanhGate, 0, &gated[path]}, rows);
      });
    }
    std::printf("%-22s %6u %10s %10.1f %12.1f %12.1f %10.0f\n", "E4B gate+up (gated)", rows, "-", us[0], us[1], us[2],
                4.0 * in * inter / std::min({us[0], us[1], us[2]}) / 1e3);
  }
}

// An attention's q, k and v projections at decode (E4B: 2560 -> 2048, 512,
// 512; its full layers 2560 -> 4096, 1024, 1024; 26B-A4B sliding 2816 -> 4096,
// 2048, 2048): three Linear launches vs one MultiLinear launch (the GEMV over
// their rows at 1-4 rows, splitWgmma's segments at 32 and 64).
// Weights rotated through 4 copies (past the L2). Run with
//   gpu_tests --gtest_also_run_disabled_tests --gtest_filter='*QkvThroughput*'
TEST(LinearPerf, DISABLED_QkvThroughput) {
  OpHarness h("gemma-4-E4B-it", 64);
  std::mt19937 rng(9);
  constexpr int kRuns = 40, kCopies = 4;
  std::printf("%-22s %6s %14s %16s %10s\n", "shape", "rows", "us 3 x Linear", "us MultiLinear", "GB/s");
  struct Shape {
    const char *what;
    uint32_t in, q, kv;
  };
  for (const Shape s : {Shape{"E4B sliding q/k/v", 2560, 2048, 512}, Shape{"E4B full q/k/v", 2560, 4096, 1024},
                        Shape{"26B sliding q/k/v", 2816, 4096, 2048}}) {
    const std::vector<uint32_t> outs = {s.q, s.kv, s.kv};
    rt::cuda::BoundInstruction b[kCopies];
    const CUdeviceptr x = h.upload(randomValues(size_t(64) * s.in, rng));
    for (rt::cuda::BoundInstruction &copy : b) {
      copy.in = {x};
      copy.inWidth = {s.in};
      copy.choices = rt::cuda::KernelChoices(
          kernels::linearChoices(kernels::GemvEpilogue::Plain, s.in, h.tileOptions()), *h.env().kernels);
      for (uint32_t out : outs) {
        copy.weights.push_back(h.uploadBf16(randomValues(size_t(out) * s.in, rng, 0.05f)));
        copy.out.push_back(h.poisoned(size_t(64) * out));
        copy.outWidth.push_back(out);
      }
    }
    for (uint32_t rows : {1u, 2u, 4u, 32u, 64u}) {
      const double apart = h.medianMicroseconds(kRuns, [&](int r) {
        const rt::cuda::BoundInstruction &c = b[r % kCopies];
        for (size_t i = 0; i < outs.size(); ++i)
          rt::cuda::runLinear(h.env(), {x, c.weights[i], 0, c.out[i], s.in, outs[i], {}, 0, &c.choices}, rows);
      });
      const double fused =
          h.medianMicroseconds(kRuns, [&](int r) { rt::cuda::runMultiLinear(h.env(), b[r % kCopies], rows); });
      const double bytes = 2.0 * s.in * (s.q + 2.0 * s.kv);
      std::printf("%-22s %6u %14.1f %16.1f %10.0f\n", s.what, rows, apart, fused, bytes / fused / 1e3);
    }
  }
}

// Long prefills: the two split bf16 GEMMs (cublaslt_split) vs the f16 GEMM
// on scaled copies (cublaslt_f16), whole Linear calls, and the f16 GEMM alone
// on inputs already converted (what the conversions cost is the difference).
// TFLOP/s of the product's 2 x rows x in x out. Run with
//   gpu_tests --gtest_also_run_disabled_tests --gtest_filter='*PrefillGemm*'
TEST(LinearPerf, DISABLED_PrefillGemm) {
  constexpr uint32_t kMaxRows = 8192;
  OpHarness h("gemma-4-E4B-it", kMaxRows);
  std::mt19937 rng(11);
  constexpr int kRuns = 5;
  kernels::TileOptions splitOnly = h.tileOptions(), halfOnly = h.tileOptions();
  splitOnly.halfGemmMinRows = 0;
  halfOnly.halfGemmMinRows = 1;
  std::printf("%-18s %6s %12s %12s %14s %10s %10s %12s\n", "shape", "rows", "us split", "us f16", "us f16 GEMM",
              "TF split", "TF f16", "TF f16 GEMM");
  struct Shape {
    const char *what;
    uint32_t in, out;
  };
  const CUdeviceptr x = h.upload(randomValues(size_t(kMaxRows) * 10240, rng));
  const CUdeviceptr y = h.poisoned(size_t(kMaxRows) * 10752);
  for (const Shape s :
       {Shape{"E4B q_proj", 2560, 2048}, Shape{"E4B o_proj", 2048, 2560}, Shape{"E4B gate_proj", 2560, 10240},
        Shape{"E4B down_proj", 10240, 2560}, Shape{"E4B PLE up", 256, 2560}, Shape{"E4B PLE proj", 2560, 10752},
        Shape{"26B q_proj", 2816, 4096}, Shape{"26B o_proj", 4096, 2816}}) {
    const CUdeviceptr w = h.uploadBf16(randomValues(size_t(s.in) * s.out, rng, 0.05f));
    const CUdeviceptr exponent = h.halfExponent(w, size_t(s.in) * s.out);
    const rt::cuda::KernelChoices paths[2] = {
        {kernels::linearChoices(kernels::GemvEpilogue::Plain, s.in, splitOnly), *h.env().kernels},
        {kernels::linearChoices(kernels::GemvEpilogue::Plain, s.in, halfOnly), *h.env().kernels}};
    for (uint32_t rows : {512u, 2048u, kMaxRows}) {
      double us[2];
      for (int path = 0; path < 2; ++path)
        us[path] = h.medianMicroseconds(kRuns, [&](int) {
          rt::cuda::runLinear(h.env(), {x, w, 0, y, s.in, s.out, {}, 0, &paths[path], exponent}, rows);
        });
      // The last call left both f16 copies and alpha in the workspace.
      const rt::cuda::OpWorkspace &ws = h.env().workspace;
      const double gemm = h.medianMicroseconds(kRuns, [&](int) {
        h.env().gemm->runHalf(ws.halfInput, ws.halfWeights, y, int(rows), int(s.in), int(s.out),
                              rt::cuda::halfAlpha(ws), rt::cuda::halfZero(ws), h.env().stream);
      });
      const double flops = 2.0 * rows * s.in * s.out;
      std::printf("%-18s %6u %12.1f %12.1f %14.1f %10.1f %10.1f %12.1f\n", s.what, rows, us[0], us[1], gemm,
                  flops / us[0] / 1e6, flops / us[1] / 1e6, flops / gemm / 1e6);
    }
  }
}

} // namespace
} // namespace g4::gpu_test
