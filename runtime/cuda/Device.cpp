#include "cuda/Device.h"

#include "GpuArch.h"
#include "cuda/CudaCheck.h"
#include "io/Error.h"

#include <cstdio>

namespace g4::rt::cuda {

int Device::count() {
  int count = 0;
  G4_CUDA_CALL(driver(), cuDeviceGetCount, &count);
  return count;
}

Device::Device(int ordinal) {
  const DriverApi &api = driver();
  const int count = Device::count();
  if (ordinal < 0 || ordinal >= count)
    throw Error("CUDA device " + std::to_string(ordinal) + " does not exist (" + std::to_string(count) +
                " device(s) present)");
  G4_CUDA_CALL(api, cuDeviceGet, &device_, ordinal);
  G4_CUDA_CALL(api, cuDevicePrimaryCtxRetain, &context_, device_);
  G4_CUDA_CALL(api, cuCtxSetCurrent, context_);
  G4_CUDA_CALL(api, cuStreamCreate, &stream_, CU_STREAM_NON_BLOCKING);

  char name[256] = {};
  G4_CUDA_CALL(api, cuDeviceGetName, name, int(sizeof name), device_);
  properties_.name = name;
  auto attribute = [&](CUdevice_attribute which) {
    int value = 0;
    G4_CUDA_CALL(api, cuDeviceGetAttribute, &value, which, device_);
    return value;
  };
  properties_.major = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
  properties_.minor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
  properties_.multiprocessors = attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  properties_.sharedMemoryPerBlockOptin = size_t(attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN));
  size_t free = 0;
  G4_CUDA_CALL(api, cuMemGetInfo, &free, &properties_.totalMemory);
}

Device::~Device() {
  const DriverApi &api = driver();
  if (stream_)
    api.cuStreamDestroy(stream_);
  if (context_)
    api.cuDevicePrimaryCtxRelease(device_);
}

void Device::makeCurrent() const { G4_CUDA_CALL(driver(), cuCtxSetCurrent, context_); }

void Device::synchronize() const { G4_CUDA_CALL(driver(), cuStreamSynchronize, stream_); }

size_t Device::freeMemory() const {
  size_t free = 0, total = 0;
  G4_CUDA_CALL(driver(), cuMemGetInfo, &free, &total);
  return free;
}

std::string Device::describe() const {
  char memory[32];
  std::snprintf(memory, sizeof memory, "%.1f GiB", double(properties_.totalMemory) / double(1ull << 30));
  return properties_.name + " (" + kernels::deviceArchName(properties_.major, properties_.minor) + ", " +
         std::to_string(properties_.multiprocessors) + " SMs, " + memory + ")";
}

} // namespace g4::rt::cuda
