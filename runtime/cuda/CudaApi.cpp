#include "cuda/CudaApi.h"

#include "cuda/CudaCheck.h"
#include "cuda/DynamicLibrary.h"
#include "io/Error.h"

namespace g4::rt::cuda {
namespace {

#define G4_CUDA_SYMBOL(name) api.name = reinterpret_cast<decltype(api.name)>(library.symbol(G4_CUDA_STRINGIFY_EXPANDED(name)));

DriverApi loadDriver() {
  DriverApi api;
  try {
    DynamicLibrary library({"libcuda.so.1"});
#include "cuda/DriverSymbols.inl"
  } catch (const Error &e) {
    throw Error(std::string("no CUDA driver/GPU found: ") + e.what());
  }
  CUresult status = api.cuInit(0);
  int devices = 0;
  if (status == CUDA_SUCCESS)
    status = api.cuDeviceGetCount(&devices);
  if (status != CUDA_SUCCESS) {
    const char *name = nullptr;
    api.cuGetErrorName(status, &name);
    throw Error(std::string("no CUDA driver/GPU found: cuInit: ") + (name ? name : "unknown error"));
  }
  if (devices == 0)
    throw Error("no CUDA driver/GPU found: the driver sees no device");
  return api;
}

CublasLtApi loadCublasLt() {
  CublasLtApi api;
  try {
    DynamicLibrary library({"libcublasLt.so.13"});
#include "cuda/CublasLtSymbols.inl"
  } catch (const Error &e) {
    throw Error(std::string("cuBLASLt not found: ") + e.what());
  }
  return api;
}

NvrtcApi loadNvrtc() {
  NvrtcApi api;
  try {
    DynamicLibrary library({"libnvrtc.so.13"});
#include "cuda/NvrtcSymbols.inl"
  } catch (const Error &e) {
    throw Error(std::string("NVRTC not found: ") + e.what());
  }
  return api;
}

#undef G4_CUDA_SYMBOL

} // namespace

NcclApi loadNccl(const char *library) {
  NcclApi api;
  try {
    DynamicLibrary loaded({library});
#define G4_NCCL_SYMBOL(result, name, parameters) api.name = reinterpret_cast<decltype(api.name)>(loaded.symbol(#name));
#include "cuda/NcclSymbols.inl"
#undef G4_NCCL_SYMBOL
  } catch (const Error &e) {
    throw Error(std::string("NCCL not found: ") + e.what() + " (tensor-parallel plans on the CUDA backend need " +
                library + ": the nvidia-nccl pip wheel or the libnccl2 package, on LD_LIBRARY_PATH)");
  }
  return api;
}

// A failed load throws out of the static's initialization, so the next call tries again.
const DriverApi &driver() {
  static const DriverApi api = loadDriver();
  return api;
}

const CublasLtApi &cublasLt() {
  static const CublasLtApi api = loadCublasLt();
  return api;
}

const NvrtcApi &nvrtc() {
  static const NvrtcApi api = loadNvrtc();
  return api;
}

const NcclApi &nccl() {
  static const NcclApi api = loadNccl("libnccl.so.2");
  return api;
}

} // namespace g4::rt::cuda
