// Device helpers every g4 kernel uses: bf16 conversions, 16-byte vector loads,
// warp and block reductions. Compiled by NVRTC only; no CUDA headers needed.
#pragma once

#include "KernelArgs.h"

namespace g4k {

__device__ __forceinline__ float bf16ToFloat(bf16 x) { return __uint_as_float(unsigned(x) << 16); }

// Round to nearest even, as the host's io::floatToBf16 does.
__device__ __forceinline__ bf16 floatToBf16(float x) {
  unsigned short r;
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r) : "f"(x));
  return r;
}

// The two bf16 of a 32-bit word, low half first.
__device__ __forceinline__ float lowBf16(unsigned pair) { return __uint_as_float(pair << 16); }
__device__ __forceinline__ float highBf16(unsigned pair) { return __uint_as_float(pair & 0xffff0000u); }

// 8 consecutive bf16 (16 bytes, aligned), read through the non-coherent cache:
// weights and KV pages are read-only while a kernel runs.
__device__ __forceinline__ void load8(const bf16 *p, float (&f)[8]) {
  const uint4 v = __ldg(reinterpret_cast<const uint4 *>(p));
  f[0] = lowBf16(v.x), f[1] = highBf16(v.x), f[2] = lowBf16(v.y), f[3] = highBf16(v.y);
  f[4] = lowBf16(v.z), f[5] = highBf16(v.z), f[6] = lowBf16(v.w), f[7] = highBf16(v.w);
}

// 8 consecutive fp32 (32 bytes, 16-byte aligned).
__device__ __forceinline__ void load8(const float *p, float (&f)[8]) {
  const float4 a = *reinterpret_cast<const float4 *>(p);
  const float4 b = *reinterpret_cast<const float4 *>(p + 4);
  f[0] = a.x, f[1] = a.y, f[2] = a.z, f[3] = a.w, f[4] = b.x, f[5] = b.y, f[6] = b.z, f[7] = b.w;
}

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float warpMax(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1)
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Reduction over a block of kThreads threads (a multiple of 32) with the warp
// reduction `warpReduce` and its identity; every thread gets the result.
// `scratch` holds kThreads / 32 floats and may be reused after.
template <int kThreads, class WarpReduce>
__device__ __forceinline__ float blockReduce(float v, float *scratch, WarpReduce warpReduce, float identity) {
  v = warpReduce(v);
  if constexpr (kThreads > 32) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    if (lane == 0)
      scratch[warp] = v;
    __syncthreads();
    v = warpReduce(lane < kThreads / 32 ? scratch[lane] : identity);
    __syncthreads();
  }
  return v;
}

template <int kThreads> __device__ __forceinline__ float blockSum(float v, float *scratch) {
  return blockReduce<kThreads>(
      v, scratch, [](float x) { return warpSum(x); }, 0.0f);
}

template <int kThreads> __device__ __forceinline__ float blockMax(float v, float *scratch) {
  return blockReduce<kThreads>(
      v, scratch, [](float x) { return warpMax(x); }, -__int_as_float(0x7f800000));
}

// Programmatic dependent launch (sm_90+). The runtime may launch a kernel
// while the stream's previous kernel still runs (Launch.h, programmatic);
// such a kernel calls enterDependentGrid() before it touches anything an
// earlier kernel writes, and may only read constant data (weights) before.
// Releasing dependents first lets the next kernel start as soon as this one
// is resident; it still waits for this one to finish. No-ops before sm_90,
// where launches serialize as usual.
__device__ __forceinline__ void releaseDependentGrid() {
#if __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}
__device__ __forceinline__ void awaitPrecedingGrid() {
#if __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}
__device__ __forceinline__ void enterDependentGrid() {
  releaseDependentGrid();
  awaitPrecedingGrid();
}

__device__ __forceinline__ float negativeInfinity() { return -__int_as_float(0x7f800000); }
__device__ __forceinline__ float quietNan() { return __int_as_float(0x7fc00000); }

// gelu with the tanh approximation, as torch's gelu(approximate="tanh").
__device__ __forceinline__ float geluTanh(float x) {
  const float kSqrt2OverPi = 0.7978845608028654f;
  return 0.5f * x * (1.0f + tanhf(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
}

} // namespace g4k
