// The GPU architectures gemma4c compiles kernels for, and how a plan's
// architecture is matched against a device.
#pragma once

#include <string>
#include <string_view>

namespace g4::kernels {

struct GpuArch {
  std::string name; // NVRTC's spelling: "sm_90a"
  int major = 0;    // compute capability
  int minor = 0;
  unsigned maxSharedBytes =
      0; // dynamic shared memory a block may opt in to (227 KB sm_90a/sm_100a, 163 KB sm_80, 99 KB sm_89)
  bool wgmma = false; // warpgroup tensor-core instructions (sm_90a only: Blackwell has others)
};

// The supported architecture spelled `name`, or null (for callers that must not throw).
const GpuArch *findArch(std::string_view name);

// The accepted --arch values, for help texts: "sm_80, sm_89, sm_90a, sm_100a".
std::string supportedArchList();

// Throws g4::Error "unsupported GPU architecture 'sm_75' (supported: ...)".
GpuArch parseArch(std::string_view name);

// "sm_90" for compute capability 9.0: how messages name a device.
std::string deviceArchName(int major, int minor);

// The supported architecture to compile for a device of this compute
// capability ("sm_90a" for 9.0); empty when none is.
std::string archForDevice(int major, int minor);

} // namespace g4::kernels
