#include "OpHarness.h"

#include "GpuArch.h"
#include "GpuTestEnvironment.h"
#include "KernelArgs.h"
#include "cuda/CudaCheck.h"
#include "cuda/HalfExponents.h"
#include "io/Float16.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace g4::gpu_test {

using rt::cuda::DeviceBuffer;

OpHarness::OpHarness(const std::string &planName, uint32_t maxTokens)
    : plan_(planFor(planName)), device_(0), library_(plan_, device_), table_(library_, plan_.plan()) {
  env_.stream = device_.stream();
  env_.device = &device_.properties();
  env_.kernels = &table_;
  env_.gemm = &gemm_;
  constexpr uint64_t kWidest = 16384, kExperts = 256, kTopK = 8;
  auto scratch = [&](uint64_t bytes) { return keep(DeviceBuffer(bytes, "test workspace")); };
  rt::cuda::OpWorkspace &w = env_.workspace;
  w.bf16Input = scratch(2 * maxTokens * kWidest * 2);
  w.gated = scratch(maxTokens * 2 * kWidest * 4);
  w.stacked = scratch(2 * kernels::TileOptions{}.stackedMaxRows * 262144 * 4); // up to a vocabulary of outputs
  w.halfInput = scratch((maxTokens * kTopK + rt::cuda::kMoeGemmSlack) * kWidest * 2); // MoE entries' rows
  w.halfWeights = scratch(kWidest * kWidest * 2);
  w.halfScalars = scratch(rt::cuda::kHalfScalarsBytes);
  G4_CUDA_CALL(rt::cuda::driver(), cuMemsetD32Async, rt::cuda::halfZero(w), 0u, 1, env_.stream);
  w.splitMmaPartialFloats = g4k::splitMmaPartialFloats(device_.properties().multiprocessors);
  w.splitMmaPartial = scratch(w.splitMmaPartialFloats * 4);
  w.splitMmaCounterCount = uint32_t(g4k::splitMmaCounters(device_.properties().multiprocessors));
  w.splitMmaCounters = scratch(w.splitMmaCounterCount * 4);
  G4_CUDA_CALL(rt::cuda::driver(), cuMemsetD32Async, w.splitMmaCounters, 0u, w.splitMmaCounterCount, env_.stream);
  w.attentionPartialFloats = 4ull * uint64_t(device_.properties().multiprocessors) * 32 * (512 + 2);
  w.attentionPartial = scratch(w.attentionPartialFloats * 4);
  w.routerInput = scratch(maxTokens * kWidest * 4);
  w.routerLogits = scratch(maxTokens * kExperts * 4);
  w.moeOffsets = scratch((kExperts + 1) * 4);
  w.moeActive = scratch((kExperts + 1) * 4);
  const uint64_t rows = maxTokens * kTopK + rt::cuda::kMoeGemmSlack;
  w.moeSorted = scratch(maxTokens * kTopK * 4);
  w.moeSlots = scratch(maxTokens * kTopK * 4);
  w.moeSortedTokens = scratch(maxTokens * kTopK * 4);
  w.moeActivations = scratch(rows * kWidest * 4);
  w.moeOutputs = scratch(rows * kWidest * 4);
  w.moeInput = scratch(rows * kWidest * 4);
  w.moeGateUp = scratch(rows * 2 * kWidest * 4);
  w.moeSplit = scratch(2 * rows * kWidest * 2);
  moeOffsetsHost_ = rt::cuda::PinnedBuffer((kExperts + 1) * 4, "test MoE offsets");
  w.moeOffsetsHost = static_cast<int32_t *>(moeOffsetsHost_.get());
}

CUdeviceptr OpHarness::halfExponent(CUdeviceptr weight, size_t elements) {
  const CUdeviceptr exponent = keep(DeviceBuffer(4, "test weight exponent"));
  const rt::cuda::Bf16Tensor tensor{weight, elements};
  rt::cuda::measureHalfExponents({&tensor, 1}, exponent, {table_.absMaxBf16, table_.halfExponents}, env_.stream);
  return exponent;
}

kernels::TileOptions OpHarness::tileOptions() const {
  kernels::TileOptions options;
  options.wgmma = kernels::parseArch(plan_.plan().kernels()->Get(0)->arch()->string_view()).wgmma;
  return options;
}

CUdeviceptr OpHarness::keep(DeviceBuffer buffer) {
  buffers_.push_back(std::move(buffer));
  return buffers_.back().get();
}

CUdeviceptr OpHarness::upload(const std::vector<float> &values) {
  const CUdeviceptr p = keep(DeviceBuffer(values.size() * 4, "test input"));
  G4_CUDA_CALL(rt::cuda::driver(), cuMemcpyHtoD, p, values.data(), values.size() * 4);
  return p;
}

CUdeviceptr OpHarness::uploadBf16(const std::vector<float> &values) {
  std::vector<uint16_t> bits(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    bits[i] = io::floatToBf16(values[i]);
  const CUdeviceptr p = keep(DeviceBuffer(bits.size() * 2, "test input"));
  G4_CUDA_CALL(rt::cuda::driver(), cuMemcpyHtoD, p, bits.data(), bits.size() * 2);
  return p;
}

std::vector<float> OpHarness::downloadBf16(CUdeviceptr p, size_t n) {
  std::vector<uint16_t> bits(n);
  G4_CUDA_CALL(rt::cuda::driver(), cuMemcpyDtoH, bits.data(), p, n * 2);
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i)
    values[i] = io::bf16ToFloat(bits[i]);
  return values;
}

CUdeviceptr OpHarness::uploadInts(const std::vector<int32_t> &values) {
  const CUdeviceptr p = keep(DeviceBuffer(values.size() * 4, "test input"));
  G4_CUDA_CALL(rt::cuda::driver(), cuMemcpyHtoD, p, values.data(), values.size() * 4);
  return p;
}

CUdeviceptr OpHarness::poisoned(size_t n) {
  return upload(std::vector<float>(n, std::numeric_limits<float>::quiet_NaN()));
}

std::vector<float> OpHarness::download(CUdeviceptr p, size_t n) {
  device_.synchronize();
  std::vector<float> values(n);
  G4_CUDA_CALL(rt::cuda::driver(), cuMemcpyDtoH, values.data(), p, n * 4);
  return values;
}

std::vector<int32_t> OpHarness::downloadInts(CUdeviceptr p, size_t n) {
  device_.synchronize();
  std::vector<int32_t> values(n);
  G4_CUDA_CALL(rt::cuda::driver(), cuMemcpyDtoH, values.data(), p, n * 4);
  return values;
}

double OpHarness::medianMicroseconds(int runs, const std::function<void(int run)> &launch) {
  const rt::cuda::DriverApi &api = rt::cuda::driver();
  CUevent begin, end;
  G4_CUDA_CALL(api, cuEventCreate, &begin, CU_EVENT_DEFAULT);
  G4_CUDA_CALL(api, cuEventCreate, &end, CU_EVENT_DEFAULT);
  std::vector<float> times;
  for (int r = 0; r < runs + 2; ++r) {
    G4_CUDA_CALL(api, cuEventRecord, begin, device_.stream());
    launch(r);
    G4_CUDA_CALL(api, cuEventRecord, end, device_.stream());
    G4_CUDA_CALL(api, cuEventSynchronize, end);
    float ms = 0;
    G4_CUDA_CALL(api, cuEventElapsedTime, &ms, begin, end);
    if (r >= 2)
      times.push_back(ms);
  }
  api.cuEventDestroy(begin);
  api.cuEventDestroy(end);
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2] * 1e3;
}

std::vector<float> randomValues(size_t n, std::mt19937 &rng, float scale) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> values(n);
  for (float &v : values)
    do
      v = u(rng);
    while (v == 0.0f);
  return values;
}

std::vector<float> roundedToBf16(std::vector<float> values) {
  for (float &v : values)
    v = io::bf16ToFloat(io::floatToBf16(v));
  return values;
}

double relativeL2(const std::vector<float> &ours, const std::vector<float> &ref) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (std::isnan(ours[i]))
      return std::numeric_limits<double>::infinity();
    diff += (double(ours[i]) - ref[i]) * (double(ours[i]) - ref[i]);
    norm += double(ref[i]) * ref[i];
  }
  return std::sqrt(diff / norm);
}

double maxRelativeError(const std::vector<float> &ours, const std::vector<float> &ref) {
  double maxDiff = 0, maxRef = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double diff = std::abs(double(ours[i]) - double(ref[i]));
    maxDiff = std::isnan(diff) ? INFINITY : std::max(maxDiff, diff);
    maxRef = std::max(maxRef, std::abs(double(ref[i])));
  }
  return maxDiff / maxRef;
}

} // namespace g4::gpu_test
