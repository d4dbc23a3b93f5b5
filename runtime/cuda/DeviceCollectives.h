// What one rank of a tensor-parallel plan on the CUDA backend needs from the
// others: the AllReduce and AllGather instructions (plan.fbs) over device
// buffers, stream-ordered on the rank's stream. NcclCollectives is the one
// gemma4rt uses; every rank calls the same collectives in the same order.
#pragma once

#include "cuda/CudaApi.h"

#include <cstddef>
#include <cstdint>

namespace g4::rt::cuda {

class DeviceCollectives {
public:
  virtual ~DeviceCollectives() = default;

  virtual uint32_t rank() const = 0;
  virtual uint32_t ranks() const = 0;

  // out[i] = sum over ranks of their in[i], n floats; in == out works in
  // place. Every rank gets the same values.
  virtual void allReduceSum(CUdeviceptr in, CUdeviceptr out, size_t n, CUstream stream) const = 0;

  // out [rows, width * ranks]: row t is the ranks' in[t] ([rows, width]) side
  // by side, in rank order; `staging` has room for ranks * rows * width floats.
  virtual void allGather(CUdeviceptr in, CUdeviceptr out, size_t rows, size_t width, CUdeviceptr staging,
                         CUstream stream) const = 0;

  // Whether the collectives may be captured into a CUDA graph.
  virtual bool capturable() const = 0;
  // After a rank has failed: makes the others' pending and later collectives
  // fail instead of waiting for it forever.
  virtual void abort() const = 0;
};

} // namespace g4::rt::cuda
