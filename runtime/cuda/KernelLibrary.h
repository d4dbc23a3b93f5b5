// The plan's CUDA kernels loaded on one device: the image compiled for the
// device's architecture (a plan compiled for another is refused, naming
// both), its cubin loaded without recompiling, or its PTX JIT-compiled by the
// driver when the cubin does not load. Every kernel the backend will launch
// (KernelSet) is checked to be present at load.
#pragma once

#include "cuda/Device.h"
#include "plan/PlanFile.h"

#include <string>
#include <unordered_map>

namespace g4::rt::cuda {

// The image of `plan` compiled for `device`'s compute capability. Throws
// g4::Error for a plan without kernels, or naming the plan's architectures
// and the device's when none matches. Needs no GPU.
const plan::KernelImage &selectKernelImage(const PlanFile &plan, const DeviceProperties &device);

class KernelLibrary {
public:
  // Throws g4::Error for a plan without kernels, compiled for another
  // architecture, or lacking a kernel instance.
  KernelLibrary(const PlanFile &plan, const Device &device);
  ~KernelLibrary();
  KernelLibrary(const KernelLibrary &) = delete;
  KernelLibrary &operator=(const KernelLibrary &) = delete;

  // The kernel `name` (kernels/KernelNames.h), allowed `dynamicSharedBytes`
  // of dynamic shared memory; throws g4::Error when the plan lacks it or the
  // device cannot give that much.
  CUfunction get(const std::string &name, size_t dynamicSharedBytes = 0) const;

  // Dynamic shared memory a block may be granted on this device.
  size_t sharedMemoryLimit() const { return device_.properties().sharedMemoryPerBlockOptin; }
  const std::string &arch() const { return arch_; }
  bool jitCompiled() const { return jitCompiled_; } // loaded from PTX

private:
  const Device &device_;
  CUmodule module_ = nullptr;
  std::string arch_;
  bool jitCompiled_ = false;
  std::unordered_map<std::string, std::string> symbols_; // name expression -> lowered name
};

} // namespace g4::rt::cuda
