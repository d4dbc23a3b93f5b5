// Not a check: the attention variants' time and achieved rate (matrix FLOPs
// of QK^T and PV over the visible keys) at Gemma 4 shapes, to place
// g4-select-tiles' attention choices. Disabled by default; run with
//   gpu_tests --gtest_also_run_disabled_tests --gtest_filter='*AttentionThroughput*'
#include "AttentionFixture.h"

#include "cuda/CudaCheck.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

namespace g4::gpu_test {
namespace {

using kernels::AttentionVariant;

constexpr const char *kVariantNames[] = {"simt", "mma-tiles", "mma-decode"};

// The variant g4-select-tiles' choices for this GPU run for the fixture's step.
AttentionVariant chosen(OpHarness &h, const AttentionCase &c, uint32_t tokens) {
  const uint32_t group = c.heads / c.kvHeads, sharedBytes = uint32_t(h.env().device->sharedMemoryPerBlockOptin);
  const rt::cuda::KernelChoices choices(kernels::attentionChoices(c.headDim, group, sharedBytes, {}), *h.env().kernels);
  return *kernels::attentionVariantOf(rt::cuda::chooseAttention(h.env(), choices, group, tokens).family);
}

// Median microseconds of `runs` launches of `variant` over the fixture's step.
double timeVariant(OpHarness &h, AttentionFixture &f, AttentionVariant variant, int runs) {
  return h.medianMicroseconds(runs, [&](int) { f.launch(variant); });
}

// Visible keys summed over the queries of `count` tokens at positions first.. of one sequence.
double visibleKeys(int64_t first, int64_t count, int64_t window) {
  double keys = 0;
  for (int64_t p = first; p < first + count; ++p)
    keys += double(window ? std::min(p + 1, window) : p + 1);
  return keys;
}

void report(OpHarness &h, AttentionFixture &f, const AttentionCase &c, const char *what, double keys, int runs) {
  const double flops = 4.0 * c.headDim * c.heads * keys;
  const AttentionVariant choice = chosen(h, c, f.tokens());
  for (AttentionVariant variant : {AttentionVariant::Simt, AttentionVariant::MmaTiles, AttentionVariant::MmaDecode})
    if (f.available(variant)) {
      const double us = timeVariant(h, f, variant, runs);
      std::printf("%-44s %-11s %10.1f us %8.1f TFLOP/s%s\n", what, kVariantNames[int(variant)], us, flops / us / 1e6,
                  variant == choice ? "  (chosen)" : "");
    }
}

TEST(AttentionPerf, DISABLED_AttentionThroughput) {
  std::mt19937 rng(9);
  const uint32_t prefill = 8192;
  for (const AttentionCase c :
       {AttentionCase{"gemma-4-E4B-it", 256, 8, 2, 512, 16}, AttentionCase{"gemma-4-E4B-it", 256, 8, 2, 0, 16},
        AttentionCase{"gemma-4-E4B-it", 512, 8, 2, 0, 16}}) {
    OpHarness h(c.plan);
    AttentionFixture f(h, c, 1, prefill, prefill);
    f.begin({{0, int32_t(prefill)}}, rng, false);
    f.run(AttentionVariant::MmaTiles); // writes K/V
    char what[96];
    std::snprintf(what, sizeof what, "prefill %u, d %u, 8/2 heads, window %u", prefill, c.headDim, c.window);
    report(h, f, c, what, visibleKeys(0, prefill, c.window), 3);
  }

  const uint32_t sequences = 64, context = 1000;
  for (const AttentionCase c :
       {AttentionCase{"gemma-4-E4B-it", 256, 8, 2, 512, 16}, AttentionCase{"gemma-4-E4B-it", 256, 8, 2, 0, 16},
        AttentionCase{"gemma-4-E4B-it", 512, 8, 2, 0, 16}}) {
    OpHarness h(c.plan);
    AttentionFixture f(h, c, sequences, context + 1, 8 * (context - 1));
    for (uint32_t s = 0; s < sequences; s += 8) { // contexts of context - 1, then one decode token each
      AttentionFixture::Step chunk;
      for (uint32_t i = s; i < s + 8; ++i)
        chunk.push_back({rt::SeqId(i), int32_t(context - 1)});
      f.begin(chunk, rng, false);
      f.run(AttentionVariant::MmaTiles);
      f.end();
    }
    for (uint32_t batch : {sequences, 1u}) { // the batch of 1 decodes sequence 0's next position
      AttentionFixture::Step decode;
      for (uint32_t i = 0; i < batch; ++i)
        decode.push_back({rt::SeqId(i), 1});
      f.begin(decode, rng, false);
      f.run(AttentionVariant::Simt);
      const int64_t position = batch == 1 ? context : context - 1;
      char what[96];
      std::snprintf(what, sizeof what, "decode %u x %u, d %u, 8/2 heads, window %u", batch, context, c.headDim,
                    c.window);
      report(h, f, c, what, batch * visibleKeys(position, 1, c.window), 20);
      f.end();
    }
  }
}

} // namespace
} // namespace g4::gpu_test
