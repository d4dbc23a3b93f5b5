#include "cuda/Gemm.h"

#include "cuda/CudaCheck.h"
#include "io/Error.h"

namespace g4::rt::cuda {

Gemm::Gemm() : workspace_(kWorkspaceBytes, "cuBLASLt workspace") { G4_CUDA_CALL(cublasLt(), cublasLtCreate, &handle_); }

namespace {

void destroy(const Gemm::Shape &s) {
  const CublasLtApi &api = cublasLt();
  if (s.a)
    api.cublasLtMatrixLayoutDestroy(s.a);
  if (s.b)
    api.cublasLtMatrixLayoutDestroy(s.b);
  if (s.c)
    api.cublasLtMatrixLayoutDestroy(s.c);
  if (s.desc)
    api.cublasLtMatmulDescDestroy(s.desc);
}

} // namespace

Gemm::~Gemm() {
  for (const auto &[key, s] : shapes_)
    destroy(s);
  if (handle_)
    cublasLt().cublasLtDestroy(handle_);
}

const Gemm::Shape &Gemm::shape(int tokens, int in, int out, bool half) {
  const auto key = std::make_tuple(tokens, in, out, half);
  if (auto it = shapes_.find(key); it != shapes_.end())
    return it->second;
  Shape s;
  try {
    describe(s, tokens, in, out, half);
  } catch (...) {
    destroy(s);
    throw;
  }
  return shapes_.emplace(key, s).first->second;
}

// Column-major view: y^T [out, T] = op(W) [out, in] * x^T [in, T], with W
// stored as a column-major [in, out] matrix (its row-major [out, in]) and
// transposed.
void Gemm::describe(Shape &s, int tokens, int in, int out, bool half) const {
  const CublasLtApi &api = cublasLt();
  G4_CUDA_CALL(api, cublasLtMatmulDescCreate, &s.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F);
  const cublasOperation_t transposed = CUBLAS_OP_T, plain = CUBLAS_OP_N;
  G4_CUDA_CALL(api, cublasLtMatmulDescSetAttribute, s.desc, CUBLASLT_MATMUL_DESC_TRANSA, &transposed,
               sizeof transposed);
  G4_CUDA_CALL(api, cublasLtMatmulDescSetAttribute, s.desc, CUBLASLT_MATMUL_DESC_TRANSB, &plain, sizeof plain);
  if (half) {
    const cublasLtPointerMode_t device = CUBLASLT_POINTER_MODE_DEVICE;
    G4_CUDA_CALL(api, cublasLtMatmulDescSetAttribute, s.desc, CUBLASLT_MATMUL_DESC_POINTER_MODE, &device,
                 sizeof device);
  }
  const cudaDataType_t operands = half ? CUDA_R_16F : CUDA_R_16BF;
  G4_CUDA_CALL(api, cublasLtMatrixLayoutCreate, &s.a, operands, uint64_t(in), uint64_t(out), int64_t(in));
  G4_CUDA_CALL(api, cublasLtMatrixLayoutCreate, &s.b, operands, uint64_t(in), uint64_t(tokens), int64_t(in));
  G4_CUDA_CALL(api, cublasLtMatrixLayoutCreate, &s.c, CUDA_R_32F, uint64_t(out), uint64_t(tokens), int64_t(out));

  cublasLtMatmulPreference_t preference = nullptr;
  G4_CUDA_CALL(api, cublasLtMatmulPreferenceCreate, &preference);
  const uint64_t workspace = kWorkspaceBytes;
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  try {
    G4_CUDA_CALL(api, cublasLtMatmulPreferenceSetAttribute, preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                 &workspace, sizeof workspace);
    G4_CUDA_CALL(api, cublasLtMatmulAlgoGetHeuristic, handle_, s.desc, s.a, s.b, s.c, s.c, preference, 1, &result,
                 &found);
  } catch (...) {
    api.cublasLtMatmulPreferenceDestroy(preference);
    throw;
  }
  api.cublasLtMatmulPreferenceDestroy(preference);
  if (found == 0)
    throw Error(std::string("cuBLASLt has no algorithm for a ") + (half ? "f16" : "bf16") + " GEMM of " +
                std::to_string(tokens) + " x " + std::to_string(in) + " x " + std::to_string(out));
  s.algo = result.algo;
}

void Gemm::run(CUdeviceptr x, CUdeviceptr w, CUdeviceptr y, int tokens, int in, int out, bool accumulate,
               CUstream stream) {
  const Shape &s = shape(tokens, in, out, false);
  const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  G4_CUDA_CALL(cublasLt(), cublasLtMatmul, handle_, s.desc, &alpha, reinterpret_cast<const void *>(w), s.a,
               reinterpret_cast<const void *>(x), s.b, &beta, reinterpret_cast<void *>(y), s.c,
               reinterpret_cast<void *>(y), s.c, &s.algo, reinterpret_cast<void *>(workspace_.get()), kWorkspaceBytes,
               stream);
}

void Gemm::runHalf(CUdeviceptr x, CUdeviceptr w, CUdeviceptr y, int tokens, int in, int out, CUdeviceptr alpha,
                   CUdeviceptr zero, CUstream stream) {
  const Shape &s = shape(tokens, in, out, true);
  G4_CUDA_CALL(cublasLt(), cublasLtMatmul, handle_, s.desc, reinterpret_cast<const void *>(alpha),
               reinterpret_cast<const void *>(w), s.a, reinterpret_cast<const void *>(x), s.b,
               reinterpret_cast<const void *>(zero), reinterpret_cast<void *>(y), s.c, reinterpret_cast<void *>(y), s.c,
               &s.algo, reinterpret_cast<void *>(workspace_.get()), kWorkspaceBytes, stream);
}

} // namespace g4::rt::cuda
