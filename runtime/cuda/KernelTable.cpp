#include "cuda/KernelTable.h"

#include "KernelArgs.h"
#include "KernelSet.h"
#include "cuda/CudaCheck.h"
#include "io/Error.h"

#include <algorithm>

namespace g4::rt::cuda {
KernelTable::KernelTable(const KernelLibrary &library, const plan::Plan &plan) {
  // The plan's kernel choices get their dynamic shared memory (beyond 48 KiB
  // needs granting; more than the device has is refused).
  std::map<std::string, size_t> sharedBytes;
  for (const plan::Program *program : *plan.programs())
    for (const plan::Instruction *inst : *program->instructions())
      if (inst->kernels())
        for (const plan::KernelChoice *c : *inst->kernels())
          if (c->shared_bytes()) {
            size_t &bytes = sharedBytes[c->kernel()->str()];
            bytes = std::max<size_t>(bytes, c->shared_bytes());
          }
  // The MoE expert blocks stage as many tokens as the device's shared memory holds (MoeOps.cpp).
  sharedBytes[kernels::kMoeGateUp] = sharedBytes[kernels::kMoeDown] = library.sharedMemoryLimit();
  for (const std::string &name : kernels::requiredKernels(plan)) {
    auto it = sharedBytes.find(name);
    functions_[name] = library.get(name, it == sharedBytes.end() ? 0 : it->second);
  }
  auto find = [&](const std::string &name) -> CUfunction {
    auto it = functions_.find(name);
    return it == functions_.end() ? nullptr : it->second;
  };
  embed = (*this)(kernels::kEmbed);
  slice = (*this)(kernels::kSlice);
  splitToBf16 = (*this)(kernels::kSplitToBf16);
  gatherRows = (*this)(kernels::kGatherRows);
  rope = (*this)(kernels::kRope);
  rmsNormRope = (*this)(kernels::kRmsNormRope);
  kvWrite = (*this)(kernels::kKvWrite);
  attentionPrologue = (*this)(kernels::kAttentionPrologue);
  attentionCombine = (*this)(kernels::kAttentionCombine);
  moeSort = (*this)(kernels::kMoeSort);
  moeGateUp = (*this)(kernels::kMoeGateUp);
  moeDown = (*this)(kernels::kMoeDown);
  moeCombine = (*this)(kernels::kMoeCombine);
  moeGate = (*this)(kernels::kMoeGate);
  argmax = (*this)(kernels::kArgmax);
  sampleRows = (*this)(kernels::kSampleRows);
  absMaxFloat = (*this)(kernels::kAbsMaxFloat);
  absMaxBf16 = (*this)(kernels::kAbsMaxBf16);
  halfExponents = (*this)(kernels::kHalfExponents);
  activationsToHalf = (*this)(kernels::kActivationsToHalf);
  weightsToHalf = (*this)(kernels::kWeightsToHalf);
  for (size_t i = 0; i < kernels::kElementwiseOps.size(); ++i)
    elementwise[i] = (*this)(kernels::elementwise(kernels::kElementwiseOps[i]));
  for (size_t add = 0; add < 2; ++add)
    for (size_t i = 0; i < kernels::kRmsNormThreads.size(); ++i)
      rmsNorm[add][i] = find(kernels::rmsNorm(kernels::kRmsNormThreads[i], add));
}

const KernelTable::ClusterCapacity &KernelTable::clusterCapacity(CUfunction function, uint32_t sharedBytes) const {
  static_assert(std::tuple_size_v<ClusterCapacity> == g4k::kSplitWgmmaMaxSplits + 1);
  const auto key = std::make_pair(function, sharedBytes);
  if (auto it = clusterCapacities_.find(key); it != clusterCapacities_.end())
    return it->second;
  ClusterCapacity capacity{};
  for (unsigned s = 1; s <= unsigned(g4k::kSplitWgmmaMaxSplits); ++s) {
    CUlaunchAttribute cluster{};
    cluster.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
    cluster.value.clusterDim = {1, s, 1};
    CUlaunchConfig config{};
    config.gridDimX = 1, config.gridDimY = s, config.gridDimZ = 1;
    config.blockDimX = unsigned(g4k::kSplitWgmmaThreads), config.blockDimY = 1, config.blockDimZ = 1;
    config.sharedMemBytes = sharedBytes;
    config.attrs = &cluster;
    config.numAttrs = 1;
    int clusters = 0;
    G4_CUDA_CALL(driver(), cuOccupancyMaxActiveClusters, &clusters, function, &config);
    capacity[s] = uint32_t(clusters);
  }
  return clusterCapacities_.emplace(key, capacity).first->second;
}

CUfunction KernelTable::operator()(const std::string &name) const {
  auto it = functions_.find(name);
  if (it == functions_.end())
    throw Error("kernel " + name + " is not among the plan's kernels");
  return it->second;
}

} // namespace g4::rt::cuda
