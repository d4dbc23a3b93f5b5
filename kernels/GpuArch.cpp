#include "GpuArch.h"

#include "io/Error.h"

#include <array>

namespace g4::kernels {
namespace {

// sm_90a and sm_100a: the architecture-specific targets (wgmma, setmaxnreg on Hopper).
const std::array<GpuArch, 4> kArchs = {{{"sm_80", 8, 0, 163 * 1024},
                                        {"sm_89", 8, 9, 99 * 1024},
                                        {"sm_90a", 9, 0, 227 * 1024, true},
                                        {"sm_100a", 10, 0, 227 * 1024}}};

} // namespace

std::string supportedArchList() {
  std::string list;
  for (const GpuArch &arch : kArchs)
    list += (list.empty() ? "" : ", ") + arch.name;
  return list;
}

const GpuArch *findArch(std::string_view name) {
  for (const GpuArch &arch : kArchs)
    if (arch.name == name)
      return &arch;
  return nullptr;
}

GpuArch parseArch(std::string_view name) {
  if (const GpuArch *arch = findArch(name))
    return *arch;
  throw Error("unsupported GPU architecture '" + std::string(name) + "' (supported: " + supportedArchList() + ")");
}

std::string deviceArchName(int major, int minor) { return "sm_" + std::to_string(major) + std::to_string(minor); }

std::string archForDevice(int major, int minor) {
  for (const GpuArch &arch : kArchs)
    if (arch.major == major && arch.minor == minor)
      return arch.name;
  return {};
}

} // namespace g4::kernels
