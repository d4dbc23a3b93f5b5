// Skinny Linear for decode: y[t] = epilogue(w0 @ x[t], w1 @ x[t] or side[t]) for up to
// kTokens tokens per block (grid.y walks token blocks). Each warp owns one
// output row (kGemvRows = kGemvWarps rows per block) and reduces it alone; the
// rows may be segments of sibling projections (MultiLinear: one launch for an
// attention's q, k and v, each segment its own weight and output):
// lanes stream 16-byte weight chunks, kGemvChunks of them in flight per lane,
// every weight byte read once; x chunks come through L1, shared by the warps.
// The first chunks are loaded before awaiting the preceding kernel (weights
// are constant), so a programmatic launch overlaps them with its tail; the
// next kernel is released once they are in flight.
// fp32 accumulation, lanes summed by a fixed butterfly.
// Epilogues: LinearEpilogues.cuh.
#pragma once

#include "LinearEpilogues.cuh"

namespace g4k {

__device__ __forceinline__ float dot8(const float (&x)[8], uint4 w) {
  return x[0] * lowBf16(w.x) + x[1] * highBf16(w.x) + x[2] * lowBf16(w.y) + x[3] * highBf16(w.y) +
         x[4] * lowBf16(w.z) + x[5] * highBf16(w.z) + x[6] * lowBf16(w.w) + x[7] * highBf16(w.w);
}

template <int kTokens, class Epilogue> __global__ void __launch_bounds__(kGemvWarps * 32) gemv(GemvArgs a) {
  constexpr int kMats = Epilogue::kMatrices;
  constexpr int kChunks = kGemvChunks / kMats; // 16-byte loads in flight per lane and matrix
  constexpr int kPass = 32 * 8;                // elements a warp covers per chunk
  const int lane = threadIdx.x % 32;
  const int t0 = blockIdx.y * kTokens;
  int row = blockIdx.x * kGemvWarps + threadIdx.x / 32;
  if (row >= a.rowEnd[kGemvSegments - 1])
    return;
  // The row's segment (unrolled, so the arguments stay in the parameter bank).
  const bf16 *segment = a.w[0];
  float *y = a.y[0];
  int first = 0, out = a.rowEnd[0];
#pragma unroll
  for (int s = 1; s < kGemvSegments; ++s)
    if (row >= a.rowEnd[s - 1]) {
      segment = a.w[s];
      y = a.y[s];
      first = a.rowEnd[s - 1];
      out = a.rowEnd[s] - first;
    }
  row -= first;
  const int tokens = min(kTokens, a.tokens - t0);
  const bf16 *w[kMats];
  w[0] = segment + (long long)row * a.in;
  if constexpr (kMats == 2)
    w[1] = a.w2 + (long long)row * a.in;
  const float *x = a.x + (long long)t0 * a.in;

  float acc[kTokens][kMats];
#pragma unroll
  for (int t = 0; t < kTokens; ++t)
#pragma unroll
    for (int m = 0; m < kMats; ++m)
      acc[t][m] = 0.0f;

  if (a.in % 8 == 0) {
    uint4 wv[kChunks][kMats];
    auto loadChunks = [&](int k0) {
#pragma unroll
      for (int c = 0; c < kChunks; ++c)
#pragma unroll
        for (int m = 0; m < kMats; ++m)
          if (k0 + c * kPass < a.in)
            wv[c][m] = __ldg(reinterpret_cast<const uint4 *>(w[m] + k0 + c * kPass));
    };
    int k0 = lane * 8;
    loadChunks(k0);
    releaseDependentGrid();
    awaitPrecedingGrid();
    for (; k0 < a.in; k0 += kChunks * kPass) {
#pragma unroll
      for (int c = 0; c < kChunks; ++c) {
        const int k = k0 + c * kPass;
        if (k < a.in)
#pragma unroll
          for (int t = 0; t < kTokens; ++t)
            if (t < tokens) {
              float xv[8];
              load8(x + (long long)t * a.in + k, xv);
#pragma unroll
              for (int m = 0; m < kMats; ++m)
                acc[t][m] += dot8(xv, wv[c][m]);
            }
      }
      if (k0 + kChunks * kPass < a.in)
        loadChunks(k0 + kChunks * kPass);
    }
  } else {
    enterDependentGrid();
    for (int k = lane; k < a.in; k += 32)
#pragma unroll
      for (int m = 0; m < kMats; ++m) {
        const float wk = bf16ToFloat(w[m][k]);
#pragma unroll
        for (int t = 0; t < kTokens; ++t)
          if (t < tokens)
            acc[t][m] += x[(long long)t * a.in + k] * wk;
      }
  }

#pragma unroll
  for (int t = 0; t < kTokens; ++t) {
    float sums[2] = {0.0f, 0.0f};
#pragma unroll
    for (int m = 0; m < kMats; ++m)
      sums[m] = warpSum(acc[t][m]);
    if (lane == t && t < tokens) {
      if constexpr (Epilogue::kSide)
        sums[1] = a.side[(long long)(t0 + t) * a.sideStride + row];
      y[(long long)(t0 + t) * out + row] = Epilogue{}(sums[0], sums[1], a.factor);
    }
  }
}

} // namespace g4k
