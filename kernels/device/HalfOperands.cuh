// Operands of the long-prefill GEMM on f16 tensor cores (the HalfGemm family,
// runtime/cuda/LinearOps.cpp): the fp32 activations and the bf16 weights as
// f16, each tensor scaled by a power of two 2^e that puts its largest
// magnitude in [2^14, 2^15): f16 overflows at 65504, which Gemma's MLP
// activations can pass, and its normal range then reaches 2^-28 of the
// tensor's largest value. The GEMM's alpha 2^-(e_x + e_w) unscales the
// product. Weights convert exactly (bf16's 8 significant bits fit f16's 11);
// activations round to f16 (unit roundoff 2^-11, an eighth of bf16's).
#pragma once

#include "Common.cuh"
#include "MmaPrimitives.cuh"

namespace g4k {

inline constexpr int kHalfExponentLimit = 60; // |e| <= 60 keeps 2^-(e_x + e_w) a normal float

// e with amax * 2^e in [2^14, 2^15), from amax's float bits; 0 for 0, inf or NaN.
__device__ __forceinline__ int halfExponent(unsigned amaxBits) {
  if (amaxBits == 0 || amaxBits >= 0x7f800000u)
    return 0;
  const int e = 14 - (int(amaxBits >> 23) - 127); // subnormal amax: clamped below
  return e < -kHalfExponentLimit ? -kHalfExponentLimit : (e > kHalfExponentLimit ? kHalfExponentLimit : e);
}

__device__ __forceinline__ float powerOfTwo(int e) { return __int_as_float((127 + e) << 23); } // |e| <= 126

// Grid-strided max of |value(i)| as float bits (ordered like the
// magnitudes), one global atomicMax per block.
template <class Value> __device__ __forceinline__ void absMaxInto(long long n, unsigned *bits, Value value) {
  __shared__ unsigned blockMax;
  if (threadIdx.x == 0)
    blockMax = 0;
  __syncthreads();
  unsigned m = 0;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    m = max(m, __float_as_uint(value(i)) & 0x7fffffffu);
  m = __reduce_max_sync(0xffffffffu, m);
  if (threadIdx.x % 32 == 0)
    atomicMax(&blockMax, m);
  __syncthreads();
  if (threadIdx.x == 0 && blockMax)
    atomicMax(bits, blockMax);
}

__global__ void absMaxFloat(AbsMaxArgs a) {
  enterDependentGrid();
  const float *x = static_cast<const float *>(a.x);
  absMaxInto(a.n, a.bits, [&](long long i) { return x[i]; });
}

__global__ void absMaxBf16(AbsMaxArgs a) {
  enterDependentGrid();
  const bf16 *x = static_cast<const bf16 *>(a.x);
  absMaxInto(a.n, a.bits, [&](long long i) { return bf16ToFloat(x[i]); });
}

__global__ void halfExponents(HalfExponentsArgs a) {
  enterDependentGrid();
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < a.n; i += gridDim.x * blockDim.x)
    a.bits[i] = unsigned(halfExponent(a.bits[i]));
}

// Two elements per thread and step (one 32-bit f16 pair store); an odd n's
// last element alone.
__global__ void activationsToHalf(ActivationsToHalfArgs a) {
  enterDependentGrid();
  const float scale = powerOfTwo(halfExponent(*a.amaxBits));
  const long long pairs = a.n / 2, stride = (long long)gridDim.x * blockDim.x;
  unsigned *y = reinterpret_cast<unsigned *>(a.y);
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < pairs; i += stride)
    y[i] = packF16(a.x[2 * i] * scale, a.x[2 * i + 1] * scale);
  if (a.n % 2 && blockIdx.x == 0 && threadIdx.x == 0)
    a.y[a.n - 1] = f16(packF16(a.x[a.n - 1] * scale, 0.0f));
}

// Four weights per thread and step (8-byte loads and stores: weights start
// 256-byte aligned); the last n % 4 alone.
__global__ void weightsToHalf(WeightsToHalfArgs a) {
  enterDependentGrid();
  const int e = *a.exponent;
  const float scale = powerOfTwo(e);
  if (blockIdx.x == 0 && threadIdx.x == 0)
    *a.alpha = powerOfTwo(-(e + halfExponent(*a.activationAmaxBits)));
  const long long quads = a.n / 4, stride = (long long)gridDim.x * blockDim.x;
  const uint2 *w = reinterpret_cast<const uint2 *>(a.w);
  uint2 *y = reinterpret_cast<uint2 *>(a.y);
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < quads; i += stride) {
    const uint2 v = __ldg(w + i);
    y[i] = uint2{packF16(lowBf16(v.x) * scale, highBf16(v.x) * scale),
                 packF16(lowBf16(v.y) * scale, highBf16(v.y) * scale)};
  }
  if (blockIdx.x == 0 && threadIdx.x < a.n % 4) {
    const long long i = quads * 4 + threadIdx.x;
    a.y[i] = f16(packF16(bf16ToFloat(a.w[i]) * scale, 0.0f));
  }
}

} // namespace g4k
