// The tensor-core attention variants (device/AttentionMma.cuh) against the
// CPU reference at sizes that are not multiples of their tiles: prefill
// chunks of 1, 7, 33 and 130 tokens beside decode tokens, contexts crossing
// page boundaries, windows shorter and longer than the contexts, groups 1, 2,
// 4 and 8, head_dim 256 and 512. Each variant runs every step, whatever
// the plan's choice would pick (the decode variant over prefill tiles too).
#include "AttentionFixture.h"

#include <gtest/gtest.h>

namespace g4::gpu_test {
namespace {

using kernels::AttentionVariant;

// q and the probabilities are rounded to f16 for the mma (unit roundoff
// u = 2^-11); the output's relative L2 error stays about u: 4u is the bound.
constexpr double kF16Tolerance = 1.95e-3;

class AttentionMmaTest : public ::testing::TestWithParam<AttentionCase> {};

TEST_P(AttentionMmaTest, MatchesCpuAtOddSizes) {
  const AttentionCase c = GetParam();
  OpHarness h(c.plan);
  AttentionFixture f(h, c, 3, 320, 192);
  const uint32_t group = c.heads / c.kvHeads;
  ASSERT_TRUE(f.available(AttentionVariant::MmaTiles)) << "no tensor-core attention for head_dim " << c.headDim;
  std::mt19937 rng(c.headDim * 7 + group + c.window);
  const std::vector<AttentionFixture::Step> steps = {
      {{0, 130}, {1, 7}, {2, 1}}, {{0, 33}, {1, 1}, {2, 33}}, {{0, 1}, {1, 1}, {2, 1}}, {{1, 130}, {0, 7}, {2, 1}}};
  for (size_t s = 0; s < steps.size(); ++s) {
    const std::vector<float> ref = f.begin(steps[s], rng, true);
    for (AttentionVariant variant : {AttentionVariant::MmaTiles, AttentionVariant::MmaDecode})
      if (f.available(variant)) {
        const double error = relativeL2(f.run(variant), ref);
        EXPECT_LE(error, kF16Tolerance) << "step " << s << " variant " << int(variant) << " group " << group;
        std::printf("head_dim %u group %u window %u step %zu variant %d: relative L2 error %.2e\n", c.headDim, group,
                    c.window, s, int(variant), error);
      }
    f.end();
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionMmaTest,
                         ::testing::Values(AttentionCase{"attention-group1", 256, 2, 2, 24, 16},
                                           AttentionCase{"attention-group1", 512, 2, 2, 0, 16},
                                           AttentionCase{"gemma-4-26B-A4B-it", 256, 16, 8, 300, 16},
                                           AttentionCase{"gemma-4-E4B-it", 256, 8, 2, 100, 16},
                                           AttentionCase{"gemma-4-E4B-it", 512, 8, 2, 0, 4},
                                           AttentionCase{"gemma-4-E2B-it", 256, 8, 1, 40, 16},
                                           AttentionCase{"gemma-4-26B-A4B-it", 512, 16, 2, 0, 16}));

} // namespace
} // namespace g4::gpu_test
