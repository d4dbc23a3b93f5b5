// Linear on tensor cores for the verify regime (5..32 rows by default, see
// TileOptions::splitMmaMaxRows): y[t] = epilogue(w0 @ x[t], w1 @ x[t]) with
// fp32 x split in the kernel into bf16 hi + lo (as splitToBf16: hi + lo == x
// to ~16 significant bits), both multiplied by the bf16 weights with mma.sync
// m16n8k16 into one fp32 accumulator. The weights are the 16-row A operand
// (output features are M, tokens N), so one block serves all of a token tile
// and streams its weight rows once.
//
// A block of kSplitMmaThreads: each warp owns 32 weight rows (two m16 tiles;
// GatedLinear: half the warps gate rows, half the same outputs' up rows).
// Grid (row tiles, K splits, token tiles). Weights go from global memory
// straight to registers, one 64-wide chunk ahead of the math: the k order
// inside every 32 inputs is permuted so that a lane's 16 bytes of rows g and
// g + 8 are its A fragments of two k16 steps, and the same lane's 16 bytes of
// a token's hi (or lo) row its B fragments of both. x chunks are split into
// shared memory once per block, double-buffered.
//
// K splits (host's choice, to fill the SMs): every block stores its fp32 tile
// in the workspace; the last of a row tile's blocks to arrive (a counter it
// resets, so graph replays find zeros) sums them in split order: the result
// does not depend on the arrival order.
#pragma once

#include "LinearEpilogues.cuh"
#include "MmaPrimitives.cuh"

namespace g4k {
namespace split_mma {

constexpr int kWarps = kSplitMmaThreads / 32;
constexpr int kWarpRows = kSplitMmaRows / kWarps;
constexpr int kChunk = kSplitMmaChunk;
// bf16 per token row of a staged x chunk: hi, lo and a pad making the stride
// 64 bytes modulo 128, so the 16-byte B fragment reads are conflict-free.
constexpr int kXStride = 2 * kChunk + 32;
constexpr int kTileStride = kSplitMmaRows + 4; // floats per token row of the result tile
static_assert(kWarpRows == 32 && kChunk == 64, "two m16 tiles per warp, two 32-wide k blocks per chunk");

// A lane's weights of one chunk: [32-wide k block][m16 tile][row g, row g + 8],
// 8 inputs from k = chunk start + 8 * (lane % 4) on.
struct WeightChunk {
  uint4 v[2][2][2];
};

__device__ __forceinline__ void loadWeights(WeightChunk &w, const bf16 *const (&rows)[2][2], const bool (&live)[2][2],
                                            int k, int in) {
#pragma unroll
  for (int h = 0; h < 2; ++h)
#pragma unroll
    for (int m = 0; m < 2; ++m)
#pragma unroll
      for (int r = 0; r < 2; ++r)
        w.v[h][m][r] = live[m][r] && k + 32 * h < in ? __ldg(reinterpret_cast<const uint4 *>(rows[m][r] + k + 32 * h))
                                                     : uint4{0u, 0u, 0u, 0u};
}

// One x chunk of the token tile in registers: float4 f = threadIdx.x + i * threads
// is token f / 16, inputs 4 * (f % 16) + 0..3 of the chunk.
template <int kTokens> struct XChunk {
  static constexpr int kQuads = kTokens * kChunk / 4 / kSplitMmaThreads;
  float4 v[kQuads];

  __device__ __forceinline__ void load(const float *x, int tokens, int in, int k0) {
#pragma unroll
    for (int i = 0; i < kQuads; ++i) {
      const int f = threadIdx.x + i * kSplitMmaThreads, t = f / 16, k = k0 + 4 * (f % 16);
      v[i] = t < tokens && k < in ? *reinterpret_cast<const float4 *>(x + (long long)t * in + k)
                                  : float4{0.0f, 0.0f, 0.0f, 0.0f};
    }
  }

  // hi = bf16(x), lo = bf16(x - hi), as splitToBf16.
  __device__ __forceinline__ void store(bf16 *xs) const {
#pragma unroll
    for (int i = 0; i < kQuads; ++i) {
      const int f = threadIdx.x + i * kSplitMmaThreads;
      bf16 *row = xs + (f / 16) * kXStride + 4 * (f % 16);
      uint2 hi, lo;
      splitBf16(v[i].x, v[i].y, v[i].z, v[i].w, hi, lo);
      *reinterpret_cast<uint2 *>(row) = hi;
      *reinterpret_cast<uint2 *>(row + kChunk) = lo;
    }
  }
};

// acc[m][n] += w (rows of m16 tile m) * (hi + lo) (tokens 8n..8n+7) over one chunk.
template <int kN>
__device__ __forceinline__ void mmaChunk(float (&acc)[2][kN][4], const WeightChunk &w, const bf16 *xs, int g, int c) {
#pragma unroll
  for (int h = 0; h < 2; ++h)
#pragma unroll
    for (int n = 0; n < kN; ++n) {
      const bf16 *row = xs + (8 * n + g) * kXStride + 32 * h + 8 * c;
      const uint4 hi = *reinterpret_cast<const uint4 *>(row);
      const uint4 lo = *reinterpret_cast<const uint4 *>(row + kChunk);
#pragma unroll
      for (int m = 0; m < 2; ++m) {
        const uint4 r0 = w.v[h][m][0], r8 = w.v[h][m][1];
        const unsigned first[4] = {r0.x, r8.x, r0.y, r8.y};  // inputs 8c .. 8c + 3
        const unsigned second[4] = {r0.z, r8.z, r0.w, r8.w}; // inputs 8c + 4 .. 8c + 7
        mmaBf16(acc[m][n], first, hi.x, hi.y);
        mmaBf16(acc[m][n], first, lo.x, lo.y);
        mmaBf16(acc[m][n], second, hi.z, hi.w);
        mmaBf16(acc[m][n], second, lo.z, lo.w);
      }
    }
}

} // namespace split_mma

template <int kTokens, class Epilogue>
__global__ void __launch_bounds__(kSplitMmaThreads, splitMmaBlocksPerSm(kTokens)) splitMma(SplitMmaArgs a) {
  using namespace split_mma;
  constexpr int kMats = Epilogue::kMatrices, kN = kTokens / 8;
  constexpr int kOutRows = kSplitMmaRows / kMats; // output features per row tile
  static_assert(kTokens % 16 == 0 && kTokens <= kSplitMmaMaxTokens, "token tiles of 16, 32 or 64");
  // Two staged x chunks; the result tile reuses them.
  __shared__ __align__(16) bf16 xs[2][kTokens * kXStride];
  static_assert(kTokens * kTileStride * 4 <= sizeof(xs), "the result tile fits the x buffers");
  static_assert(kTileStride % 4 == 0, "float4 rows of the result tile");
  __shared__ int arrival;

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, c = lane % 4;
  const int outBase = blockIdx.x * kOutRows;
  const int rowBase = outBase + (warp % (kWarps / kMats)) * kWarpRows;
  const bf16 *w = warp < kWarps / kMats ? a.w : a.w2;
  const int t0 = blockIdx.z * kTokens, tokens = min(kTokens, a.tokens - t0);
  const float *x = a.x + (long long)t0 * a.in;
  const int chunks = (a.in + kChunk - 1) / kChunk;
  const int c0 = blockIdx.y * a.chunksPerSplit, c1 = min(chunks, c0 + a.chunksPerSplit);

  const bf16 *rows[2][2];
  bool live[2][2];
#pragma unroll
  for (int m = 0; m < 2; ++m)
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int row = rowBase + 16 * m + 8 * r + g;
      live[m][r] = row < a.out;
      rows[m][r] = w + (long long)(live[m][r] ? row : 0) * a.in;
    }

  WeightChunk cur, next;
  loadWeights(cur, rows, live, c0 * kChunk + 8 * c, a.in); // constant data: before awaiting the preceding kernel
  releaseDependentGrid();
  awaitPrecedingGrid();
  XChunk<kTokens> staged;
  staged.load(x, tokens, a.in, c0 * kChunk);
  staged.store(xs[0]);
  __syncthreads();

  float acc[2][kN][4];
#pragma unroll
  for (int m = 0; m < 2; ++m)
#pragma unroll
    for (int n = 0; n < kN; ++n)
#pragma unroll
      for (int i = 0; i < 4; ++i)
        acc[m][n][i] = 0.0f;
  for (int chunk = c0; chunk < c1; ++chunk) {
    const int buffer = (chunk - c0) & 1;
    const bool more = chunk + 1 < c1;
    if (more) {
      loadWeights(next, rows, live, (chunk + 1) * kChunk + 8 * c, a.in);
      staged.load(x, tokens, a.in, (chunk + 1) * kChunk);
    }
    mmaChunk(acc, cur, xs[buffer], g, c);
    if (more)
      staged.store(xs[buffer ^ 1]); // its readers finished the chunk before last
    __syncthreads();
    cur = next;
  }

  // The block's [tokens, kSplitMmaRows] result tile (rows: the warps' rows in order).
  float *tile = reinterpret_cast<float *>(xs);
#pragma unroll
  for (int m = 0; m < 2; ++m)
#pragma unroll
    for (int n = 0; n < kN; ++n) {
      const int row = warp * kWarpRows + 16 * m + g, t = 8 * n + 2 * c;
      tile[t * kTileStride + row] = acc[m][n][0];
      tile[(t + 1) * kTileStride + row] = acc[m][n][1];
      tile[t * kTileStride + row + 8] = acc[m][n][2];
      tile[(t + 1) * kTileStride + row + 8] = acc[m][n][3];
    }
  __syncthreads();

  const int splits = gridDim.y, tileIndex = blockIdx.z * gridDim.x + blockIdx.x;
  if (splits > 1) {
    // Tiles as [tokens, kSplitMmaRows] float4s; a thread owns every kThreads-th one.
    constexpr int kQuads = kTokens * kSplitMmaRows / 4 / kSplitMmaThreads;
    constexpr int kRowQuads = kSplitMmaRows / 4;
    float4 *partials = reinterpret_cast<float4 *>(a.partial) + (long long)tileIndex * splits * kTokens * kRowQuads;
    float4 *mine = partials + (long long)blockIdx.y * kTokens * kRowQuads;
#pragma unroll
    for (int i = 0; i < kQuads; ++i) {
      const int q = threadIdx.x + i * kSplitMmaThreads, t = q / kRowQuads;
      if (t < tokens)
        mine[q] = *reinterpret_cast<const float4 *>(tile + t * kTileStride + 4 * (q % kRowQuads));
    }
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) {
      arrival = atomicAdd(a.counters + tileIndex, 1);
      if (arrival == splits - 1)
        a.counters[tileIndex] = 0;
    }
    __syncthreads();
    if (arrival != splits - 1)
      return;
    __threadfence();
    // The last block: the splits' sum in split order, back into the tile.
    float4 sum[kQuads];
#pragma unroll
    for (int i = 0; i < kQuads; ++i)
      sum[i] = float4{0.0f, 0.0f, 0.0f, 0.0f};
    for (int s = 0; s < splits; ++s)
#pragma unroll
      for (int i = 0; i < kQuads; ++i) {
        const int q = threadIdx.x + i * kSplitMmaThreads;
        if (q / kRowQuads < tokens) {
          const float4 v = __ldcg(partials + (long long)s * kTokens * kRowQuads + q);
          sum[i].x += v.x, sum[i].y += v.y, sum[i].z += v.z, sum[i].w += v.w;
        }
      }
#pragma unroll
    for (int i = 0; i < kQuads; ++i) {
      const int q = threadIdx.x + i * kSplitMmaThreads;
      *reinterpret_cast<float4 *>(tile + q / kRowQuads * kTileStride + 4 * (q % kRowQuads)) = sum[i];
    }
    __syncthreads();
  }
  const int r = threadIdx.x % kOutRows, row = outBase + r;
  if (row < a.out)
    for (int t = threadIdx.x / kOutRows; t < tokens; t += kSplitMmaThreads / kOutRows)
      a.y[(long long)(t0 + t) * a.out + row] =
          Epilogue{}(tile[t * kTileStride + r], kMats == 2 ? tile[t * kTileStride + kOutRows + r] : 0.0f, a.factor);
}

} // namespace g4k
