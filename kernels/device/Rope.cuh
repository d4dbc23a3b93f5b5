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

// Blocks of 4 warps, one warp per (token, head); a lane holds up to
// kRopeMaxHeadDim / 64 rotation pairs of its head in registers, read once.
__global__ void __launch_bounds__(128) rmsNormRope(RmsNormRopeArgs a) {
  enterDependentGrid();
  constexpr int kPairs = kRopeMaxHeadDim / 64;
  const int heads = a.width / a.headDim, half = a.headDim / 2, lane = threadIdx.x % 32;
  const long long th = (long long)blockIdx.x * 4 + threadIdx.x / 32;
  if (th >= (long long)a.tokens * heads)
    return;
  const float *x = a.x + th * a.headDim;
  float x0[kPairs], x1[kPairs], sum = 0.0f;
#pragma unroll
  for (int i = 0; i < kPairs; ++i) {
    const int j = lane + 32 * i;
    x0[i] = j < half ? x[j] : 0.0f;
    x1[i] = j < half ? x[j + half] : 0.0f;
    sum += x0[i] * x0[i] + x1[i] * x1[i];
  }
  const float r = rsqrtf(warpSum(sum) / float(a.headDim) + a.eps);
  const float position = float(a.positions[th / heads]);
  float *y = a.y + th * a.headDim;
#pragma unroll
  for (int i = 0; i < kPairs; ++i) {
    const int j = lane + 32 * i;
    if (j < half)
      rotate(x0[i] * r * bf16ToFloat(a.w[j]), x1[i] * r * bf16ToFloat(a.w[j + half]),
             position * ropeInverseFrequency(j, a.headDim, a.rotaryPairs, a.theta, a.factor), y[j], y[j + half]);
  }
}

} // namespace g4k
