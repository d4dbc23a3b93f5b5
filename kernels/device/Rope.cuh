// Rotate-half RoPE: element j of a head pairs with j + head_dim/2; the angle
// is position * theta^(-2j/head_dim) / factor for j < rotaryPairs, 0 after.
// rope: one thread per (token, head, pair). rmsNormRope (RmsNormRope): a
// warp per (token, head) normalizes the head with its weight, then rotates it
// (head_dim up to kRopeMaxHeadDim).
// Angles in fp32 with precise sincos.
#pragma once

#include "Common.cuh"

namespace g4k {

// theta^e correctly rounded to fp32 (through double), as the host's powf:
// angles of 1e5 radians magnify a last-bit difference.
__device__ __forceinline__ float ropeInverseFrequency(int j, int headDim, int rotaryPairs, float theta, float factor) {
  const float exponent = float(2 * j) / float(headDim);
  return j < rotaryPairs ? 1.0f / float(pow(double(theta), double(exponent))) / factor : 0.0f;
}

__device__ __forceinline__ void rotate(float x0, float x1, float angle, float &y0, float &y1) {
  float s, c;
  sincosf(angle, &s, &c);
  y0 = x0 * c - x1 * s;
  y1 = x1 * c + x0 * s;
}

__global__ void rope(RopeArgs a) {
  enterDependentGrid();
  const int half = a.headDim / 2;
  const int heads = a.width / a.headDim;
  const long long n = (long long)a.tokens * heads * half;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const int j = int(i % half);
    const long long th = i / half; // token * heads + head
    const int t = int(th / heads);
    const float angle = float(a.positions[t]) * ropeInverseFrequency(j, a.headDim, a.rotaryPairs, a.theta, a.factor);
    const long long base = th * a.headDim;
    rotate(a.x[base + j], a.x[base + j + half], angle, a.y[base + j], a.y[base + j + half]);
  }
}

// One warp: a head of x normalized (times w, unless null) and rotated at
// `position`; store(j, y[j], y[j + half]) takes each pair. A lane holds up to
// kRopeMaxHeadDim / 64 pairs in registers, all read before the first store
// (so y may be x).
template <class Store>
__device__ __forceinline__ void normRopeHead(const float *x, const bf16 *w, float position, int headDim,
                                             int rotaryPairs, float theta, float factor, float eps, Store store) {
  constexpr int kPairs = kRopeMaxHeadDim / 64;
  const int half = headDim / 2, lane = threadIdx.x % 32;
  float x0[kPairs], x1[kPairs], sum = 0.0f;
#pragma unroll
  for (int i = 0; i < kPairs; ++i) {
    const int j = lane + 32 * i;
    x0[i] = j < half ? x[j] : 0.0f;
    x1[i] = j < half ? x[j + half] : 0.0f;
    sum += x0[i] * x0[i] + x1[i] * x1[i];
  }
  const float r = rsqrtf(warpSum(sum) / float(headDim) + eps);
#pragma unroll
  for (int i = 0; i < kPairs; ++i) {
    const int j = lane + 32 * i;
    if (j < half) {
      const float w0 = w ? bf16ToFloat(w[j]) : 1.0f, w1 = w ? bf16ToFloat(w[j + half]) : 1.0f;
      float y0, y1;
      rotate(x0[i] * r * w0, x1[i] * r * w1, position * ropeInverseFrequency(j, headDim, rotaryPairs, theta, factor),
             y0, y1);
      store(j, y0, y1);
    }
  }
}

// Blocks of 4 warps, one warp per (token, head).
__global__ void __launch_bounds__(128) rmsNormRope(RmsNormRopeArgs a) {
  enterDependentGrid();
  const int heads = a.width / a.headDim, half = a.headDim / 2;
  const long long th = (long long)blockIdx.x * 4 + threadIdx.x / 32;
  if (th >= (long long)a.tokens * heads)
    return;
  float *y = a.y + th * a.headDim;
  normRopeHead(a.x + th * a.headDim, a.w, float(a.positions[th / heads]), a.headDim, a.rotaryPairs, a.theta, a.factor,
               a.eps, [&](int j, float y0, float y1) {
                 y[j] = y0;
                 y[j + half] = y1;
               });
}

} // namespace g4k
