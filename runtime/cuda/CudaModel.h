// Everything needed to run a plan on GPUs, built in dependency order (as
// cpu::CpuModel): the verified plan; per rank (one, or a tensor-parallel
// plan's N, one GPU each) the device, the plan's kernels and that rank's
// weights; a KV cache whose pools take the memory left on the fullest GPU;
// the ranks' collectives and CUDA backends (under a TensorParallelBackend when
// split); the engine driving them.
#pragma once

#include "cuda/CudaBackend.h"
#include "cuda/CudaWeights.h"
#include "cuda/Device.h"
#include "cuda/DeviceCollectives.h"
#include "cuda/KernelLibrary.h"
#include "engine/Engine.h"
#include "kv/KvCache.h"
#include "plan/PlanFile.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace g4::rt::cuda {

// The collectives of a tensor-parallel plan's ranks, rank r on device ordinals[r].
using CollectivesFactory = std::function<std::vector<std::unique_ptr<DeviceCollectives>>(const std::vector<int> &)>;

struct CudaModelOptions {
  std::filesystem::path weightsDir; // overrides the plan's checkpoint_dir when not empty
  int device = 0;                   // CUDA device ordinal (of rank 0: rank r of a split plan takes device + r)
  std::vector<int> devices;         // one ordinal per rank instead, when not empty
  CudaBackendOptions backend;
  double kvMemoryFraction = 0.9;        // of the GPU memory left after weights and workspaces
  double slidingFullRatio = 0;          // sliding:full KV token ratio; 0: the plan's default
  std::optional<KvCapacity> kvCapacity; // fixed pool sizes instead of the memory-derived ones
  CollectivesFactory collectives;       // a split plan's; NCCL (NcclCollectives::createGroup) when empty
};

class CudaModel {
public:
  // Throws g4::Error: no driver/GPU, fewer GPUs than the plan's ranks, a plan
  // without kernels for this GPU, out of memory...
  CudaModel(const std::filesystem::path &planPath, const CudaModelOptions &options);
  ~CudaModel();

  CudaModel(const CudaModel &) = delete;
  CudaModel &operator=(const CudaModel &) = delete;

  const PlanFile &plan() const { return plan_; }
  Engine &engine() { return engine_; }
  const Device &device(uint32_t rank = 0) const;
  const CudaBackend &backend(uint32_t rank = 0) const { return *cudaBackends_.at(rank); }
  const KvCache &kv() const { return kv_; }
  // One line: GPU(s), kernels, weights and KV pool sizes.
  std::string describe() const;

private:
  struct Rank; // one GPU's device, kernels and weights

  std::unique_ptr<Backend> makeBackend(const CudaBackendOptions &options);

  PlanFile plan_;
  std::vector<int> ordinals_; // rank r's device
  std::vector<std::unique_ptr<Rank>> ranks_;
  std::vector<std::unique_ptr<DeviceCollectives>> collectives_; // a split plan's, one per rank
  KvCache kv_;
  std::vector<CudaBackend *> cudaBackends_; // rank r's, owned by backend_
  std::unique_ptr<Backend> backend_;        // the one rank's CudaBackend, or a TensorParallelBackend over them
  Engine engine_;
};

} // namespace g4::rt::cuda
