// One rank's NCCL communicator for the CUDA backend: the AllReduce and
// AllGather instructions of a tensor-parallel plan (plan.fbs) as NCCL
// collectives on the rank's stream, over device buffers, so they are captured
// into the decode CUDA graphs like any launch.
//
// The ranks are threads of one process, one GPU each (docs/TENSOR_PARALLEL.md):
// createGroup makes every rank's communicator at once (ncclCommInitAll, no
// bootstrap store); then each rank's thread, with its GPU's context current,
// calls its own communicator, every rank the same collectives in the same order.
#pragma once

#include "cuda/DeviceCollectives.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace g4::rt::cuda {

class NcclCollectives final : public DeviceCollectives {
public:
  // One communicator per GPU: rank r on device ordinals[r]. Sets
  // NCCL_NVLS_ENABLE=0 (no NVLink multicast) unless the environment sets it;
  // call before the ranks' threads start. Throws g4::Error "NCCL not found:
  // ..." without libnccl.so.2 (CudaApi.h), or naming the NCCL call that failed.
  static std::vector<std::unique_ptr<NcclCollectives>> createGroup(const std::vector<int> &ordinals);
  ~NcclCollectives();
  NcclCollectives(const NcclCollectives &) = delete;
  NcclCollectives &operator=(const NcclCollectives &) = delete;

  uint32_t rank() const override { return rank_; }
  uint32_t ranks() const override { return ranks_; }

  // NCCL's ring or tree decides the summation order, not rank order as the
  // CPU backend's InProcessCollectives.
  void allReduceSum(CUdeviceptr in, CUdeviceptr out, size_t n, CUstream stream) const override;

  // out [rows, width * ranks]: row t is the ranks' in[t] ([rows, width]) side by
  // side, in rank order. ncclAllGather concatenates whole buffers rank after
  // rank ([ranks, rows, width]), which is that layout only for one row or one
  // rank; otherwise it gathers into `staging` (stagingFloats(rows, width)) and
  // one strided 2D copy per rank (cuMemcpy2DAsync) moves rank r's rows into
  // columns [r * width, (r + 1) * width) of out.
  void allGather(CUdeviceptr in, CUdeviceptr out, size_t rows, size_t width, CUdeviceptr staging,
                 CUstream stream) const override;
  // Floats of staging allGather needs for [rows, width] inputs; 0 when it gathers straight into out.
  size_t stagingFloats(size_t rows, size_t width) const;

  bool capturable() const override { return true; }
  // ncclCommAbort: kernels waiting on this communicator return; every later
  // collective throws g4::Error (the model must be loaded again).
  void abort() const override;

private:
  NcclCollectives(ncclComm_t comm, uint32_t rank, uint32_t ranks) : comm_(comm), rank_(rank), ranks_(ranks) {}
  void checkUsable() const;

  ncclComm_t comm_;
  uint32_t rank_, ranks_;
  mutable std::atomic<bool> aborted_{false};
};

} // namespace g4::rt::cuda
