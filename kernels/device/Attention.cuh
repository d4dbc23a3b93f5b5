// Paged attention over the KV pool, for prefill tiles and decode tokens alike.
//
// attention<kHeadDim, kGroup>: one block per (tile, KV head, split). A tile is
// up to attentionTileTokens(kGroup) consecutive tokens of one sequence; the
// block's query rows are those tokens x the kGroup query heads that read the
// KV head (GQA). Keys stream through shared memory kAttentionKeys at a time
// (lane j scores key j), with an online softmax in fp32 per row. With
// splits > 1 each split takes a contiguous share of the key range and leaves
// (max, sum, unnormalized output) in `partial` for attentionCombine.
#pragma once

#include "Common.cuh"

namespace g4k {

// The visibility rule of plan.fbs's Attention: causal, and within `window`
// positions when window > 0.
struct CausalWindowMask {
  int window;
  __device__ bool operator()(int queryPosition, int keyPosition) const {
    return keyPosition <= queryPosition && (window == 0 || queryPosition - keyPosition < window);
  }
};

// The keys split `split` of a tile reads: the tile's visible range (from the
// window's start before its first token to its last token), cut into whole
// tiles of `tileKeys` shared among the splits. It may be empty.
struct KeyRange {
  int begin, end;
};
__device__ __forceinline__ KeyRange splitKeyRange(const AttentionArgs &a, int firstPosition, int count, int split,
                                                  int tileKeys) {
  const int keyBegin = a.window > 0 ? max(0, firstPosition - a.window + 1) : 0;
  const int keyEnd = firstPosition + count;
  const int keyTiles = (keyEnd - keyBegin + tileKeys - 1) / tileKeys;
  const int tilesPerSplit = (keyTiles + a.splits - 1) / a.splits;
  const int begin = keyBegin + split * tilesPerSplit * tileKeys;
  return {begin, min(keyEnd, begin + tilesPerSplit * tileKeys)};
}

template <int kHeadDim, int kGroup, class Mask = CausalWindowMask>
__global__ void __launch_bounds__(kAttentionWarps * 32) attention(AttentionArgs a) {
  enterDependentGrid();
  static_assert(kHeadDim % 8 == 0, "head_dim must be a multiple of 8 (16-byte K/V chunks)");
  constexpr int kTileTokens = attentionTileTokens(kGroup);
  constexpr int kRows = attentionTileRows(kGroup);
  constexpr int kRowsPerWarp = (kRows + kAttentionWarps - 1) / kAttentionWarps;
  constexpr int kKeys = kAttentionKeys;
  constexpr int kKeyStride = kHeadDim + 4;    // padded K rows: conflict-free 8-byte reads across lanes
  constexpr bool kPairs = kHeadDim % 64 == 0; // lanes own bf16 pairs of each output row, else single elements
  constexpr int kOwned = kPairs ? kHeadDim / 32 : (kHeadDim + 31) / 32;
  static_assert(kTileTokens * kGroup == kRows, "tile rows");

  extern __shared__ float4 shared[];
  float *qs = reinterpret_cast<float *>(shared);              // [kRows, kHeadDim]
  bf16 *ks = reinterpret_cast<bf16 *>(qs + kRows * kHeadDim); // [kKeys, kKeyStride]
  bf16 *vs = ks + kKeys * kKeyStride;                         // [kKeys, kHeadDim]

  const int tile = blockIdx.x, kvHead = blockIdx.y, split = blockIdx.z;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int t0 = a.tiles[2 * tile], count = a.tiles[2 * tile + 1];
  const int p0 = a.positions[t0];
  const long long qWidth = (long long)a.numHeads * kHeadDim;
  const Mask mask{a.window};

  for (int i = threadIdx.x; i < kRows * kHeadDim / 4; i += blockDim.x) {
    const int r = i / (kHeadDim / 4), c = i % (kHeadDim / 4), token = r / kGroup;
    float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    if (token < count)
      v = *reinterpret_cast<const float4 *>(a.q + (t0 + token) * qWidth + (kvHead * kGroup + r % kGroup) * kHeadDim +
                                            c * 4);
    reinterpret_cast<float4 *>(qs)[i] = v;
  }

  const KeyRange keys = splitKeyRange(a, p0, count, split, kKeys);
  const int myBegin = keys.begin, myEnd = keys.end;
  const int *pageRow = a.kv.pageTable + (long long)a.tokenSequence[t0] * a.kv.pageTableStride;
  const bf16 *pool = a.kv.pool + (long long)kvHead * kHeadDim;

  float m[kRowsPerWarp], l[kRowsPerWarp], acc[kRowsPerWarp][kOwned];
#pragma unroll
  for (int i = 0; i < kRowsPerWarp; ++i) {
    m[i] = negativeInfinity();
    l[i] = 0.0f;
#pragma unroll
    for (int c = 0; c < kOwned; ++c)
      acc[i][c] = 0.0f;
  }

  for (int kt = myBegin; kt < myEnd; kt += kKeys) {
    __syncthreads(); // the queries are stored; the previous tile is consumed
    constexpr int kChunks = kHeadDim / 8;
    for (int i = threadIdx.x; i < kKeys * kChunks; i += blockDim.x) {
      const int j = i / kChunks, c = i % kChunks, position = kt + j;
      uint4 kv = make_uint4(0, 0, 0, 0), vv = make_uint4(0, 0, 0, 0); // zeros: masked keys add nothing
      if (position < myEnd) {
        const long long slot = (long long)pageRow[position / a.kv.pageSize] * a.kv.pageElements +
                               (long long)(position % a.kv.pageSize) * a.kv.rowElements + c * 8;
        kv = __ldg(reinterpret_cast<const uint4 *>(pool + slot + a.kv.keyOffset));
        vv = __ldg(reinterpret_cast<const uint4 *>(pool + slot + a.kv.valueOffset));
      }
      uint2 *kd = reinterpret_cast<uint2 *>(ks + j * kKeyStride + c * 8);
      kd[0] = make_uint2(kv.x, kv.y);
      kd[1] = make_uint2(kv.z, kv.w);
      *reinterpret_cast<uint4 *>(vs + j * kHeadDim + c * 8) = vv;
    }
    __syncthreads();

    const int keyPosition = kt + lane;
#pragma unroll
    for (int i = 0; i < kRowsPerWarp; ++i) {
      const int r = warp + i * kAttentionWarps;
      if (r >= kRows || r / kGroup >= count) // warp-uniform
        continue;
      const int queryPosition = p0 + r / kGroup;
      const bool visible = keyPosition < myEnd && mask(queryPosition, keyPosition);
      float s = negativeInfinity();
      if (visible) {
        const float *qr = qs + r * kHeadDim;
        const bf16 *kr = ks + lane * kKeyStride;
        float dot = 0.0f;
#pragma unroll 8
        for (int d = 0; d < kHeadDim; d += 4) {
          const float4 qv = *reinterpret_cast<const float4 *>(qr + d);
          const uint2 kv = *reinterpret_cast<const uint2 *>(kr + d);
          dot += qv.x * lowBf16(kv.x) + qv.y * highBf16(kv.x) + qv.z * lowBf16(kv.y) + qv.w * highBf16(kv.y);
        }
        s = dot * a.scale;
      }
      const float mNew = fmaxf(m[i], warpMax(s));
      if (mNew == negativeInfinity()) // nothing visible to this row yet
        continue;
      const float p = visible ? expf(s - mNew) : 0.0f;
      const float alpha = expf(m[i] - mNew);
      l[i] = l[i] * alpha + warpSum(p);
      m[i] = mNew;
#pragma unroll
      for (int c = 0; c < kOwned; ++c)
        acc[i][c] *= alpha;
#pragma unroll 4
      for (int j = 0; j < kKeys; ++j) {
        const float pj = __shfl_sync(0xffffffffu, p, j);
        const bf16 *vr = vs + j * kHeadDim;
        if constexpr (kPairs) {
#pragma unroll
          for (int c = 0; c < kOwned / 2; ++c) {
            const unsigned pair = *reinterpret_cast<const unsigned *>(vr + 2 * lane + 64 * c);
            acc[i][2 * c] += pj * lowBf16(pair);
            acc[i][2 * c + 1] += pj * highBf16(pair);
          }
        } else {
#pragma unroll
          for (int c = 0; c < kOwned; ++c)
            if (lane + 32 * c < kHeadDim)
              acc[i][c] += pj * bf16ToFloat(vr[lane + 32 * c]);
        }
      }
    }
  }

  // The output element that acc[i][c] holds.
  auto element = [&](int c) { return kPairs ? 2 * lane + 64 * (c / 2) + c % 2 : lane + 32 * c; };
#pragma unroll
  for (int i = 0; i < kRowsPerWarp; ++i) {
    const int r = warp + i * kAttentionWarps;
    if (r >= kRows || r / kGroup >= count)
      continue;
    if (a.splits == 1) {
      const float inverse = l[i] > 0.0f ? 1.0f / l[i] : 0.0f;
      float *out = a.o + (t0 + r / kGroup) * qWidth + (kvHead * kGroup + r % kGroup) * kHeadDim;
#pragma unroll
      for (int c = 0; c < kOwned; ++c)
        if (element(c) < kHeadDim)
          out[element(c)] = acc[i][c] * inverse;
    } else {
      float *part =
          a.partial + ((((long long)tile * a.numKvHeads + kvHead) * kRows + r) * a.splits + split) * (kHeadDim + 2);
      if (lane == 0)
        part[0] = m[i], part[1] = l[i];
#pragma unroll
      for (int c = 0; c < kOwned; ++c)
        if (element(c) < kHeadDim)
          part[2 + element(c)] = acc[i][c];
    }
  }
}

// One block per (tile, KV head, row): out = sum_s e^(m_s - M) o_s / sum_s e^(m_s - M) l_s.
// The first warp weighs the splits (at most 32) once; each thread then sums
// its output elements over the splits, the splits' loads independent.
__global__ void attentionCombine(AttentionCombineArgs a) {
  enterDependentGrid();
  __shared__ float weight[32];
  const int rows = a.tileRows;
  const int r = blockIdx.x % rows;
  const int tileHead = blockIdx.x / rows;
  const int kvHead = tileHead % a.numKvHeads, tile = tileHead / a.numKvHeads;
  const int token = r / a.group;
  if (token >= a.tiles[2 * tile + 1])
    return;
  const int stride = a.headDim + 2;
  const float *part = a.partial + (long long)blockIdx.x * a.splits * stride;
  if (threadIdx.x < 32) {
    const int s = threadIdx.x;
    const float m = s < a.splits ? part[s * stride] : negativeInfinity();
    const float l = s < a.splits ? part[s * stride + 1] : 0.0f;
    const float mMax = warpMax(m);
    const float e = m == negativeInfinity() ? 0.0f : expf(m - mMax);
    const float sum = warpSum(e * l);
    weight[s] = sum > 0.0f ? e / sum : 0.0f;
  }
  __syncthreads();
  float *out = a.o + (long long)(a.tiles[2 * tile] + token) * a.numHeads * a.headDim +
               (long long)(kvHead * a.group + r % a.group) * a.headDim;
  for (int d = threadIdx.x; d < a.headDim; d += blockDim.x) {
    float v = 0.0f;
#pragma unroll 4
    for (int s = 0; s < a.splits; ++s)
      v += weight[s] * part[s * stride + 2 + d];
    out[d] = v;
  }
}

} // namespace g4k
