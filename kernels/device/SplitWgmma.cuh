// Linear on Hopper's warpgroup tensor cores for the verify regime's largest
// steps (33..64 rows by default: TileChoices, sm_90a only): splitMma's product
// y[t] = epilogue(w0 @ x[t], w1 @ x[t]), fp32 x split into bf16 hi + lo in the
// kernel, where splitMma's mma.sync loop binds before the weight stream (with
// 64 tokens, hi and lo make 128 product columns). A MultiLinear's projections
// (q, k, v) are segments of one launch, each block in one segment's rows.
//
// A block of two warpgroups owns 128 weight rows (GatedLinear: warpgroup 0
// the gate rows, warpgroup 1 the same outputs' up rows) and one tile of 64
// tokens. Per 64-input chunk, a weight stage holds the weight tile
// (cp.async, 128-byte swizzle) and a token stage the token tile's hi rows
// then lo rows (split by the threads from fp32 loads); each warpgroup
// multiplies its 64 rows by all 128 columns (wgmma m64n128k16, four k steps)
// and the accumulator of token t is column t (hi) plus column 64 + t (lo).
// Weights run kSplitWgmmaWeightStages - 1 chunks ahead of the math; the x
// loads of chunk i + 2 are in flight while chunk i is multiplied.
//
// K splits (host's choice, to fill the SMs) are the blocks of a thread-block
// cluster along y: each leaves its fp32 tile in its shared memory, and block
// r of s sums tokens r, r + s, ... over the s tiles in rank order (the result
// does not depend on timing) and applies the epilogue.
#pragma once

#include "LinearEpilogues.cuh"
#include "MoeExperts.cuh"
#include "WgmmaPrimitives.cuh"

namespace g4k {
namespace split_wgmma {

constexpr int kTokens = kSplitWgmmaTokens;
constexpr int kStages = kSplitWgmmaWeightStages;
constexpr int kTokenStages = kStages * kSplitWgmmaWeightStageBytes; // the token stages after the weight stages
constexpr int kTileStride = kSplitMmaRows + 4;                      // floats per token row of the result tile
constexpr int kCopies = kSplitMmaRows * 8 / kSplitWgmmaThreads;     // 16-byte weight copies per thread per chunk
constexpr int kQuads = kTokens * 16 / kSplitWgmmaThreads;           // x float4 per thread per chunk
static_assert(kSplitMmaChunk == 64, "a chunk is one 128-byte swizzled row of bf16");
static_assert(kTokens * kTileStride * 4 <= int(kSplitWgmmaSharedBytes) - 1024, "the result tile fits the stages");

// What a block multiplies: its weight rows (from outBase of a matrix of
// out() rows; GatedLinear: w2's same rows too), its token tile of x and the
// output rows. LinearTile: the block's segment of a SplitWgmmaArgs; its
// pointers are read from the kernel parameters when needed, which keeps them
// out of the registers the accumulators need.
static_assert(kGemvSegments == 3, "LinearTile picks among three segments");
struct LinearTile {
  const SplitWgmmaArgs &a;
  int index, outBase, t0, tokens;

  __device__ __forceinline__ LinearTile(const SplitWgmmaArgs &args, int outRows) : a(args) {
    const int tile = int(blockIdx.x);
    index = tile < a.tileEnd[0] ? 0 : tile < a.tileEnd[1] ? 1 : 2;
    outBase = (tile - (index == 0 ? 0 : index == 1 ? a.tileEnd[0] : a.tileEnd[1])) * outRows;
    t0 = blockIdx.z * kTokens;
    tokens = min(kTokens, a.tokens - t0);
  }
  __device__ __forceinline__ const bf16 *w() const { return index == 0 ? a.w[0] : index == 1 ? a.w[1] : a.w[2]; }
  __device__ __forceinline__ const bf16 *w2() const { return a.w2; }
  __device__ __forceinline__ int out() const { return index == 0 ? a.outs[0] : index == 1 ? a.outs[1] : a.outs[2]; }
  __device__ __forceinline__ int in() const { return a.in; }
  __device__ __forceinline__ int chunksPerSplit() const { return a.chunksPerSplit; }
  __device__ __forceinline__ float factor() const { return a.factor; }
  __device__ __forceinline__ const float *x() const { return a.x + (long long)t0 * a.in; }
  __device__ __forceinline__ float *y(int t) const {
    return (index == 0 ? a.y[0] : index == 1 ? a.y[1] : a.y[2]) + (long long)(t0 + t) * out();
  }
};

// MoeTile: token tile blockIdx.z of the experts' tiles (each expert's rows,
// grouped by moeSort, in tiles of kTokens), found by a block-wide scan of the
// experts' tile counts; `tokens` 0 past the step's tiles.
struct MoeTile {
  const MoeSplitWgmmaArgs &a;
  int expert, outBase, first, tokens;

  __device__ __forceinline__ MoeTile(const MoeSplitWgmmaArgs &args, int outRows) : a(args) {
    __shared__ int found[3];
    __shared__ int warpTotals[kSplitWgmmaThreads / 32];
    const int e = threadIdx.x, lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int begin = e < a.experts ? a.offsets[e] : 0, count = e < a.experts ? a.offsets[e + 1] - begin : 0;
    const int tiles = (count + kTokens - 1) / kTokens;
    int end = warpInclusiveScan(tiles);
    if (threadIdx.x == 0)
      found[2] = 0;
    if (lane == 31)
      warpTotals[warp] = end;
    __syncthreads();
    for (int w = 0; w < warp; ++w)
      end += warpTotals[w];
    const int z = int(blockIdx.z);
    if (z >= end - tiles && z < end) {
      found[0] = e;
      found[1] = begin + (z - (end - tiles)) * kTokens;
      found[2] = min(kTokens, begin + count - found[1]);
    }
    __syncthreads();
    expert = found[0];
    first = found[1];
    tokens = found[2];
    outBase = int(blockIdx.x) * outRows;
  }
  __device__ __forceinline__ const bf16 *w() const { return a.w + (long long)expert * a.expertStride; }
  __device__ __forceinline__ const bf16 *w2() const { return w() + a.upOffset; }
  __device__ __forceinline__ int out() const { return a.out; }
  __device__ __forceinline__ int in() const { return a.in; }
  __device__ __forceinline__ int chunksPerSplit() const { return a.chunksPerSplit; }
  __device__ __forceinline__ float factor() const { return 0.0f; }
  __device__ __forceinline__ const float *x() const { return a.x + (long long)first * a.in; }
  __device__ __forceinline__ float *y(int t) const { return a.y + (long long)(first + t) * a.out; }
};

// A chunk's weight tile: this thread's copy i is tile row q / 8, 16-byte
// piece q % 8 (q = thread + i * threads), the tile's rows from outBase on
// (GatedLinear: the first half of them of w, the second of w2); zeros past
// its rows and `in`.
template <int kMats, class Tile>
__device__ __forceinline__ void issueWeights(const Tile &tile, unsigned char *stage, int chunk) {
#pragma unroll
  for (int i = 0; i < kCopies; ++i) {
    const int q = threadIdx.x + i * kSplitWgmmaThreads, r = q / 8, k = chunk * kSplitMmaChunk + 8 * (q % 8);
    const bool second = kMats == 2 && r >= kSplitMmaRows / 2;
    const int out = tile.outBase + (second ? r - kSplitMmaRows / 2 : r);
    const bool live = out < tile.out() && k < tile.in();
    cpAsync16(stage + swizzled128(r, q % 8),
              (second ? tile.w2() : tile.w()) + (live ? (long long)out * tile.in() + k : 0), live);
  }
}

// One x chunk of the token tile in registers: float4 f = thread + i * threads
// is token f / 16, inputs 4 * (f % 16) + 0..3 of the chunk.
struct XChunk {
  float4 v[kQuads];

  __device__ __forceinline__ void load(const float *x, int tokens, int in, int chunk) {
#pragma unroll
    for (int i = 0; i < kQuads; ++i) {
      const int f = threadIdx.x + i * kSplitWgmmaThreads, t = f / 16, k = chunk * kSplitMmaChunk + 4 * (f % 16);
      v[i] = t < tokens && k < in ? *reinterpret_cast<const float4 *>(x + (long long)t * in + k)
                                  : float4{0.0f, 0.0f, 0.0f, 0.0f};
    }
  }

  // hi = bf16(x) into token row t, lo = bf16(x - hi) into row kTokens + t, as splitToBf16.
  __device__ __forceinline__ void store(unsigned char *stage) const {
#pragma unroll
    for (int i = 0; i < kQuads; ++i) {
      const int f = threadIdx.x + i * kSplitWgmmaThreads, t = f / 16, piece = (f % 16) / 2, half = 8 * (f % 2);
      uint2 hi, lo;
      splitBf16(v[i].x, v[i].y, v[i].z, v[i].w, hi, lo);
      *reinterpret_cast<uint2 *>(stage + swizzled128(t, piece) + half) = hi;
      *reinterpret_cast<uint2 *>(stage + swizzled128(kTokens + t, piece) + half) = lo;
    }
  }
};

} // namespace split_wgmma

namespace split_wgmma {

// The product of one block's tile (LinearTile or MoeTile), in a cluster of K
// splits along y. `prefetch`: the weights do not depend on the preceding
// kernel, so their first stages load before awaiting it.
template <class Epilogue, class Tile> __device__ __forceinline__ void multiply(const Tile &tile, bool prefetch) {
  constexpr int kMats = Epilogue::kMatrices;
  constexpr int kOutRows = kSplitMmaRows / kMats; // output features per block
  extern __shared__ __align__(16) unsigned char dynamicShared[];
  unsigned char *stages = dynamicShared + ((1024 - sharedAddress(dynamicShared) % 1024) % 1024);
  auto weightStage = [&](int i) { return stages + (i % kStages) * kSplitWgmmaWeightStageBytes; };
  auto tokenStage = [&](int i) { return stages + kTokenStages + (i % 2) * kSplitWgmmaTokenStageBytes; };

  const int warpgroup = threadIdx.x / 128, warp = (threadIdx.x / 32) % 4, lane = threadIdx.x % 32;
  const int tokens = tile.tokens, in = tile.in();
  const float *x = tile.x();
  const int chunks = (in + kSplitMmaChunk - 1) / kSplitMmaChunk;
  const int c0 = blockIdx.y * tile.chunksPerSplit(), count = max(0, min(chunks, c0 + tile.chunksPerSplit()) - c0);

#pragma unroll
  for (int s = 0; s < kStages - 1; ++s) {
    if (s < count)
      issueWeights<kMats>(tile, weightStage(s), c0 + s);
    cpAsyncCommit();
  }
  if (prefetch) {
    releaseDependentGrid();
    awaitPrecedingGrid();
  }
  XChunk staged; // holds chunk i + 1 while chunk i is multiplied
  staged.load(x, tokens, in, c0);
  staged.store(tokenStage(0));
  if (count > 1)
    staged.load(x, tokens, in, c0 + 1);

  float acc[64];
#pragma unroll
  for (int i = 0; i < 64; ++i)
    acc[i] = 0.0f;
  for (int i = 0; i < count; ++i) {
    cpAsyncWait<kStages - 2>(); // chunk i's weights (this thread's copies)
    fenceAsyncShared();
    __syncthreads(); // every copy and x store of chunk i; every warpgroup done with chunk i - 1's stages
    const int ahead = i + kStages - 1;
    if (ahead < count)
      issueWeights<kMats>(tile, weightStage(ahead), c0 + ahead);
    cpAsyncCommit();
    const unsigned w = sharedAddress(weightStage(i)), t = sharedAddress(tokenStage(i));
    wgmmaFence();
#pragma unroll
    for (int k = 0; k < 4; ++k)
      wgmmaBf16M64N128(acc, wgmmaDescriptor(w + warpgroup * 64 * 128 + 32 * k), wgmmaDescriptor(t + 32 * k));
    wgmmaCommit();
    if (i + 1 < count)
      staged.store(tokenStage(i + 1)); // its readers finished chunk i - 1 before the barrier
    if (i + 2 < count)
      staged.load(x, tokens, in, c0 + i + 2);
    wgmmaWaitAll();
  }
  cpAsyncWaitAll();
  __syncthreads();

  // The block's [tokens, kSplitMmaRows] tile over the stages: hi column t plus lo column kTokens + t.
  float *result = reinterpret_cast<float *>(stages);
  const int g = lane / 4, c = lane % 4;
#pragma unroll
  for (int j = 0; j < 8; ++j)
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const int t = 8 * j + 2 * c + (e & 1), row = warpgroup * 64 + 16 * warp + g + 8 * (e >> 1);
      result[t * kTileStride + row] = acc[4 * j + e] + acc[4 * (j + 8) + e];
    }
  clusterSync();

  const int splits = int(gridDim.y), rank = int(clusterRank());
  const int r = threadIdx.x % kOutRows, row = tile.outBase + r;
  for (int t = rank + splits * int(threadIdx.x / kOutRows); t < tokens; t += splits * (kSplitWgmmaThreads / kOutRows)) {
    float first = 0.0f, second = 0.0f;
    for (int s = 0; s < splits; ++s) {
      first += loadPeerShared(result + t * kTileStride + r, unsigned(s));
      if (kMats == 2)
        second += loadPeerShared(result + t * kTileStride + kOutRows + r, unsigned(s));
    }
    if (row < tile.out())
      tile.y(t)[row] = Epilogue{}(first, second, tile.factor());
  }
  clusterSync(); // the peers' tiles stay until every block of the cluster has read them
}

} // namespace split_wgmma

template <class Epilogue>
__global__ void __launch_bounds__(kSplitWgmmaThreads, kSplitWgmmaBlocksPerSm) splitWgmma(SplitWgmmaArgs a) {
  split_wgmma::multiply<Epilogue>(split_wgmma::LinearTile(a, kSplitMmaRows / Epilogue::kMatrices), true);
}

// The experts of an MoE step on splitWgmma's tiles, one launch for all of
// them: gate/up with the gating `Gating` (a.gated), or down. The tiles depend
// on moeSort's offsets, so the weights load after awaiting it; a cluster's
// blocks share blockIdx.z, so past the step's tiles they leave together.
// A template, so that only sm_90a plans, which name it, compile it.
template <class Gating>
__global__ void __launch_bounds__(kSplitWgmmaThreads, kSplitWgmmaBlocksPerSm) moeSplitWgmma(MoeSplitWgmmaArgs a) {
  using namespace split_wgmma;
  static_assert(Gating::kMatrices == 2, "the gating takes the gate and up rows");
  releaseDependentGrid();
  awaitPrecedingGrid();
  if (a.gated) {
    const MoeTile tile(a, kSplitMmaRows / Gating::kMatrices);
    if (tile.tokens > 0)
      multiply<Gating>(tile, false);
  } else {
    const MoeTile tile(a, kSplitMmaRows);
    if (tile.tokens > 0)
      multiply<PlainEpilogue>(tile, false);
  }
}

} // namespace g4k
