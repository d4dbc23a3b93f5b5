#include "cuda/CudaCheck.h"

#include "io/Error.h"

#include <string>

namespace g4::rt::cuda {
namespace {

// "cuda/KernelLibrary.cpp" from an absolute __FILE__: the last two components.
std::string site(const char *file, int line) {
  std::string path = file;
  size_t cut = path.rfind('/');
  if (cut != std::string::npos && cut > 0)
    cut = path.rfind('/', cut - 1);
  return (cut == std::string::npos ? path : path.substr(cut + 1)) + ":" + std::to_string(line);
}

[[noreturn]] void fail(const char *call, const std::string &status, const char *file, int line) {
  throw Error(std::string(call) + " failed: " + status + " at " + site(file, line));
}

} // namespace

void checkCall(CUresult status, const char *call, const char *file, int line) {
  if (status == CUDA_SUCCESS)
    return;
  const char *name = nullptr, *text = nullptr;
  driver().cuGetErrorName(status, &name);
  driver().cuGetErrorString(status, &text);
  fail(call, std::string(name ? name : "CUDA error " + std::to_string(int(status))) + (text ? std::string(" (") + text + ")" : ""),
       file, line);
}

void checkCall(nvrtcResult status, const char *call, const char *file, int line) {
  if (status != NVRTC_SUCCESS)
    fail(call, nvrtc().nvrtcGetErrorString(status), file, line);
}

void checkCall(cublasStatus_t status, const char *call, const char *file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS)
    fail(call, std::string(cublasLt().cublasLtGetStatusName(status)) + " (" + cublasLt().cublasLtGetStatusString(status) + ")",
         file, line);
}

void checkCall(ncclResult_t status, const char *call, const char *file, int line) {
  if (status != ncclSuccess)
    fail(call, "NCCL error " + std::to_string(int(status)) + " (" + nccl().ncclGetErrorString(status) + ")", file,
         line);
}

} // namespace g4::rt::cuda
