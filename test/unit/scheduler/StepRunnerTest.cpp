// The step runner over a real Engine and KV cache with a fake backend:
// preemption by recompute when KV runs out gives the same tokens as ample
// KV, frees every page, and engine failures are reported per request.
#include "scheduler/StepRunner.h"
#include "FakeBackend.h"
#include "TestPlan.h"
#include "TinyGemma.h"
#include "io/Error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace g4::rt::test {
namespace {

class StepRunnerTest : public ::testing::Test {
protected:
  Engine &engine(uint32_t pagesPerPool) {
    kv_ = std::make_unique<KvCache>(KvLayout(plan_.kv(), sizeof(float)), KvCapacity{pagesPerPool, pagesPerPool});
    engine_ = std::make_unique<Engine>(plan_, backend_, *kv_);
    return *engine_;
  }
  bool allPagesFree() const {
    for (auto kind : {plan::AttentionKind::Sliding, plan::AttentionKind::Full})
      if (kv_->freePages(kind) != kv_->capacity(kind))
        return false;
    return true;
  }

  static int32_t argmax(std::span<const float> row) {
    return int32_t(std::max_element(row.begin(), row.end()) - row.begin());
  }

  // Greedy generation of `maxNew` tokens for each prompt through the runner:
  // the backend's tokens where `offload` offloads every sampling request of a
  // step, else the argmax of the logits rows.
  std::map<RequestId, std::vector<int32_t>> generate(Scheduler &scheduler,
                                                     const std::vector<std::vector<int32_t>> &prompts, size_t maxNew,
                                                     const OffloadFn &offload = {}) {
    StepRunner runner(*engine_, scheduler);
    for (size_t i = 0; i < prompts.size(); ++i)
      scheduler.add(i, prompts[i]);
    std::map<RequestId, std::vector<int32_t>> out;
    while (scheduler.hasWork()) {
      const StepOutput step = runner.step(offload);
      EXPECT_TRUE(step.error.empty()) << step.error;
      std::vector<SampledToken> sampled;
      for (const SampleRow &row : step.samples) {
        EXPECT_EQ(row.token >= 0, step.logits.empty()) << "a step either samples on the backend or returns logits";
        sampled.push_back(
            {row.request,
             row.token >= 0 ? row.token : argmax(std::span(step.logits).subspan(row.row * kTinyVocab, kTinyVocab))});
      }
      scheduler.updateFromOutput(step.scheduled, sampled);
      for (const SampledToken &s : sampled) {
        out[s.request].push_back(s.token);
        if (out[s.request].size() == maxNew)
          runner.remove(s.request);
      }
    }
    return out;
  }

  static std::vector<int32_t> expected(std::vector<int32_t> tokens, size_t maxNew) {
    std::vector<int32_t> generated;
    while (generated.size() < maxNew) {
      generated.push_back(FakeBackend::next(tokens, kTinyVocab));
      tokens.push_back(generated.back());
    }
    return generated;
  }

  TempDir dir_;
  PlanFile plan_{writeTinyGemma(dir_.path())};
  FakeBackend backend_{kTinyVocab};
  std::unique_ptr<KvCache> kv_;
  std::unique_ptr<Engine> engine_;
};

const std::vector<std::vector<int32_t>> kPrompts = {
    {2, 30, 7, 7, 18, 36}, {5, 1, 28, 14}, {9, 9, 9, 9, 9, 9, 9, 9, 9}, {4, 11, 25}};

TEST_F(StepRunnerTest, PreemptionByRecomputeGivesTheSameTokensAndFreesEveryPage) {
  engine(8);                                     // 16-token sequences need 4 pages each: room for 2 of the 4
  Scheduler scheduler({4, 7, PolicyKind::Fcfs}); // a budget of 7 also chunks the prefills
  const auto out = generate(scheduler, kPrompts, 10);
  EXPECT_GT(scheduler.numPreemptions(), 0u);
  for (size_t i = 0; i < kPrompts.size(); ++i)
    EXPECT_EQ(out.at(i), expected(kPrompts[i], 10)) << "request " << i;
  EXPECT_TRUE(allPagesFree());
}

TEST_F(StepRunnerTest, AmpleKvNeedsNoPreemption) {
  engine(64);
  Scheduler scheduler({4, 64, PolicyKind::Fcfs});
  const auto out = generate(scheduler, kPrompts, 10);
  EXPECT_EQ(scheduler.numPreemptions(), 0u);
  for (size_t i = 0; i < kPrompts.size(); ++i)
    EXPECT_EQ(out.at(i), expected(kPrompts[i], 10)) << "request " << i;
  EXPECT_TRUE(allPagesFree());
}

TEST_F(StepRunnerTest, BackendSamplesWhenEveryRequestIsOffloadedAcrossPreemptions) {
  engine(8);
  Scheduler scheduler({4, 7, PolicyKind::Fcfs});
  const auto out =
      generate(scheduler, kPrompts, 10, [](RequestId) { return std::optional<RowSampling>(RowSampling{}); });
  EXPECT_GT(scheduler.numPreemptions(), 0u);
  for (size_t i = 0; i < kPrompts.size(); ++i)
    EXPECT_EQ(out.at(i), expected(kPrompts[i], 10)) << "request " << i;
  EXPECT_TRUE(allPagesFree());
}

TEST_F(StepRunnerTest, ARequestThatIsNotOffloadedGetsLogitsForTheWholeStep) {
  engine(64);
  Scheduler scheduler({4, 64, PolicyKind::Fcfs});
  const auto out = generate(scheduler, kPrompts, 6, [](RequestId request) {
    return request == 2 ? std::nullopt : std::optional<RowSampling>(RowSampling{});
  });
  for (size_t i = 0; i < kPrompts.size(); ++i)
    EXPECT_EQ(out.at(i), expected(kPrompts[i], 6)) << "request " << i;
}

TEST_F(StepRunnerTest, BackendFailureRemovesTheStepsRequestsAndFreesTheirKv) {
  engine(64);
  backend_.failAt = 1;
  Scheduler scheduler({4, 64, PolicyKind::Fcfs});
  StepRunner runner(*engine_, scheduler);
  scheduler.add(1, kPrompts[0]);
  StepOutput step = runner.step();
  ASSERT_TRUE(step.error.empty());
  scheduler.updateFromOutput(step.scheduled, std::vector<SampledToken>{{1, 5}});
  step = runner.step();
  EXPECT_EQ(step.error, "fake backend failure");
  EXPECT_EQ(step.failed, std::vector<RequestId>{1});
  EXPECT_TRUE(step.scheduled.empty());
  EXPECT_FALSE(scheduler.hasWork());
  EXPECT_TRUE(allPagesFree());
}

TEST_F(StepRunnerTest, ASequenceTooLargeForTheWholeCacheIsAnError) {
  engine(1);
  Scheduler scheduler({4, 64, PolicyKind::Fcfs});
  StepRunner runner(*engine_, scheduler);
  scheduler.add(1, kPrompts[2]); // 9 tokens: 3 pages
  try {
    runner.step();
    FAIL() << "expected g4::Error";
  } catch (const Error &e) {
    EXPECT_EQ(std::string(e.what()),
              "KV cache too small for a single sequence: the sliding-window KV pool is out of pages (a step of 9 "
              "tokens, no other request to preempt)");
  }
}

} // namespace
} // namespace g4::rt::test
