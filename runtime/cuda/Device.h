// One GPU: the driver's primary context made current on the calling thread,
// the properties kernels are sized by, and the stream all work goes to.
#pragma once

#include "cuda/CudaApi.h"

#include <cstddef>
#include <string>

namespace g4::rt::cuda {

struct DeviceProperties {
  std::string name;          // "NVIDIA H100 80GB HBM3"
  int major = 0, minor = 0;  // compute capability
  int multiprocessors = 0;
  size_t sharedMemoryPerBlockOptin = 0; // bytes a block may use after opting in
  size_t totalMemory = 0;
};

class Device {
public:
  // Throws g4::Error "no CUDA driver/GPU found: ..." (CudaApi.h), or for an
  // ordinal beyond the devices present.
  explicit Device(int ordinal = 0);
  // GPUs the driver sees; throws as the constructor without a driver or GPU.
  static int count();
  ~Device();
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;

  const DeviceProperties &properties() const { return properties_; }
  CUstream stream() const { return stream_; }
  // Makes the context current on the calling thread (the constructor did for its own).
  void makeCurrent() const;
  void synchronize() const;
  // Bytes free on the device now.
  size_t freeMemory() const;
  // "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB)"
  std::string describe() const;

private:
  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
  CUstream stream_ = nullptr;
  DeviceProperties properties_;
};

} // namespace g4::rt::cuda
