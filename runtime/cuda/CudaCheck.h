// The one way the project calls CUDA: G4_CUDA_CALL(api, function, args...)
// calls api.function(args...) and, unless it succeeded, throws g4::Error
// naming the call, the status and the call site:
//   "cuModuleLoadData failed: CUDA_ERROR_INVALID_IMAGE (device kernel image is invalid) at cuda/KernelLibrary.cpp:41"
// It takes CUresult (driver), nvrtcResult (NVRTC), cublasStatus_t (cuBLASLt)
// and ncclResult_t (NCCL).
#pragma once

#include "cuda/CudaApi.h"

namespace g4::rt::cuda {

void checkCall(CUresult status, const char *call, const char *file, int line);
void checkCall(nvrtcResult status, const char *call, const char *file, int line);
void checkCall(cublasStatus_t status, const char *call, const char *file, int line);
void checkCall(ncclResult_t status, const char *call, const char *file, int line);

#define G4_CUDA_CALL(api, function, ...)                                                                              \
  ::g4::rt::cuda::checkCall((api).function(__VA_ARGS__), #function, __FILE__, __LINE__)

} // namespace g4::rt::cuda
