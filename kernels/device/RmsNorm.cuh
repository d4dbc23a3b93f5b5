// RmsNorm: each run of `group` elements normalized on its own,
// y = x * (mean(x^2) + eps)^-0.5 (* w). kThreads threads per group: 32 (a
// warp, four groups per 128-thread block) or a block of 1024 for long rows,
// where one pass of float4 loads covers a hidden row: a decode step's norms
// are latency-bound single blocks. With kAdd (AddRmsNorm) the input is
// residual + x, also stored to `sum`; x normalized first with xWeight when
// given (one more reduction), the sum scaled by *scalar when given. Without
// `y` (RmsNormAdd: x's post-norm + the residual add) the sum is the output:
// its own norm is skipped.
#pragma once

#include "Common.cuh"

namespace g4k {

template <int kThreads, bool kAdd>
__global__ void __launch_bounds__(rmsNormBlockThreads(kThreads)) rmsNorm(RmsNormArgs a) {
  static_assert(kThreads == 32 || kThreads == 1024, "a warp or the whole block per group");
  enterDependentGrid();
  constexpr int kBlock = rmsNormBlockThreads(kThreads);
  __shared__ float scratch[kBlock / 32];
  const long long g = (long long)blockIdx.x * (kBlock / kThreads) + threadIdx.x / kThreads;
  const int lane = threadIdx.x % kThreads;
  const bool active = g < a.groups;
  const long long base = (active ? g : 0) * a.group;
  const bool vector = a.group % 4 == 0; // rows start 16-byte aligned too
  const int step = vector ? 4 : 1;
  auto reduce = [&](float partial) {
    if constexpr (kThreads == 32)
      return warpSum(partial);
    else
      return blockSum<kThreads>(partial, scratch);
  };
  auto load = [&](const float *p, int i, float(&v)[4]) {
    if (vector) {
      const float4 p4 = *reinterpret_cast<const float4 *>(p + base + i);
      v[0] = p4.x, v[1] = p4.y, v[2] = p4.z, v[3] = p4.w;
    } else {
      v[0] = p[base + i];
    }
  };
  // AddRmsNorm's post-norm of x: x's inverse RMS, then per element x * xr * xWeight.
  float xr = 0.0f, scale = 1.0f;
  if constexpr (kAdd) {
    if (a.xWeight) {
      float squares = 0.0f;
      for (int i = lane * step; i < a.group; i += kThreads * step) {
        float v[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        load(a.x, i, v);
        squares += v[0] * v[0] + v[1] * v[1] + v[2] * v[2] + v[3] * v[3];
      }
      xr = rsqrtf(reduce(squares) / float(a.group) + a.eps);
    }
    if (a.scalar)
      scale = bf16ToFloat(*a.scalar);
  }
  float sum = 0;
  for (int i = lane * step; i < a.group; i += kThreads * step) {
    float v[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    load(a.x, i, v);
    if constexpr (kAdd) {
      float r[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      load(a.residual, i, r);
      for (int e = 0; e < step; ++e) {
        if (a.xWeight)
          v[e] = v[e] * xr * bf16ToFloat(a.xWeight[i + e]);
        v[e] = r[e] + v[e];
        if (a.scalar)
          v[e] = v[e] * scale;
      }
      if (active) {
        if (vector)
          *reinterpret_cast<float4 *>(a.sum + base + i) = make_float4(v[0], v[1], v[2], v[3]);
        else
          a.sum[base + i] = v[0];
      }
    }
    sum += v[0] * v[0] + v[1] * v[1] + v[2] * v[2] + v[3] * v[3];
  }
  if (kAdd && !a.y)
    return; // one value for the whole grid: no thread is left waiting in reduce()
  sum = reduce(sum);
  if (!active)
    return;
  const float r = rsqrtf(sum / float(a.group) + a.eps);
  const float *x = kAdd ? a.sum : a.x; // this thread's own stores: visible to it
  for (int i = lane; i < a.group; i += kThreads)
    a.y[base + i] = a.w ? x[base + i] * r * bf16ToFloat(a.w[i]) : x[base + i] * r;
}

} // namespace g4k
