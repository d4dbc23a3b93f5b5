// The sampler chain: greedy ties, determinism per seed, what each stage keeps.
#include "io/Error.h"
#include "sample/SamplerChain.h"
#include "sample/Stages.h"

#include <gtest/gtest.h>

#include <cmath>

namespace g4::rt {
namespace {

const std::vector<float> kLogits = {0.5f, 2.0f, -1.0f, 2.0f, 1.5f, 0.0f, 1.9f, -3.0f};

std::vector<int32_t> draws(SamplerChain &chain, int n) {
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i)
    out.push_back(chain.sample(kLogits));
  return out;
}

TEST(Sampler, GreedyTakesLowestIdAmongTies) {
  SamplerChain greedy(SamplingParams{});
  EXPECT_EQ(greedy.sample(kLogits), 1);
  EXPECT_EQ(greedy.sample(std::vector<float>(5, 0.25f)), 0);
}

TEST(Sampler, SameSeedSameTokens) {
  const SamplingParams params{1.0f, 0, 1.0f, 42};
  SamplerChain a(params), b(params);
  const std::vector<int32_t> first = draws(a, 200);
  EXPECT_EQ(first, draws(b, 200));
  a.reset();
  EXPECT_EQ(draws(a, 200), first);

  SamplerChain other({1.0f, 0, 1.0f, 43});
  EXPECT_NE(draws(other, 200), first);
}

TEST(Sampler, DrawsFollowTheDistribution) {
  SamplerChain chain({1.0f, 0, 1.0f, 7});
  std::vector<int> counts(kLogits.size());
  const int n = 20000;
  for (int i = 0; i < n; ++i)
    ++counts[size_t(chain.sample(kLogits))];
  double total = 0;
  for (float logit : kLogits)
    total += std::exp(double(logit));
  for (size_t i = 0; i < kLogits.size(); ++i)
    EXPECT_NEAR(double(counts[i]) / n, std::exp(double(kLogits[i])) / total, 0.015) << "token " << i;
}

TEST(Sampler, TopKKeepsHighestWithTiesByLowerId) {
  Candidates c;
  for (size_t i = 0; i < kLogits.size(); ++i)
    c.items.push_back({int32_t(i), kLogits[i]});
  TopKStage(3).apply(c);
  ASSERT_EQ(c.items.size(), 3u);
  EXPECT_EQ(c.items[0].id, 1);
  EXPECT_EQ(c.items[1].id, 3);
  EXPECT_EQ(c.items[2].id, 6);

  SamplerChain topOne({2.0f, 1, 1.0f, 99});
  for (int32_t token : draws(topOne, 50))
    EXPECT_EQ(token, 1);
}

TEST(Sampler, TopPKeepsSmallestPrefixReachingMass) {
  Candidates c;
  for (size_t i = 0; i < kLogits.size(); ++i)
    c.items.push_back({int32_t(i), kLogits[i]});
  TopPStage(0.6f).apply(c);
  // Sorted probabilities: 1 and 3 (0.255 each), then 6 (0.230): 1 and 3 alone stay under 0.6.
  ASSERT_EQ(c.items.size(), 3u);
  EXPECT_EQ(c.items[2].id, 6);

  SamplerChain tiny({1.0f, 0, 1e-6f, 5});
  for (int32_t token : draws(tiny, 50))
    EXPECT_EQ(token, 1);
}

TEST(Sampler, TemperatureSharpensTowardsArgmax) {
  Candidates c;
  for (size_t i = 0; i < kLogits.size(); ++i)
    c.items.push_back({int32_t(i), kLogits[i]});
  TemperatureStage(0.5f).apply(c);
  EXPECT_FLOAT_EQ(c.items[1].logit, 4.0f);
  EXPECT_FLOAT_EQ(c.items[7].logit, -6.0f);
}

TEST(Sampler, RejectsBadParameters) {
  EXPECT_THROW(SamplerChain({-0.5f, 0, 1.0f, 0}), Error);
  EXPECT_THROW(SamplerChain({1.0f, 0, 0.0f, 0}), Error);
  EXPECT_THROW(SamplerChain({1.0f, 0, 1.5f, 0}), Error);
}

} // namespace
} // namespace g4::rt
