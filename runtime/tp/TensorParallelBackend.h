// Runs a tensor-parallel plan: one backend per rank, ranks 1.. each on a
// thread of its own for the backend's life, rank 0 on the caller's, meeting
// at the plan's collectives. The scheduler and the KV page tables stay single
// (rank 0's thread drives the step; every rank sees the same batch and page
// tables and stores its own KV heads), so the engine is unchanged.
// docs/TENSOR_PARALLEL.md argues threads over processes.
#pragma once

#include "engine/Backend.h"
#include "tp/RankGroup.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace g4::rt {

class TensorParallelBackend final : public Backend {
public:
  // `ranks[r]` runs rank r; `group` aborts their collectives when one fails.
  TensorParallelBackend(std::vector<std::unique_ptr<Backend>> ranks, std::shared_ptr<RankGroup> group);

  // Every rank computes the full logits (after the AllGather) and selects the
  // same tokens from them; rank 0's are returned.
  void forward(const StepBatch &batch, const KvCache &kv, std::vector<float> &logits) override;
  void forwardGreedy(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                     std::vector<int32_t> &tokens) override;
  void forwardSampled(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                      std::span<const RowSampling> sampling, std::vector<int32_t> &tokens) override;

private:
  // A step's work for one rank: its backend and its index.
  using RankStep = std::function<void(Backend &, size_t rank)>;

  // Runs `step` on every rank (rank 0 here) and rethrows the first failure.
  void runStep(const RankStep &step);
  // Rank r's part; a failure aborts the group (the others then fail only because of it).
  void runRank(size_t r);
  // Ranks 1..: each step runStep() posts, until the backend is destroyed.
  void serve(size_t r, std::stop_token stop);

  std::vector<std::unique_ptr<Backend>> ranks_;
  std::shared_ptr<RankGroup> group_;
  std::vector<std::vector<float>> otherLogits_; // ranks 1.. write theirs here
  std::vector<std::vector<int32_t>> otherTokens_;

  // The posted step: runStep() sets it and counts steps; the rank threads count those done.
  std::mutex mutex_;
  std::condition_variable_any posted_, done_;
  const RankStep *step_ = nullptr;
  uint64_t steps_ = 0;
  size_t finished_ = 0;
  std::vector<std::exception_ptr> errors_;
  std::atomic<int> firstFailed_{-1};
  std::vector<std::jthread> threads_; // last: stopped and joined before the rest goes
};

} // namespace g4::rt
