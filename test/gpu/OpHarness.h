// Drives the CUDA op launchers directly: a GPU, the kernels of one plan that
// tools/gpu/make-plans.sh compiled, device buffers, and the CPU-side helpers
// the kernel tests compare with (random inputs, bf16 rounding, errors).
#pragma once

#include "TileChoices.h"
#include "cuda/CudaKvStorage.h"
#include "cuda/Device.h"
#include "cuda/DeviceMemory.h"
#include "cuda/Gemm.h"
#include "cuda/KernelLibrary.h"
#include "cuda/KernelTable.h"
#include "cuda/Ops.h"
#include "plan/PlanFile.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace g4::gpu_test {

class OpHarness {
public:
  // The kernels of `planName` (e.g. "gemma-4-26B-A4B-it"); workspaces for steps of up to `maxTokens`.
  explicit OpHarness(const std::string &planName, uint32_t maxTokens = 256);

  rt::cuda::OpEnv &env() { return env_; }
  const rt::cuda::Device &device() const { return device_; }
  // g4-select-tiles' default options for the plan's architecture: the choices
  // whose kernels the plan holds (splitWgmma on sm_90a, splitMma<32> elsewhere).
  kernels::TileOptions tileOptions() const;

  CUdeviceptr upload(const std::vector<float> &values);
  CUdeviceptr uploadBf16(const std::vector<float> &values); // rounds to bf16
  CUdeviceptr uploadInts(const std::vector<int32_t> &values);
  // The f16 GEMM's exponent of a bf16 weight of `elements` (CudaWeights::halfExponent).
  CUdeviceptr halfExponent(CUdeviceptr weight, size_t elements);
  // A buffer of n floats filled with NaN, so unwritten outputs show.
  CUdeviceptr poisoned(size_t n);
  std::vector<float> download(CUdeviceptr p, size_t n);
  std::vector<int32_t> downloadInts(CUdeviceptr p, size_t n);
  std::vector<float> downloadBf16(CUdeviceptr p, size_t n); // n bf16 values, widened
  // Median GPU time in microseconds of `runs` calls of `launch` on the stream
  // (two untimed calls first), each timed alone between events.
  double medianMicroseconds(int runs, const std::function<void(int run)> &launch);

private:
  CUdeviceptr keep(rt::cuda::DeviceBuffer buffer);

  rt::PlanFile plan_;
  rt::cuda::Device device_;
  rt::cuda::KernelLibrary library_;
  rt::cuda::KernelTable table_;
  rt::cuda::Gemm gemm_;
  std::vector<rt::cuda::DeviceBuffer> buffers_;
  rt::cuda::PinnedBuffer moeOffsetsHost_;
  rt::cuda::OpEnv env_;
};

// The f16 GEMM's input rounding (unit roundoff u = 2^-11 = 4.9e-4), independent
// per element, leaves a relative L2 error of about u / sqrt(3) = 2.8e-4; its
// weights convert exactly. 2u is the bound.
inline constexpr double kHalfGemmTolerance = 9.8e-4;

// Uniform in [-scale, scale), never exactly zero.
std::vector<float> randomValues(size_t n, std::mt19937 &rng, float scale = 1.0f);
std::vector<float> roundedToBf16(std::vector<float> values);
// ||ours - ref|| / ||ref||; infinity when ours has a NaN.
double relativeL2(const std::vector<float> &ours, const std::vector<float> &ref);
// max |ours - ref| / max |ref| over the whole tensor (the golden logits bar); infinity when ours has a NaN.
double maxRelativeError(const std::vector<float> &ours, const std::vector<float> &ref);

} // namespace g4::gpu_test
