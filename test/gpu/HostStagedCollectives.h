// Collectives for ranks of a tensor-parallel plan that share one GPU, so that
// a single-GPU machine runs a split plan's every rank (NCCL refuses two ranks
// on one device): each collective waits for its rank's stream, copies the
// buffer to the host, meets the other ranks in the CPU backend's
// InProcessCollectives (sums in rank order) and copies the result back. Not
// capturable: the ranks' backends launch their steps eagerly.
#pragma once

#include "cuda/DeviceCollectives.h"
#include "tp/InProcessCollectives.h"

#include <memory>
#include <vector>

namespace g4::gpu_test {

class HostStagedCollectives final : public rt::cuda::DeviceCollectives {
public:
  HostStagedCollectives(std::shared_ptr<rt::InProcessGroup> group, uint32_t rank);
  // One per rank of a group of `ranks` (a CudaModelOptions::collectives factory).
  static std::vector<std::unique_ptr<rt::cuda::DeviceCollectives>> group(size_t ranks);

  uint32_t rank() const override { return host_.rank(); }
  uint32_t ranks() const override { return host_.ranks(); }
  void allReduceSum(CUdeviceptr in, CUdeviceptr out, size_t n, CUstream stream) const override;
  void allGather(CUdeviceptr in, CUdeviceptr out, size_t rows, size_t width, CUdeviceptr staging,
                 CUstream stream) const override;
  bool capturable() const override { return false; }
  void abort() const override { group_->abort(); }

private:
  std::vector<float> &download(CUdeviceptr in, size_t n, CUstream stream) const;

  std::shared_ptr<rt::InProcessGroup> group_;
  mutable rt::InProcessCollectives host_;
  mutable std::vector<float> in_, out_; // the host copies; the next collective waits for the stream first
};

} // namespace g4::gpu_test
