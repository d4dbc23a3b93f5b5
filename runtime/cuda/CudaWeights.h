// Every weight of a plan in GPU memory, bf16 (F32 and F16 checkpoint tensors
// are converted at upload). A dummy-weights plan's tensors are generated on
// the GPU at their real shapes with the same values the CPU store generates.
// Each weight's f16 exponent (HalfExponents.h) is measured as it loads.
#pragma once

#include "cuda/Device.h"
#include "cuda/DeviceMemory.h"
#include "cuda/KernelLibrary.h"
#include "plan/PlanFile.h"

#include <filesystem>
#include <vector>

namespace g4::rt::cuda {

class CudaWeights {
public:
  // Reads the checkpoint under `checkpointDir` (unused for dummy weights); a
  // tensor-parallel plan's split weights are `rank`'s slices (WeightStore).
  CudaWeights(const PlanFile &plan, const std::filesystem::path &checkpointDir, const Device &device,
              const KernelLibrary &library, uint32_t rank = 0);

  CUdeviceptr operator[](uint32_t weight) const { return pointers_[weight]; }
  // The weight's exponent for the f16 GEMM (int32 in device memory).
  CUdeviceptr halfExponent(uint32_t weight) const { return exponents_.get() + 4 * uint64_t(weight); }
  size_t bytes() const { return storage_.size(); }

private:
  DeviceBuffer storage_, exponents_;
  std::vector<CUdeviceptr> pointers_; // indexed like Plan.weights
};

} // namespace g4::rt::cuda
