// Row-independent elementwise kernels: the binary and unary ops of the plan
// as functors of one templated body, plus slice, the bf16 split of GEMM inputs and row gather.
#pragma once

#include "Common.cuh"

namespace g4k {

// Each op: kBinary (reads b), kScalarWeight (its factor is the bf16 weight
// `scalar[0]` instead of `factor`).
struct BinaryOp {
  static constexpr bool kBinary = true;
  static constexpr bool kScalarWeight = false;
};
struct UnaryOp {
  static constexpr bool kBinary = false;
  static constexpr bool kScalarWeight = false;
};

struct AddOp : BinaryOp {
  __device__ float operator()(float a, float b, float) const { return a + b; }
};
struct MulOp : BinaryOp {
  __device__ float operator()(float a, float b, float) const { return a * b; }
};
struct GeluTanhMulOp : BinaryOp {
  __device__ float operator()(float gate, float up, float) const { return geluTanh(gate) * up; }
};
struct ScaleOp : UnaryOp {
  __device__ float operator()(float x, float, float factor) const { return x * factor; }
};
struct SoftcapOp : UnaryOp {
  __device__ float operator()(float x, float, float cap) const { return tanhf(x / cap) * cap; }
};
struct LayerScalarOp : ScaleOp {
  static constexpr bool kScalarWeight = true;
};

template <class Op> __global__ void elementwise(ElementwiseArgs a) {
  enterDependentGrid();
  const float factor = Op::kScalarWeight ? bf16ToFloat(a.scalar[0]) : a.factor;
  const Op op;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < a.n; i += (long long)gridDim.x * blockDim.x)
    a.y[i] = op(a.a[i], Op::kBinary ? a.b[i] : 0.0f, factor);
}

__global__ void slice(SliceArgs a) {
  enterDependentGrid();
  const long long n = (long long)a.tokens * a.sliceWidth;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long t = i / a.sliceWidth, j = i % a.sliceWidth;
    a.y[i] = a.x[t * a.width + a.offset + j];
  }
}

// x = hi + lo to about 16 significant bits, both bf16: two bf16 GEMMs over hi
// and lo give a Linear of fp32 inputs with bf16 tensor cores.
__global__ void splitToBf16(SplitArgs a) {
  enterDependentGrid();
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < a.n; i += (long long)gridDim.x * blockDim.x) {
    const float x = a.x[i];
    const bf16 hi = floatToBf16(x);
    a.hi[i] = hi;
    a.lo[i] = floatToBf16(x - bf16ToFloat(hi));
  }
}

// Grid (column blocks, row blocks), both grid-strided.
__global__ void gatherRows(GatherRowsArgs a) {
  enterDependentGrid();
  for (int r = blockIdx.y; r < a.count; r += gridDim.y) {
    const unsigned *src = a.src + (long long)a.rows[r] * a.width;
    unsigned *dst = a.dst + (long long)r * a.width;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < a.width; i += gridDim.x * blockDim.x)
      dst[i] = src[i];
  }
}

} // namespace g4k
