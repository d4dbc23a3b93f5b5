// The CPU backend's collectives between rank threads: every rank ends with the
// same sum (added in rank order) and the same gathered rows, and a failing
// rank releases the others with an error instead of leaving them waiting;
// TensorParallelBackend reports the failing rank's error and runs the next step.
#include "tp/InProcessCollectives.h"
#include "TestPlan.h"
#include "io/Error.h"
#include "tp/TensorParallelBackend.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>
#include <utility>

namespace g4::rt::test {
namespace {

// Runs `body(collectives)` on one thread per rank.
void onRanks(uint32_t ranks, const std::function<void(InProcessCollectives &)> &body) {
  auto group = std::make_shared<InProcessGroup>(ranks);
  std::vector<std::jthread> threads;
  for (uint32_t r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      InProcessCollectives collectives(group, r);
      body(collectives);
    });
}

TEST(InProcessCollectives, AllReduceSumsInRankOrderOnEveryRank) {
  constexpr uint32_t kRanks = 4;
  constexpr size_t kN = 1000;
  std::vector<std::vector<float>> data(kRanks);
  for (uint32_t r = 0; r < kRanks; ++r)
    data[r] = randomValues(kN, 10 + r);
  std::vector<float> expected = data[0];
  for (uint32_t r = 1; r < kRanks; ++r)
    for (size_t i = 0; i < kN; ++i)
      expected[i] += data[r][i];
  std::vector<std::vector<float>> results(kRanks);
  onRanks(kRanks, [&](InProcessCollectives &c) {
    for (int repeat = 0; repeat < 3; ++repeat) { // the buffers are reused across calls
      results[c.rank()] = data[c.rank()];
      c.allReduceSum(results[c.rank()].data(), kN);
    }
  });
  for (uint32_t r = 0; r < kRanks; ++r)
    EXPECT_EQ(results[r], expected) << "rank " << r;
}

TEST(InProcessCollectives, AllGatherPlacesEachRanksColumnsInRankOrder) {
  constexpr uint32_t kRanks = 3;
  constexpr size_t kRows = 5, kWidth = 7;
  std::vector<std::vector<float>> parts(kRanks), results(kRanks, std::vector<float>(kRows * kWidth * kRanks));
  for (uint32_t r = 0; r < kRanks; ++r)
    parts[r] = randomValues(kRows * kWidth, 20 + r);
  onRanks(kRanks, [&](InProcessCollectives &c) {
    c.allGather(parts[c.rank()].data(), results[c.rank()].data(), kRows, kWidth);
  });
  for (uint32_t r = 0; r < kRanks; ++r)
    for (size_t t = 0; t < kRows; ++t)
      for (uint32_t from = 0; from < kRanks; ++from)
        for (size_t j = 0; j < kWidth; ++j)
          ASSERT_EQ(results[r][t * kWidth * kRanks + from * kWidth + j], parts[from][t * kWidth + j]);
}

TEST(InProcessCollectives, AbortReleasesWaitingRanksWithAnError) {
  auto group = std::make_shared<InProcessGroup>(2);
  std::string error;
  std::jthread waiting([&] {
    InProcessCollectives collectives(group, 0);
    std::vector<float> data(4, 1.0f);
    try {
      collectives.allReduceSum(data.data(), data.size());
    } catch (const Error &e) {
      error = e.what();
    }
  });
  group->abort(); // rank 1 failed before its collective
  waiting.join();
  EXPECT_EQ(error, "tensor parallelism: another rank failed");
}

// A rank whose step is the sum of rank + 1 over the ranks, after failing once when asked.
class SummingRank final : public Backend {
public:
  SummingRank(std::unique_ptr<Collectives> collectives, bool failFirst)
      : collectives_(std::move(collectives)), fail_(failFirst) {}
  void forward(const StepBatch &, const KvCache &, std::vector<float> &logits) override {
    if (std::exchange(fail_, false))
      throw Error("rank " + std::to_string(collectives_->rank()) + " failed");
    logits.assign(2, float(collectives_->rank() + 1));
    collectives_->allReduceSum(logits.data(), logits.size());
  }

private:
  std::unique_ptr<Collectives> collectives_;
  bool fail_;
};

TEST(TensorParallelBackend, ReportsTheFailingRankThenRunsTheNextStep) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<plan::KvLayer>> layers{
      plan::CreateKvLayer(fbb, 0, plan::AttentionKind::Full, 2, 1, 0, 0)};
  fbb.Finish(plan::CreateKvSpecDirect(fbb, 4, &layers));
  const KvCache kv(KvLayout(*flatbuffers::GetRoot<plan::KvSpec>(fbb.GetBufferPointer()), 4), {0, 1});
  auto group = std::make_shared<InProcessGroup>(2);
  std::vector<std::unique_ptr<Backend>> ranks;
  for (uint32_t r = 0; r < 2; ++r)
    ranks.push_back(std::make_unique<SummingRank>(std::make_unique<InProcessCollectives>(group, r), r == 1));
  TensorParallelBackend backend(std::move(ranks), group);
  std::vector<float> logits;
  try {
    backend.forward({}, kv, logits);
    ADD_FAILURE() << "the failing rank's step returned";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "rank 1 failed"); // not rank 0's "another rank failed"
  }
  backend.forward({}, kv, logits);
  EXPECT_EQ(logits, std::vector<float>(2, 3.0f));
}

} // namespace
} // namespace g4::rt::test
