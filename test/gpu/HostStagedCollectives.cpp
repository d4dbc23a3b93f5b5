#include "HostStagedCollectives.h"

#include "cuda/CudaCheck.h"

namespace g4::gpu_test {

using rt::cuda::driver;

HostStagedCollectives::HostStagedCollectives(std::shared_ptr<rt::InProcessGroup> group, uint32_t rank)
    : group_(group), host_(std::move(group), rank) {}

std::vector<std::unique_ptr<rt::cuda::DeviceCollectives>> HostStagedCollectives::group(size_t ranks) {
  auto group = std::make_shared<rt::InProcessGroup>(uint32_t(ranks));
  std::vector<std::unique_ptr<rt::cuda::DeviceCollectives>> collectives;
  for (uint32_t r = 0; r < ranks; ++r)
    collectives.push_back(std::make_unique<HostStagedCollectives>(group, r));
  return collectives;
}

std::vector<float> &HostStagedCollectives::download(CUdeviceptr in, size_t n, CUstream stream) const {
  in_.resize(n);
  G4_CUDA_CALL(driver(), cuMemcpyDtoHAsync, in_.data(), in, n * sizeof(float), stream);
  G4_CUDA_CALL(driver(), cuStreamSynchronize, stream);
  return in_;
}

void HostStagedCollectives::allReduceSum(CUdeviceptr in, CUdeviceptr out, size_t n, CUstream stream) const {
  std::vector<float> &data = download(in, n, stream);
  host_.allReduceSum(data.data(), n);
  G4_CUDA_CALL(driver(), cuMemcpyHtoDAsync, out, data.data(), n * sizeof(float), stream);
}

void HostStagedCollectives::allGather(CUdeviceptr in, CUdeviceptr out, size_t rows, size_t width, CUdeviceptr,
                                      CUstream stream) const {
  const std::vector<float> &part = download(in, rows * width, stream);
  out_.resize(rows * width * ranks());
  host_.allGather(part.data(), out_.data(), rows, width);
  G4_CUDA_CALL(driver(), cuMemcpyHtoDAsync, out, out_.data(), out_.size() * sizeof(float), stream);
}

} // namespace g4::gpu_test
