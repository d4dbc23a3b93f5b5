// RmsNorm: each run of `group` elements normalized on its own,
// y = x * (mean(x^2) + eps)^-0.5 (* w). kThreads threads per group: 32 (a
// warp, four groups per 128-thread block) or a block of 1024 for long rows,
// where one pass of float4 loads covers a hidden row: a decode step's norms
// are latency-bound single blocks. With kAdd (AddRmsNorm) the input is
// residual + x, also stored to `sum`.
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
  float sum = 0;
  for (int i = lane * step; i < a.group; i += kThreads * step) {
    float v[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    if (vector) {
      const float4 x4 = *reinterpret_cast<const float4 *>(a.x + base + i);
      v[0] = x4.x, v[1] = x4.y, v[2] = x4.z, v[3] = x4.w;
      if constexpr (kAdd) {
        const float4 r4 = *reinterpret_cast<const float4 *>(a.residual + base + i);
        v[0] += r4.x, v[1] += r4.y, v[2] += r4.z, v[3] += r4.w;
        if (active)
          *reinterpret_cast<float4 *>(a.sum + base + i) = make_float4(v[0], v[1], v[2], v[3]);
      }
    } else {
      v[0] = a.x[base + i];
      if constexpr (kAdd) {
        v[0] += a.residual[base + i];
        if (active)
          a.sum[base + i] = v[0];
      }
    }
    sum += v[0] * v[0] + v[1] * v[1] + v[2] * v[2] + v[3] * v[3];
  }
  if constexpr (kThreads == 32)
    sum = warpSum(sum);
  else
    sum = blockSum<kThreads>(sum, scratch);
  if (!active)
    return;
  const float r = rsqrtf(sum / float(a.group) + a.eps);
  const float *x = kAdd ? a.sum : a.x; // this thread's own stores: visible to it
  for (int i = lane; i < a.group; i += kThreads)
    a.y[base + i] = a.w ? x[base + i] * r * bf16ToFloat(a.w[i]) : x[base + i] * r;
}

} // namespace g4k
