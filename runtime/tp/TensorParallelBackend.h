// Runs a tensor-parallel plan: one backend per rank, ranks 1.. each on a
// thread of its own for the backend's life, rank 0 on the caller's, meeting
// at the plan's collectives. The scheduler and the KV page tables stay single
// (rank 0's thread drives the step; every rank sees the same batch and page
// tables and stores its own KV heads), so the engine is unchanged.
// docs/TENSOR_PARALLEL.md argues threads over processes.
#pragma once

#include "engine/Backend.h"
#include "tp/InProcessCollectives.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace g4::rt {

class TensorParallelBackend final : public Backend {
public:
  // `ranks[r]` runs rank r; `group` is the one their collectives share.
  TensorParallelBackend(std::vector<std::unique_ptr<Backend>> ranks, std::shared_ptr<InProcessGroup> group);

  // Every rank computes the full logits (after the AllGather); rank 0's are returned.
  void forward(const StepBatch &batch, const KvCache &kv, std::vector<float> &logits) override;

private:
  // Rank r's forward; a failure aborts the group (the others then fail only because of it).
  void runRank(size_t r, std::vector<float> &logits);
  // Ranks 1..: each step forward() posts, until the backend is destroyed.
  void serve(size_t r, std::stop_token stop);

  std::vector<std::unique_ptr<Backend>> ranks_;
  std::shared_ptr<InProcessGroup> group_;
  std::vector<std::vector<float>> otherLogits_; // ranks 1.. write theirs here

  // The posted step: forward() sets it and counts steps; the rank threads count those done.
  std::mutex mutex_;
  std::condition_variable_any posted_, done_;
  const StepBatch *batch_ = nullptr;
  const KvCache *kv_ = nullptr;
  uint64_t step_ = 0;
  size_t finished_ = 0;
  std::vector<std::exception_ptr> errors_;
  std::atomic<int> firstFailed_{-1};
  std::vector<std::jthread> threads_; // last: stopped and joined before the rest goes
};

} // namespace g4::rt
