// MoE expert computation grouped by expert, so each expert's weights are read
// once per step however many tokens chose it:
//   moeSort      groups the step's (token, k) entries by expert (offsets, sorted)
//                and lists the experts chosen (active);
//   moeGateUp    act[entry] = gelu_tanh(gate_e x_t) * (up_e x_t);
//   moeDown      out[entry] = down_e act[entry];
//   moeCombine   y[t] = sum_k w[t, k] * out[t * topK + k], k in order.
// Only chosen experts' weights are read. For long steps (prefill) the host
// runs each expert's rows as cuBLASLt GEMMs instead (gathered by sortedTokens,
// gated by moeGate, combined through slots).
#pragma once

#include "Common.cuh"
#include "MmaPrimitives.cuh"

namespace g4k {

// Inclusive prefix sums of v over a warp's lanes.
__device__ __forceinline__ int warpInclusiveScan(int v) {
  const int lane = threadIdx.x % 32;
#pragma unroll
  for (int d = 1; d < 32; d <<= 1) {
    const int u = __shfl_up_sync(0xffffffffu, v, d);
    if (lane >= d)
      v += u;
  }
  return v;
}

// One block of 1024 threads; `offsets` [experts + 1], `sorted` [entries].
// Other ranks' entries (MoeSortArgs) take the slots after offsets[experts].
// Within an expert the entries' order may vary from run to run; every result
// is written per entry, so the output does not.
__global__ void __launch_bounds__(1024) moeSort(MoeSortArgs a) {
  enterDependentGrid();
  extern __shared__ int cursor[]; // [experts]
  __shared__ int warpTotals[2][32], carry[2];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  for (int e = threadIdx.x; e < a.experts; e += blockDim.x)
    cursor[e] = 0;
  if (threadIdx.x < 2)
    carry[threadIdx.x] = 0;
  __syncthreads();
  auto localExpert = [&](int i) {
    const int e = a.routeIds[i] - a.firstExpert;
    return e >= 0 && e < a.experts ? e : -1;
  };
  for (int i = threadIdx.x; i < a.entries; i += blockDim.x)
    if (const int e = localExpert(i); e >= 0)
      atomicAdd(&cursor[e], 1);
  __syncthreads();
  // Exclusive prefix sums of the counts (offsets) and of count > 0 (active slots), a block of experts at a time.
  for (int base = 0; base < a.experts; base += blockDim.x) {
    const int e = base + threadIdx.x, count = e < a.experts ? cursor[e] : 0, used = count > 0;
    int offset = warpInclusiveScan(count), slot = warpInclusiveScan(used);
    if (lane == 31)
      warpTotals[0][warp] = offset, warpTotals[1][warp] = slot;
    __syncthreads();
    if (warp == 0) {
      const int o = lane < warps ? warpTotals[0][lane] : 0, s = lane < warps ? warpTotals[1][lane] : 0;
      warpTotals[0][lane] = warpInclusiveScan(o) - o;
      warpTotals[1][lane] = warpInclusiveScan(s) - s;
    }
    __syncthreads();
    offset += carry[0] + warpTotals[0][warp] - count;
    slot += carry[1] + warpTotals[1][warp] - used;
    if (e < a.experts) {
      a.offsets[e] = cursor[e] = offset;
      if (used)
        a.active[slot] = e;
    }
    __syncthreads();
    if (threadIdx.x == blockDim.x - 1)
      carry[0] = offset + count, carry[1] = slot + used;
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    a.offsets[a.experts] = carry[0];
    a.active[a.experts] = carry[1];
  }
  __syncthreads(); // carry[0]: where other ranks' entries go
  for (int i = threadIdx.x; i < a.entries; i += blockDim.x) {
    const int e = localExpert(i);
    const int slot = atomicAdd(e >= 0 ? &cursor[e] : &carry[0], 1);
    a.sorted[slot] = i;
    a.slots[i] = e >= 0 ? slot : -1;
    a.sortedTokens[slot] = i / a.topK;
  }
}

// ---------------------------------------------------------------- expert tiles
// moeGateUp and moeDown: a block serves one chosen expert (active[blockIdx.x])
// and kMoeWarps tiles of 16 weight rows (blockIdx.y), one per warp, on tensor
// cores (mma m16n8k16, fp32 accumulation): the weight rows are A, the expert's
// tokens the 8 columns of B, tokens 4q..4q+3 of a pass as their inputs' bf16
// hi (columns 0-3) and lo (4-7) halves, which together carry ~16 bits of the
// fp32 input. A pass stages up to passTokens tokens' split inputs in shared
// memory (a warp's first weights already requested), then every warp streams
// its rows' weights once, one batch of kMoeBatch 32-wide k chunks in flight
// while the previous one multiplies.
//
// The products are order-free in k, so lane (g = lane / 4, c = lane % 4)
// loads the 8 weights at k0 + 8c of rows g and g + 8 as the A fragments of two
// mma steps: weights k0 + 8c + 4j + [0, 4) are columns 2c, 2c + 1, 2c + 8,
// 2c + 9 of step j, and the staged inputs come in the same order.

// 8 weights of `row` from k (zeros from n on; 16-byte loads when rows are 16-byte aligned).
template <bool kAligned> __device__ __forceinline__ uint4 weights8(const bf16 *row, int k, int n) {
  uint4 v;
  if constexpr (kAligned) {
    if (k < n)
      return __ldg(reinterpret_cast<const uint4 *>(row + k));
    v.x = v.y = v.z = v.w = 0;
  } else {
    unsigned u[4];
#pragma unroll
    for (int p = 0; p < 4; ++p) {
      const int i = k + 2 * p;
      u[p] = (i < n ? unsigned(row[i]) : 0u) | (i + 1 < n ? unsigned(row[i + 1]) << 16 : 0u);
    }
    v.x = u[0], v.y = u[1], v.z = u[2], v.w = u[3];
  }
  return v;
}

// Tokens [first, first + count) of the expert's sorted entries into `stage`:
// row 2s the hi and row 2s + 1 the lo halves of slot s's input (row `sorted /
// divisor` of x, n wide), as bf16x2 pairs (uint2 per 4 inputs); slots up to
// the pass's last group of 4 and k up to the padding are zeros.
__device__ __forceinline__ void stageInputs(uint2 *stage, const float *x, const int *sorted, int divisor, int n,
                                            int first, int count, int slots) {
  const int quads = moeStageQuads(n), stride = moeStageStride(n);
  for (int i = threadIdx.x; i < slots * quads; i += blockDim.x) {
    const int s = i / quads, k = 4 * (i % quads);
    float v[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    if (s < count) {
      const float *row = x + (long long)(sorted[first + s] / divisor) * n;
#pragma unroll
      for (int e = 0; e < 4; ++e)
        if (k + e < n)
          v[e] = row[k + e];
    }
    uint2 hi, lo;
    splitBf16(v[0], v[1], v[2], v[3], hi, lo);
    stage[2 * s * stride + k / 4] = hi;
    stage[(2 * s + 1) * stride + k / 4] = lo;
  }
}

// A warp's 16 weight rows (A rows g and g + 8: row0, row1; n wide) streamed
// through registers kMoeBatch 32-wide k chunks at a time, two batches in flight.
template <bool kAligned> struct TileStream {
  static constexpr int kBatch = kMoeBatch, kStep = 32 * kBatch;
  const bf16 *row0, *row1;
  int n;
  uint4 w[2][kBatch][2];

  __device__ __forceinline__ void load(int buffer, int k0) {
    const int c = threadIdx.x % 4;
#pragma unroll
    for (int b = 0; b < kBatch; ++b) {
      w[buffer][b][0] = weights8<kAligned>(row0, k0 + 32 * b + 8 * c, n);
      w[buffer][b][1] = weights8<kAligned>(row1, k0 + 32 * b + 8 * c, n);
    }
  }

  __device__ __forceinline__ void multiply(int buffer, int k0, const uint2 *const (&xs)[kMoeGroups], int groups,
                                           float (&acc)[kMoeGroups][4]) {
#pragma unroll
    for (int b = 0; b < kBatch; ++b) {
      const int k = k0 + 32 * b;
      if (k >= n)
        break;
      const uint4 u0 = w[buffer][b][0], u1 = w[buffer][b][1];
      const unsigned a0[4] = {u0.x, u1.x, u0.y, u1.y}, a1[4] = {u0.z, u1.z, u0.w, u1.w};
#pragma unroll
      for (int q = 0; q < kMoeGroups; ++q)
        if (q < groups) {
          const uint2 x0 = xs[q][k / 4], x1 = xs[q][k / 4 + 1];
          mmaBf16(acc[q], a0, x0.x, x0.y);
          mmaBf16(acc[q], a1, x1.x, x1.y);
        }
    }
  }

  // acc[q] += the rows times the staged column groups q < groups; the first
  // batch must have been loaded into buffer 0.
  __device__ __forceinline__ void products(const uint2 *stage, int passTokens, int groups,
                                           float (&acc)[kMoeGroups][4]) {
    const int lane = threadIdx.x % 32, g = lane / 4, c = lane % 4;
    // Lane g gives column g: slot 4q + g % 4 (the last staged one beyond a short pass), hi for g < 4, else lo.
    const uint2 *xs[kMoeGroups];
#pragma unroll
    for (int q = 0; q < kMoeGroups; ++q)
      xs[q] = stage + (2 * min(4 * q + g % 4, passTokens - 1) + g / 4) * moeStageStride(n) + 2 * c;
    for (int k0 = 0; k0 < n; k0 += 2 * kStep) {
      load(1, k0 + kStep);
      multiply(0, k0, xs, groups, acc);
      load(0, k0 + 2 * kStep);
      multiply(1, k0 + kStep, xs, groups, acc);
    }
  }
};

// Gate-up: a warp's tile is gate rows i0..i0+7 (A rows 0-7) and the up rows of
// the same i (A rows 8-15), so a lane holds gate and up of one i; down: output
// rows j0..j0+15. Rows past the end are read as the last row and not stored.
template <bool kGateUp, bool kAligned> __device__ __forceinline__ void expertTiles(const MoeExpertArgs &a) {
  extern __shared__ uint2 moeStage[];
  const int n = kGateUp ? a.hidden : a.inter, rows = kGateUp ? a.inter : a.hidden;
  const int lane = threadIdx.x % 32, g = lane / 4, c = lane % 4;
  const int e = a.active[blockIdx.x], begin = a.offsets[e], end = a.offsets[e + 1];
  const int tileRows = kGateUp ? 8 : 16, first = (blockIdx.y * kMoeWarps + threadIdx.x / 32) * tileRows;
  const int out0 = first + g, out1 = kGateUp ? out0 : out0 + 8;
  const bf16 *base = a.w + (long long)e * (kGateUp ? 2 : 1) * rows * n;
  TileStream<kAligned> tile;
  tile.row0 = base + (long long)min(out0, rows - 1) * n;
  tile.row1 = kGateUp ? tile.row0 + (long long)rows * n : base + (long long)min(out1, rows - 1) * n;
  tile.n = n;
  for (int pass = begin; pass < end; pass += a.passTokens) {
    const int count = min(a.passTokens, end - pass), groups = (count + 3) / 4;
    if (first < rows)
      tile.load(0, 0); // in flight while the inputs are staged
    if (pass != begin)
      __syncthreads(); // the previous pass's inputs are no longer read
    stageInputs(moeStage, a.x, a.sorted, kGateUp ? a.topK : 1, n, pass, count, min(4 * groups, a.passTokens));
    __syncthreads();
    if (first >= rows)
      continue;
    float acc[kMoeGroups][4] = {};
    tile.products(moeStage, a.passTokens, groups, acc);
#pragma unroll
    for (int q = 0; q < kMoeGroups; ++q)
      if (q < groups)
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          // Column 2c + h plus its lo half, column 2c + h + 4 of lane c + 2.
          const float v0 = acc[q][h] + __shfl_xor_sync(0xffffffffu, acc[q][h], 2);
          const float v1 = acc[q][2 + h] + __shfl_xor_sync(0xffffffffu, acc[q][2 + h], 2);
          const int slot = 4 * q + 2 * c + h;
          if (c >= 2 || slot >= count)
            continue;
          const long long entry = a.sorted[pass + slot];
          if constexpr (kGateUp) {
            if (out0 < rows)
              a.y[entry * rows + out0] = geluTanh(v0) * v1;
          } else {
            if (out0 < rows)
              a.y[entry * rows + out0] = v0;
            if (out1 < rows)
              a.y[entry * rows + out1] = v1;
          }
        }
  }
}

__global__ void __launch_bounds__(kMoeWarps * 32) moeGateUp(MoeExpertArgs a) {
  enterDependentGrid();
  if (int(blockIdx.x) >= a.active[a.experts])
    return;
  if (a.hidden % 8 == 0)
    expertTiles<true, true>(a);
  else
    expertTiles<true, false>(a);
}

__global__ void __launch_bounds__(kMoeWarps * 32) moeDown(MoeExpertArgs a) {
  enterDependentGrid();
  if (int(blockIdx.x) >= a.active[a.experts])
    return;
  if (a.inter % 8 == 0)
    expertTiles<false, true>(a);
  else
    expertTiles<false, false>(a);
}

__global__ void moeCombine(MoeCombineArgs a) {
  enterDependentGrid();
  const long long n = (long long)a.tokens * a.hidden;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long t = i / a.hidden, j = i % a.hidden;
    float y = 0.0f;
    for (int k = 0; k < a.topK; ++k) {
      const long long entry = t * a.topK + k;
      const int slot = a.slots[entry];
      if (slot >= 0)
        y += a.routeWeights[entry] * a.expertOut[(a.bySlot ? slot : entry) * a.hidden + j];
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
