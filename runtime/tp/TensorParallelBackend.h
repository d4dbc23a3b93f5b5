// Runs a tensor-parallel plan: one backend per rank, each on its own thread
// for the step, meeting at the plan's collectives. The scheduler and the KV
// page tables stay single (rank 0's thread drives the step; every rank sees
// the same batch and page tables and stores its own KV heads), so the
// engine is unchanged. docs/TENSOR_PARALLEL.md argues threads over processes.
#pragma once

#include "engine/Backend.h"
#include "tp/InProcessCollectives.h"

#include <memory>
#include <vector>

namespace g4::rt {

class TensorParallelBackend final : public Backend {
public:
  // `ranks[r]` runs rank r; `group` is the one their collectives share.
  TensorParallelBackend(std::vector<std::unique_ptr<Backend>> ranks, std::shared_ptr<InProcessGroup> group);

  // Every rank computes the full logits (after the AllGather); rank 0's are returned.
  void forward(const StepBatch &batch, const KvCache &kv, std::vector<float> &logits) override;

private:
  std::vector<std::unique_ptr<Backend>> ranks_;
  std::shared_ptr<InProcessGroup> group_;
  std::vector<std::vector<float>> otherLogits_; // ranks 1.. write theirs here
};

} // namespace g4::rt
