// The CUDA libraries as tables of function pointers, each loaded on first use
// (IREE's dynamic_symbols): driver() for libcuda.so.1, cublasLt(), nvrtc()
// and nccl(). Call them through G4_CUDA_CALL (CudaCheck.h).
#pragma once

#include <cublasLt.h>
#include <cuda.h>
#include <nvrtc.h>

#include <cstddef>

namespace g4::rt::cuda {

#define G4_CUDA_SYMBOL(name) decltype(&::name) name = nullptr;
struct DriverApi {
#include "cuda/DriverSymbols.inl"
};
struct CublasLtApi {
#include "cuda/CublasLtSymbols.inl"
};
struct NvrtcApi {
#include "cuda/NvrtcSymbols.inl"
};
#undef G4_CUDA_SYMBOL

// NCCL's types as libnccl.so.2 defines them (nccl.h, stable across 2.x),
// declared here because nccl.h is not part of every CUDA toolkit.
using ncclComm_t = struct ncclComm *;
enum ncclResult_t : int { ncclSuccess = 0 };
enum ncclDataType_t : int { ncclFloat32 = 7 };
enum ncclRedOp_t : int { ncclSum = 0 };

#define G4_NCCL_SYMBOL(result, name, parameters) result(*name) parameters = nullptr;
struct NcclApi {
#include "cuda/NcclSymbols.inl"
};
#undef G4_NCCL_SYMBOL

// The driver, initialized (cuInit) with at least one device. Throws g4::Error
// "no CUDA driver/GPU found: <why>" when libcuda.so.1 is missing, cuInit
// fails or there is no device.
const DriverApi &driver();

// cuBLASLt; throws g4::Error "cuBLASLt not found: <why>".
const CublasLtApi &cublasLt();

// NVRTC; throws g4::Error "NVRTC not found: <why>".
const NvrtcApi &nvrtc();

// NCCL, which only tensor-parallel plans need: loadNccl("libnccl.so.2") on
// first use. loadNccl throws g4::Error "NCCL not found: <why> (...)", naming
// the library and where to get it.
const NcclApi &nccl();
NcclApi loadNccl(const char *library);

} // namespace g4::rt::cuda
