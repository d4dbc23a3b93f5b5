// The sampling stages added for serving: penalties, min-p, the chain's
// order, raw logprobs, stop conditions and stop strings with holdback.
#include "io/Error.h"
#include "sample/Logprobs.h"
#include "sample/PenaltyStage.h"
#include "sample/SamplerChain.h"
#include "sample/Stages.h"
#include "sample/StopConditions.h"
#include "sample/StopStrings.h"

#include <gtest/gtest.h>

#include <cmath>

namespace g4::rt {
namespace {

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const Error &e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PenaltyStage, RepetitionDividesPositiveAndMultipliesNegativeLogitsOfPromptAndOutput) {
  const int32_t prompt[] = {0, 1};
  PenaltyStage stage({2.0f, 0, 0}, prompt);
  stage.accept(2);
  Candidates c = Candidates::fromLogits(std::vector<float>{4.0f, -1.0f, 3.0f, 5.0f});
  stage.apply(c);
  EXPECT_FLOAT_EQ(c.items[0].logit, 2.0f);
  EXPECT_FLOAT_EQ(c.items[1].logit, -2.0f);
  EXPECT_FLOAT_EQ(c.items[2].logit, 1.5f); // generated
  EXPECT_FLOAT_EQ(c.items[3].logit, 5.0f); // never seen
}

TEST(PenaltyStage, PresenceAndFrequencyCountOnlyGeneratedTokens) {
  const int32_t prompt[] = {3};
  PenaltyStage stage({1, 0.5f, 0.25f}, prompt);
  for (int32_t t : {1, 1, 1, 2})
    stage.accept(t);
  Candidates c = Candidates::fromLogits(std::vector<float>{0, 0, 0, 0});
  stage.apply(c);
  EXPECT_FLOAT_EQ(c.items[0].logit, 0);
  EXPECT_FLOAT_EQ(c.items[1].logit, -(0.5f + 3 * 0.25f));
  EXPECT_FLOAT_EQ(c.items[2].logit, -(0.5f + 0.25f));
  EXPECT_FLOAT_EQ(c.items[3].logit, 0); // the prompt is not penalized
  stage.reset();
  Candidates fresh = Candidates::fromLogits(std::vector<float>{0, 0, 0, 0});
  stage.apply(fresh);
  EXPECT_FLOAT_EQ(fresh.items[1].logit, 0);
}

TEST(PenaltyStage, RejectsOutOfRangeParametersAndReorderedCandidates) {
  EXPECT_EQ(errorOf([] { PenaltyStage({0, 0, 0}, {}); }), "repetition penalty must be > 0, got 0.000000");
  EXPECT_EQ(errorOf([] { PenaltyStage({1, 2.5f, 0}, {}); }), "presence penalty must be in [-2, 2], got 2.500000");
  EXPECT_EQ(errorOf([] { PenaltyStage({1, 0, -3}, {}); }), "frequency penalty must be in [-2, 2], got -3.000000");
  PenaltyStage stage({1, 1, 0}, {});
  stage.accept(0);
  Candidates sorted = Candidates::fromLogits(std::vector<float>{1, 2});
  sorted.sort();
  EXPECT_EQ(errorOf([&] { stage.apply(sorted); }),
            "penalty stage: candidates must be the full vocabulary in id order (put it first in the chain)");
}

TEST(MinPStage, KeepsTokensWithinAFactorOfTheMostLikely) {
  // probabilities proportional to e^logit: 1, e^-1 (0.37), e^-2 (0.14), e^-3 (0.05)
  Candidates c = Candidates::fromLogits(std::vector<float>{0, -1, -2, -3});
  MinPStage(0.1f).apply(c);
  ASSERT_EQ(c.items.size(), 3u);
  EXPECT_EQ(c.items[2].id, 2);
  EXPECT_EQ(errorOf([] { MinPStage(1.5f); }), "min-p must be in [0, 1], got 1.500000");
}

TEST(SamplerChain, PenaltiesApplyBeforeGreedySelection) {
  SamplingParams params;
  params.repetitionPenalty = 4;
  const int32_t prompt[] = {0};
  SamplerChain chain(params, prompt);
  EXPECT_EQ(chain.sample(std::vector<float>{2.0f, 1.0f}), 1); // 2 / 4 < 1
  params.repetitionPenalty = 1;
  params.frequencyPenalty = 2;
  SamplerChain repeat(params);
  EXPECT_EQ(repeat.sample(std::vector<float>{1.0f, 0.5f}), 0);
  EXPECT_EQ(repeat.sample(std::vector<float>{1.0f, 0.5f}), 1); // token 0 now costs 2
}

TEST(SamplerChain, MinPTruncatesBeforeTheDraw) {
  SamplingParams params;
  params.temperature = 1;
  params.minP = 0.5f;
  params.seed = 3;
  SamplerChain chain(params);
  // p(2) / p(1) = e^-1 < 0.5: only token 1 survives.
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(chain.sample(std::vector<float>{0.0f, 5.0f, 4.0f, 0.0f}), 1);
}

TEST(Logprobs, AreTheLogSoftmaxOfTheRawLogits) {
  const std::vector<float> logits = {1.0f, 3.0f, 3.0f, -2.0f};
  const PositionLogprobs lp = computeLogprobs(logits, 0, 2);
  double z = 0;
  for (float l : logits)
    z += std::exp(double(l));
  EXPECT_NEAR(lp.chosen.logprob, 1.0 - std::log(z), 1e-5);
  EXPECT_EQ(lp.chosen.id, 0);
  ASSERT_EQ(lp.top.size(), 2u);
  EXPECT_EQ(lp.top[0].id, 1); // ties: lower id first
  EXPECT_EQ(lp.top[1].id, 2);
  EXPECT_NEAR(lp.top[0].logprob, 3.0 - std::log(z), 1e-5);
  EXPECT_TRUE(computeLogprobs(logits, 3, 0).top.empty());
}

TEST(StopConditions, StopIdsWinThenTheLengthLimits) {
  StopConditions stop{{1, 106}, 4, 10};
  EXPECT_EQ(stop.check(106, 4, 10), FinishReason::Stop);
  EXPECT_EQ(stop.check(7, 4, 8), FinishReason::Length);  // max_tokens
  EXPECT_EQ(stop.check(7, 2, 10), FinishReason::Length); // context
  EXPECT_EQ(stop.check(7, 2, 8), std::nullopt);
  EXPECT_STREQ(finishReasonName(FinishReason::Abort), "abort");
}

TEST(StopStrings, HoldBackAPossibleStartAndCutBeforeTheMatch) {
  StopStringMatcher m({"END", "\n\n"});
  StopStringMatcher::Output out = m.push("Hello E");
  EXPECT_EQ(out.text, "Hello "); // "E" may begin "END"
  EXPECT_FALSE(out.stopped);
  out = m.push("ND!");
  EXPECT_EQ(out.text, "");
  EXPECT_TRUE(out.stopped);
  EXPECT_EQ(m.push("more").text, "");
}

TEST(StopStrings, ReleaseHeldTextWhenItIsNotAStopString) {
  StopStringMatcher m({"END"});
  EXPECT_EQ(m.push("a EN").text, "a ");
  EXPECT_EQ(m.push("D").text, "");
  StopStringMatcher n({"END"});
  EXPECT_EQ(n.push("a EN").text, "a ");
  EXPECT_EQ(n.push("X").text, "ENX");
  EXPECT_EQ(n.push("E").text, "");
  EXPECT_EQ(n.flush(), "E"); // generation ended for another reason
}

TEST(StopStrings, MatchAcrossManyDeltasAndTakeTheEarliest) {
  StopStringMatcher m({"xyz", "yz"});
  EXPECT_EQ(m.push("abx").text, "ab");
  const StopStringMatcher::Output out = m.push("yz tail");
  EXPECT_TRUE(out.stopped);
  EXPECT_EQ(out.text, ""); // "xyz" starts first
  StopStringMatcher none({""});
  EXPECT_EQ(none.push("text").text, "text");
}

} // namespace
} // namespace g4::rt
