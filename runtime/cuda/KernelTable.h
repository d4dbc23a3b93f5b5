// The kernel functions a backend launches, looked up once at load (every
// instance KernelSet names for the plan): the generic ones by field, the
// variants by index (null where the plan needs none), the plan-specialized
// instances (attention, MoE router, the kernels of the plan's kernel choices)
// by name expression.
#pragma once

#include "KernelNames.h"
#include "cuda/KernelLibrary.h"

#include <array>
#include <map>
#include <string>

namespace g4::rt::cuda {

struct KernelTable {
  KernelTable(const KernelLibrary &library, const plan::Plan &plan);

  // Throws g4::Error for a kernel the plan's image was not required to hold.
  CUfunction operator()(const std::string &name) const;
  // Whether the plan's image holds `name` (the kernel tests skip what a plan leaves out).
  bool has(const std::string &name) const { return functions_.count(name) > 0; }

  // splitWgmma's clusters of s blocks (index s, up to kSplitWgmmaMaxSplits)
  // that the device runs at once with `sharedBytes` each; a cluster spans SMs
  // of one GPC, so s x this can fall short of the blocks the SMs hold.
  // Measured once per function and shared memory.
  using ClusterCapacity = std::array<uint32_t, 9>;
  const ClusterCapacity &clusterCapacity(CUfunction function, uint32_t sharedBytes) const;

  CUfunction embed, slice, splitToBf16, gatherRows, rope, rmsNormRope, kvWrite, attentionPrologue, attentionCombine;
  CUfunction moeSort, moeGateUp, moeDown, moeCombine, moeGate, argmax, sampleRows;
  CUfunction absMaxFloat, absMaxBf16, halfExponents, activationsToHalf, weightsToHalf;
  std::array<CUfunction, kernels::kElementwiseOps.size()> elementwise{};
  std::array<std::array<CUfunction, kernels::kRmsNormThreads.size()>, 2> rmsNorm{}; // [adds residual][threads]

private:
  std::map<std::string, CUfunction> functions_;
  mutable std::map<std::pair<CUfunction, uint32_t>, ClusterCapacity> clusterCapacities_;
};

} // namespace g4::rt::cuda
