// MoE expert computation grouped by expert, so each expert's weights are read
// once per step however many tokens chose it:
//   moeSort      groups the step's (token, k) entries by expert (offsets, sorted)
//                and lists the experts chosen (active);
//   moeGateUp    act[entry] = gelu_tanh(gate_e x_t) * (up_e x_t), grid (min(experts, entries), inter / kMoeWarps);
//   moeDown      out[entry] = down_e act[entry], grid (min(experts, entries), hidden / kMoeWarps);
//   moeCombine   y[t] = sum_k w[t, k] * out[t * topK + k], k in order.
// Only chosen experts' weights are read. For long steps (prefill) the host
// runs each expert's rows as cuBLASLt GEMMs instead (gathered by sortedTokens,
// gated by moeGate, combined through slots).
#pragma once

#include "Common.cuh"

namespace g4k {

// One block; `offsets` [experts + 1], `sorted` [entries]. Within an expert the
// entries' order may vary from run to run; every result is written per entry,
// so the output does not.
__global__ void moeSort(MoeSortArgs a) {
  enterDependentGrid();
  extern __shared__ int cursor[]; // [experts]
  for (int e = threadIdx.x; e < a.experts; e += blockDim.x)
    cursor[e] = 0;
  __syncthreads();
  for (int i = threadIdx.x; i < a.entries; i += blockDim.x)
    atomicAdd(&cursor[a.routeIds[i]], 1);
  __syncthreads();
  if (threadIdx.x == 0) {
    int offset = 0, active = 0;
    for (int e = 0; e < a.experts; ++e) {
      const int count = cursor[e];
      a.offsets[e] = cursor[e] = offset;
      offset += count;
      if (count > 0)
        a.active[active++] = e;
    }
    a.offsets[a.experts] = offset;
    a.active[a.experts] = active;
  }
  __syncthreads();
  for (int i = threadIdx.x; i < a.entries; i += blockDim.x) {
    const int slot = atomicAdd(&cursor[a.routeIds[i]], 1);
    a.sorted[slot] = i;
    a.slots[i] = slot;
    a.sortedTokens[slot] = i / a.topK;
  }
}

// The dot products of `rows` weight rows (length n) with kMoeTokens input rows,
// one warp; rows and inputs as pointers, inputs may be null (skipped).
template <int kRowCount>
__device__ __forceinline__ void expertDots(const bf16 *const (&w)[kRowCount], const float *const (&x)[kMoeTokens], int n,
                                           float (&acc)[kMoeTokens][kRowCount]) {
  const int lane = threadIdx.x % 32;
#pragma unroll
  for (int t = 0; t < kMoeTokens; ++t)
#pragma unroll
    for (int r = 0; r < kRowCount; ++r)
      acc[t][r] = 0.0f;
  if (n % 8 == 0) {
    for (int k = lane * 8; k < n; k += 32 * 8) {
      float wv[kRowCount][8];
#pragma unroll
      for (int r = 0; r < kRowCount; ++r)
        load8(w[r] + k, wv[r]);
#pragma unroll
      for (int t = 0; t < kMoeTokens; ++t)
        if (x[t]) {
          float xv[8];
          load8(x[t] + k, xv);
#pragma unroll
          for (int r = 0; r < kRowCount; ++r)
#pragma unroll
            for (int e = 0; e < 8; ++e)
              acc[t][r] += xv[e] * wv[r][e];
        }
    }
  } else {
    for (int k = lane; k < n; k += 32)
#pragma unroll
      for (int t = 0; t < kMoeTokens; ++t)
        if (x[t])
#pragma unroll
          for (int r = 0; r < kRowCount; ++r)
            acc[t][r] += x[t][k] * bf16ToFloat(w[r][k]);
  }
#pragma unroll
  for (int t = 0; t < kMoeTokens; ++t)
#pragma unroll
    for (int r = 0; r < kRowCount; ++r)
      acc[t][r] = warpSum(acc[t][r]);
}

__global__ void __launch_bounds__(kMoeWarps * 32) moeGateUp(MoeExpertArgs a) {
  enterDependentGrid();
  const int i = blockIdx.y * kMoeWarps + threadIdx.x / 32;
  if (int(blockIdx.x) >= a.active[a.experts] || i >= a.inter)
    return;
  const int e = a.active[blockIdx.x], begin = a.offsets[e], end = a.offsets[e + 1];
  const bf16 *const w[2] = {a.w + ((long long)e * 2 * a.inter + i) * a.hidden,
                            a.w + ((long long)e * 2 * a.inter + a.inter + i) * a.hidden};
  for (int c = begin; c < end; c += kMoeTokens) {
    const float *x[kMoeTokens];
#pragma unroll
    for (int t = 0; t < kMoeTokens; ++t)
      x[t] = c + t < end ? a.x + (long long)(a.sorted[c + t] / a.topK) * a.hidden : nullptr;
    float acc[kMoeTokens][2];
    expertDots<2>(w, x, a.hidden, acc);
    if (threadIdx.x % 32 == 0)
#pragma unroll
      for (int t = 0; t < kMoeTokens; ++t)
        if (x[t])
          a.y[(long long)a.sorted[c + t] * a.inter + i] = geluTanh(acc[t][0]) * acc[t][1];
  }
}

__global__ void __launch_bounds__(kMoeWarps * 32) moeDown(MoeExpertArgs a) {
  enterDependentGrid();
  const int j = blockIdx.y * kMoeWarps + threadIdx.x / 32;
  if (int(blockIdx.x) >= a.active[a.experts] || j >= a.hidden)
    return;
  const int e = a.active[blockIdx.x], begin = a.offsets[e], end = a.offsets[e + 1];
  const bf16 *const w[1] = {a.w + ((long long)e * a.hidden + j) * a.inter};
  for (int c = begin; c < end; c += kMoeTokens) {
    const float *x[kMoeTokens];
#pragma unroll
    for (int t = 0; t < kMoeTokens; ++t)
      x[t] = c + t < end ? a.x + (long long)a.sorted[c + t] * a.inter : nullptr;
    float acc[kMoeTokens][1];
    expertDots<1>(w, x, a.inter, acc);
    if (threadIdx.x % 32 == 0)
#pragma unroll
      for (int t = 0; t < kMoeTokens; ++t)
        if (x[t])
          a.y[(long long)a.sorted[c + t] * a.hidden + j] = acc[t][0];
  }
}

__global__ void moeCombine(MoeCombineArgs a) {
  enterDependentGrid();
  const long long n = (long long)a.tokens * a.hidden;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long t = i / a.hidden, j = i % a.hidden;
    float y = 0.0f;
    for (int k = 0; k < a.topK; ++k) {
      const long long entry = t * a.topK + k;
      y += a.routeWeights[entry] * a.expertOut[(a.slots ? a.slots[entry] : entry) * a.hidden + j];
    }
    a.y[i] = y;
  }
}

// The gating of expert rows whose gate/up products came from GEMMs.
__global__ void moeGate(MoeGateArgs a) {
  enterDependentGrid();
  const long long n = a.rows * a.inter;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long r = i / a.inter, j = i % a.inter;
    a.act[i] = geluTanh(a.gateUp[r * 2 * a.inter + j]) * a.gateUp[r * 2 * a.inter + a.inter + j];
  }
}

} // namespace g4k
