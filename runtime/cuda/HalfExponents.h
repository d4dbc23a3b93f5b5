// The per-tensor exponents of the f16 weight copies the long-prefill GEMM
// converts (kernels/device/HalfOperands.cuh): measured once per weight when
// the weights load, read by the conversion on the device.
#pragma once

#include "cuda/CudaApi.h"

#include <cstdint>
#include <span>

namespace g4::rt::cuda {

struct Bf16Tensor {
  CUdeviceptr data = 0;
  uint64_t elements = 0;
};

struct HalfExponentKernels {
  CUfunction absMaxBf16 = nullptr, halfExponents = nullptr; // g4k::absMaxBf16, g4k::halfExponents
};

// exponents[i] (int32, device) = halfExponent(max |tensors[i]|), enqueued on `stream`.
void measureHalfExponents(std::span<const Bf16Tensor> tensors, CUdeviceptr exponents,
                          const HalfExponentKernels &kernels, CUstream stream);

} // namespace g4::rt::cuda
