// Sampling elsewhere: the draw's id order, RowSampling's reading of a chain
// (sampleRow), and a chain offloaded to a backend continuing exactly as one
// that samples on the host.
#include "sample/RowSampling.h"
#include "io/Error.h"
#include "sample/SamplerChain.h"
#include "sample/Stages.h"

#include <gtest/gtest.h>

#include <random>

namespace g4::rt {
namespace {

TEST(SelectByUniform, WalksTheKeptTokensInIdOrder) {
  // Top-2 keeps ids 1 (weight 1) and 0 (weight e^-2 = 0.135), sorted 1 first;
  // the draw walks id 0 first: u = 0.05 (target 0.057) falls in id 0's share.
  Candidates c = Candidates::fromLogits(std::vector<float>{1.0f, 3.0f, -5.0f, -5.0f});
  TopKStage(2).apply(c);
  ASSERT_TRUE(c.sorted);
  selectByUniform(c, 0.05);
  EXPECT_EQ(c.items[size_t(c.selected)].id, 0);
  selectByUniform(c, 0.2);
  EXPECT_EQ(c.items[size_t(c.selected)].id, 1);
}

TEST(SelectByUniform, SplitsEqualWeightsEvenly) {
  Candidates c = Candidates::fromLogits(std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f});
  for (const auto &[u, id] : {std::pair{0.0, 0}, {0.24, 0}, {0.26, 1}, {0.6, 2}, {0.99, 3}}) {
    selectByUniform(c, u);
    EXPECT_EQ(c.items[size_t(c.selected)].id, id) << "u " << u;
  }
}

TEST(SamplerChain, OffloadPeeksAndAcceptOffloadedContinuesLikeSample) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> logit(-6.0f, 6.0f);
  for (const SamplingParams &params :
       {SamplingParams{0.8f, 5, 0.9f, 11, 0.01f}, SamplingParams{1.0f, 0, 1.0f, 12}, SamplingParams{1.5f, 0, 0.3f, 13},
        SamplingParams{0.5f, 2, 1.0f, 14}, SamplingParams{}}) {
    SamplerChain onHost(params), offloaded(params);
    ASSERT_TRUE(offloaded.offloadable());
    for (int step = 0; step < 200; ++step) {
      std::vector<float> logits(64);
      for (float &l : logits)
        l = logit(rng);
      const RowSampling row = offloaded.offload();
      EXPECT_EQ(offloaded.offload().uniform, row.uniform) << "offload() changes nothing";
      const int32_t token = sampleRow(logits, row);
      offloaded.acceptOffloaded(token);
      EXPECT_EQ(token, onHost.sample(logits)) << "temperature " << params.temperature << ", step " << step;
    }
  }
}

TEST(SamplerChain, PenaltiesAndHandAddedStagesStayOnTheHost) {
  SamplingParams penalized;
  penalized.temperature = 1;
  penalized.presencePenalty = 0.5f;
  SamplerChain chain(penalized);
  EXPECT_FALSE(chain.offloadable());
  EXPECT_THROW(chain.offload(), Error);

  SamplerChain extended(SamplingParams{});
  EXPECT_TRUE(extended.offloadable());
  extended.add(std::make_unique<TemperatureStage>(2.0f));
  EXPECT_FALSE(extended.offloadable());
}

TEST(RowSampling, GreedyTakesTheRawArgmaxWithTiesToTheLowerId) {
  const std::vector<float> logits = {0.5f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(sampleRow(logits, RowSampling{}), 1);
}

} // namespace
} // namespace g4::rt
