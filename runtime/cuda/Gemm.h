// Linear through cuBLASLt: y [T, out] fp32 (+)= x [T, in] bf16 @ w [out, in]^T
// bf16, fp32 accumulation; or y = alpha * x @ w^T with f16 x and w and alpha
// read from device memory (the long-prefill GEMM's scaled f16 operands). Descriptors and the heuristic's algorithm are
// cached per shape; a fixed workspace keeps calls capturable in CUDA graphs.
#pragma once

#include "cuda/CudaApi.h"
#include "cuda/DeviceMemory.h"

#include <map>
#include <tuple>

namespace g4::rt::cuda {

class Gemm {
public:
  Gemm();
  ~Gemm();
  Gemm(const Gemm &) = delete;
  Gemm &operator=(const Gemm &) = delete;

  // y = x @ w^T, or y += x @ w^T with `accumulate`.
  void run(CUdeviceptr x, CUdeviceptr w, CUdeviceptr y, int tokens, int in, int out, bool accumulate, CUstream stream);
  // y = *alpha * x @ w^T, x and w f16; *zero is 0.0f (cuBLASLt reads beta from the device too).
  void runHalf(CUdeviceptr x, CUdeviceptr w, CUdeviceptr y, int tokens, int in, int out, CUdeviceptr alpha,
               CUdeviceptr zero, CUstream stream);

  static constexpr size_t kWorkspaceBytes = 32u << 20;

  // The descriptors and algorithm of one (tokens, in, out, operand type) problem.
  struct Shape {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
    cublasLtMatmulAlgo_t algo{};
  };

private:
  const Shape &shape(int tokens, int in, int out, bool half);
  void describe(Shape &s, int tokens, int in, int out, bool half) const;

  cublasLtHandle_t handle_ = nullptr;
  DeviceBuffer workspace_;
  std::map<std::tuple<int, int, int, bool>, Shape> shapes_;
};

} // namespace g4::rt::cuda
