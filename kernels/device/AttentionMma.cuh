// Tensor-core paged attention: attention's semantics (Attention.cuh: causal
// and window mask, GQA rows, key splits for attentionCombine) computed with
// f16 mma.sync and a flash-attention-2 online softmax in fp32. Queries and
// probabilities are rounded to f16, whose unit roundoff is a quarter of
// bf16's (with scale 1 and unit-RMS heads, scores have a spread of
// sqrt(head_dim), so the queries' rounding dominates the error); each K/V
// tile is converted from the bf16 pool exactly for magnitudes in f16's normal
// range (normalized heads are): in shared memory by a pass over the tile when
// several row warps read each fragment (prefill tiles), in registers after
// ldmatrix when one does (decode: no extra pass and barrier).
//
// attentionMma<kHeadDim, kGroup, kRowWarps>: one block per (tile, KV head,
// split); a tile is up to attentionMmaTileTokens(kGroup, kRowWarps) tokens of
// one sequence, whose query rows (token x the group's heads) are staged once
// as f16. K/V tiles of attentionMmaKeys keys stream from the paged pool
// through two cp.async stages. Each warp takes 16 query rows (row warp rw),
// a share of the keys of each tile (key warp kw: its own softmax state, merged
// at the end) and a share of the output columns (column warp cw: for head_dim
// 512, whose 16 x 512 fp32 accumulators would not fit one warp's registers;
// the column warps of a row block split the tile's scores and exchange row
// maxima and probabilities through shared memory). Scores are kept in log2
// units (scale * log2 e folded in) for exp2.
#pragma once

#include "Attention.cuh"
#include "MmaPrimitives.cuh"

namespace g4k {

template <int kHeadDim, int kGroup, int kRowWarps, class Mask = CausalWindowMask>
__global__ void __launch_bounds__(attentionMmaThreads(kHeadDim, kRowWarps)) attentionMma(AttentionArgs a) {
  constexpr int kThreads = attentionMmaThreads(kHeadDim, kRowWarps);
  constexpr int kColWarps = attentionMmaColWarps(kHeadDim);
  constexpr int kKeyWarps = attentionMmaKeyWarps(kHeadDim, kRowWarps);
  constexpr int kKeys = attentionMmaKeys(kHeadDim); // keys per tile
  constexpr int kWarpKeys = kKeys / kKeyWarps;      // a key warp's share: the PV reduction
  constexpr int kScoreKeys = kWarpKeys / kColWarps; // keys a warp scores
  constexpr int kCols = kHeadDim / kColWarps;       // output columns of a warp
  constexpr int kRows = 16 * kRowWarps;
  constexpr int kTileTokens = attentionMmaTileTokens(kGroup, kRowWarps);
  constexpr int kTileRows = attentionMmaTileRows(kGroup, kRowWarps);
  constexpr int kStride = kHeadDim + 8; // bf16 rows of Q, K, V
  constexpr int kScoreStride = kWarpKeys + 8;
  constexpr int kOutStride = kHeadDim + 8; // fp32 rows of the epilogue
  constexpr int kStats = kKeyWarps * kColWarps * kRows;
  static_assert(kHeadDim % 16 == 0 && kScoreKeys % 8 == 0 && kWarpKeys % 16 == 0 && kCols % 16 == 0, "mma shapes");
  static_assert(kTileTokens >= 1, "group larger than the block's rows");
  static_assert(kKeyWarps * kRows * kOutStride * 4 <= 4 * kKeys * kStride * 2, "epilogue fits the K/V stages");

  extern __shared__ float4 shared[];
  bf16 *qs = reinterpret_cast<bf16 *>(shared); // [kRows, kStride]
  bf16 *ks = qs + kRows * kStride;             // [2, kKeys, kStride]
  bf16 *vs = ks + 2 * kKeys * kStride;         // [2, kKeys, kStride]
  bf16 *ps = vs + 2 * kKeys * kStride;         // kColWarps > 1: [kRowWarps * kKeyWarps, 16, kScoreStride]
  float *rowMax = reinterpret_cast<float *>(ps + (kColWarps > 1 ? kRowWarps * kKeyWarps * 16 * kScoreStride : 0));
  float *finalM = rowMax + kStats, *finalL = finalM + kStats; // [kKeyWarps, kColWarps, kRows]
  float *mergedM = finalL + kStats, *mergedL = mergedM + kRows;
  float *out = reinterpret_cast<float *>(ks); // epilogue: [kKeyWarps, kRows, kOutStride]

  enterDependentGrid();
  const int tile = blockIdx.x, kvHead = blockIdx.y, split = blockIdx.z;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const int cw = warp % kColWarps, kw = warp / kColWarps % kKeyWarps, rw = warp / (kColWarps * kKeyWarps);
  const int rowBase = 16 * rw;
  const int t0 = a.tiles[2 * tile], count = a.tiles[2 * tile + 1];
  const int p0 = a.positions[t0];
  const long long qWidth = (long long)a.numHeads * kHeadDim;
  const Mask mask{a.window};

  for (int i = threadIdx.x; i < kRows * kHeadDim / 4; i += kThreads) {
    const int r = i / (kHeadDim / 4), c = i % (kHeadDim / 4), token = r / kGroup;
    float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    if (token < count)
      v = *reinterpret_cast<const float4 *>(a.q + (t0 + token) * qWidth + (kvHead * kGroup + r % kGroup) * kHeadDim +
                                            c * 4);
    *reinterpret_cast<uint2 *>(qs + r * kStride + c * 4) = make_uint2(packF16(v.x, v.y), packF16(v.z, v.w));
  }

  const KeyRange keys = splitKeyRange(a, p0, count, split, kKeys);
  const int myBegin = keys.begin, myEnd = keys.end;
  const int myTiles = myEnd > myBegin ? (myEnd - myBegin + kKeys - 1) / kKeys : 0;
  const int *pageRow = a.kv.pageTable + (long long)a.tokenSequence[t0] * a.kv.pageTableStride;
  const bf16 *pool = a.kv.pool + (long long)kvHead * kHeadDim;

  // Keys past myEnd are zero-filled: their probabilities are 0, and 0 x garbage could be NaN.
  auto loadTile = [&](int kt, int stage) {
    constexpr int kChunks = kHeadDim / 8;
    for (int i = threadIdx.x; i < kKeys * kChunks; i += kThreads) {
      const int j = i / kChunks, c = i % kChunks, position = kt + j;
      const bool live = position < myEnd;
      long long slot = 0;
      if (live)
        slot = (long long)pageRow[position / a.kv.pageSize] * a.kv.pageElements +
               (long long)(position % a.kv.pageSize) * a.kv.rowElements + c * 8;
      const int at = (stage * kKeys + j) * kStride + c * 8;
      cpAsync16(ks + at, pool + slot + a.kv.keyOffset, live);
      cpAsync16(vs + at, pool + slot + a.kv.valueOffset, live);
    }
    cpAsyncCommit();
  };

  int queryPosition[2];
  bool rowLive[2];
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const int r = rowBase + g + 8 * h;
    rowLive[h] = r / kGroup < count;
    queryPosition[h] = p0 + r / kGroup;
  }
  const float scaleLog2 = a.scale * 1.4426950408889634f;
  float m[2] = {negativeInfinity(), negativeInfinity()}, l[2] = {0.0f, 0.0f};
  float o[kCols / 8][4];
#pragma unroll
  for (int j = 0; j < kCols / 8; ++j)
    o[j][0] = o[j][1] = o[j][2] = o[j][3] = 0.0f;

  if (myTiles > 0)
    loadTile(myBegin, 0);
  for (int it = 0; it < myTiles; ++it) {
    const int kt = myBegin + it * kKeys, stage = it & 1;
    cpAsyncWaitAll();
    __syncthreads(); // tile `it` landed; every warp is done with the other stage
    if (it + 1 < myTiles)
      loadTile(kt + kKeys, stage ^ 1);
    const bf16 *kTile = ks + stage * kKeys * kStride, *vTile = vs + stage * kKeys * kStride;
    constexpr bool kConvertShared = kRowWarps > 1;
    auto fragment = [](unsigned pair) { return kConvertShared ? pair : bf16PairToF16(pair); };
    if constexpr (kConvertShared) {
      for (int i = threadIdx.x; i < 2 * kKeys * kHeadDim / 8; i += kThreads) { // bf16 -> f16 in place
        const int j = i / (kHeadDim / 8) % kKeys, c = i % (kHeadDim / 8) * 8;
        uint4 *chunk =
            reinterpret_cast<uint4 *>(const_cast<bf16 *>(i < kKeys * kHeadDim / 8 ? kTile : vTile) + j * kStride + c);
        uint4 v = *chunk;
        v.x = bf16PairToF16(v.x), v.y = bf16PairToF16(v.y), v.z = bf16PairToF16(v.z), v.w = bf16PairToF16(v.w);
        *chunk = v;
      }
      __syncthreads();
    }

    // s = q k^T over this warp's keys.
    const int scoreBase = kw * kWarpKeys + cw * kScoreKeys;
    float s[kScoreKeys / 8][4];
#pragma unroll
    for (int n = 0; n < kScoreKeys / 8; ++n)
      s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.0f;
#pragma unroll
    for (int k0 = 0; k0 < kHeadDim; k0 += 16) {
      unsigned q[4];
      ldmatrixX4(q, qs + (rowBase + lane % 8 + (lane / 8 % 2) * 8) * kStride + k0 + (lane / 16) * 8);
#pragma unroll
      for (int n = 0; n < kScoreKeys / 8; ++n) {
        unsigned b[2];
        ldmatrixX2(b, kTile + (scoreBase + 8 * n + lane % 8) * kStride + k0 + (lane / 8 % 2) * 8);
        mmaF16(s[n], q, fragment(b[0]), fragment(b[1]));
      }
    }

    float tileMax[2] = {negativeInfinity(), negativeInfinity()};
#pragma unroll
    for (int n = 0; n < kScoreKeys / 8; ++n)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int h = e / 2, key = kt + scoreBase + 8 * n + 2 * t + e % 2;
        const bool visible = rowLive[h] && key < myEnd && mask(queryPosition[h], key);
        s[n][e] = visible ? s[n][e] * scaleLog2 : negativeInfinity();
        tileMax[h] = fmaxf(tileMax[h], s[n][e]);
      }
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      tileMax[h] = fmaxf(tileMax[h], __shfl_xor_sync(0xffffffffu, tileMax[h], 1));
      tileMax[h] = fmaxf(tileMax[h], __shfl_xor_sync(0xffffffffu, tileMax[h], 2));
    }
    if constexpr (kColWarps > 1) {
      float *mine = rowMax + (kw * kColWarps + cw) * kRows + rowBase;
      if (t == 0)
        mine[g] = tileMax[0], mine[g + 8] = tileMax[1];
      __syncthreads();
#pragma unroll
      for (int c = 0; c < kColWarps; ++c) {
        const float *theirs = rowMax + (kw * kColWarps + c) * kRows + rowBase;
        tileMax[0] = fmaxf(tileMax[0], theirs[g]);
        tileMax[1] = fmaxf(tileMax[1], theirs[g + 8]);
      }
    }

    float alpha[2];
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const float mNew = fmaxf(m[h], tileMax[h]);
      const float base = mNew == negativeInfinity() ? 0.0f : mNew; // a row with nothing visible yet stays at 0
      alpha[h] = exp2f(m[h] - base);
      m[h] = mNew;
      float sum = 0.0f;
#pragma unroll
      for (int n = 0; n < kScoreKeys / 8; ++n) {
        s[n][2 * h] = exp2f(s[n][2 * h] - base);
        s[n][2 * h + 1] = exp2f(s[n][2 * h + 1] - base);
        sum += s[n][2 * h] + s[n][2 * h + 1];
      }
      l[h] = l[h] * alpha[h] + sum; // this lane's columns; summed over the quad at the end
    }
#pragma unroll
    for (int j = 0; j < kCols / 8; ++j) {
      o[j][0] *= alpha[0], o[j][1] *= alpha[0];
      o[j][2] *= alpha[1], o[j][3] *= alpha[1];
    }

    // o += p v over the key warp's keys, for this warp's columns.
    auto accumulate = [&](const unsigned(&p)[4], int key0) {
#pragma unroll
      for (int j = 0; j < kCols / 16; ++j) {
        unsigned b[4];
        ldmatrixX4Trans(b, vTile + (key0 + lane % 8 + (lane / 8 % 2) * 8) * kStride + cw * kCols + 16 * j +
                               (lane / 16) * 8);
        mmaF16(o[2 * j], p, fragment(b[0]), fragment(b[1]));
        mmaF16(o[2 * j + 1], p, fragment(b[2]), fragment(b[3]));
      }
    };
    if constexpr (kColWarps == 1) { // the score fragments are the A fragments of p v
#pragma unroll
      for (int k = 0; k < kWarpKeys / 16; ++k) {
        const unsigned p[4] = {packF16(s[2 * k][0], s[2 * k][1]), packF16(s[2 * k][2], s[2 * k][3]),
                               packF16(s[2 * k + 1][0], s[2 * k + 1][1]), packF16(s[2 * k + 1][2], s[2 * k + 1][3])};
        accumulate(p, kw * kWarpKeys + 16 * k);
      }
    } else {
      bf16 *scores = ps + (rw * kKeyWarps + kw) * 16 * kScoreStride;
#pragma unroll
      for (int n = 0; n < kScoreKeys / 8; ++n) {
        const int column = cw * kScoreKeys + 8 * n + 2 * t;
        *reinterpret_cast<unsigned *>(scores + g * kScoreStride + column) = packF16(s[n][0], s[n][1]);
        *reinterpret_cast<unsigned *>(scores + (g + 8) * kScoreStride + column) = packF16(s[n][2], s[n][3]);
      }
      __syncthreads();
#pragma unroll
      for (int k = 0; k < kWarpKeys / 16; ++k) {
        unsigned p[4];
        ldmatrixX4(p, scores + (lane % 8 + (lane / 8 % 2) * 8) * kScoreStride + 16 * k + (lane / 16) * 8);
        accumulate(p, kw * kWarpKeys + 16 * k);
      }
    }
  }

  // Epilogue: merge the key warps' states (m, l summed over quads and column
  // warps), stage the scaled outputs in the freed K/V memory, then write rows.
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    l[h] += __shfl_xor_sync(0xffffffffu, l[h], 1);
    l[h] += __shfl_xor_sync(0xffffffffu, l[h], 2);
  }
  cpAsyncWaitAll();
  __syncthreads();
  if (t == 0)
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int at = (kw * kColWarps + cw) * kRows + rowBase + g + 8 * h;
      finalM[at] = m[h];
      finalL[at] = l[h];
    }
  __syncthreads();
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const int r = rowBase + g + 8 * h;
    float mAll = negativeInfinity();
#pragma unroll
    for (int w = 0; w < kKeyWarps; ++w)
      mAll = fmaxf(mAll, finalM[w * kColWarps * kRows + r]);
    const float factor = m[h] == negativeInfinity() ? 0.0f : exp2f(m[h] - mAll);
#pragma unroll
    for (int j = 0; j < kCols / 8; ++j)
      *reinterpret_cast<float2 *>(out + (kw * kRows + r) * kOutStride + cw * kCols + 8 * j + 2 * t) =
          make_float2(o[j][2 * h] * factor, o[j][2 * h + 1] * factor);
    if (kw == 0 && cw == 0 && t == 0) {
      float lAll = 0.0f;
#pragma unroll
      for (int w = 0; w < kKeyWarps * kColWarps; ++w) {
        const float mw = finalM[w * kRows + r];
        if (mw != negativeInfinity())
          lAll += finalL[w * kRows + r] * exp2f(mw - mAll);
      }
      mergedM[r] = mAll;
      mergedL[r] = lAll;
    }
  }
  __syncthreads();
  for (int i = threadIdx.x; i < kTileRows * kHeadDim / 4; i += kThreads) {
    const int r = i / (kHeadDim / 4), c = i % (kHeadDim / 4) * 4;
    if (r / kGroup >= count)
      continue;
    float4 v = *reinterpret_cast<const float4 *>(out + r * kOutStride + c);
#pragma unroll
    for (int w = 1; w < kKeyWarps; ++w) {
      const float4 x = *reinterpret_cast<const float4 *>(out + (w * kRows + r) * kOutStride + c);
      v.x += x.x, v.y += x.y, v.z += x.z, v.w += x.w;
    }
    if (a.splits == 1) {
      const float inverse = mergedL[r] > 0.0f ? 1.0f / mergedL[r] : 0.0f;
      *reinterpret_cast<float4 *>(a.o + (t0 + r / kGroup) * qWidth + (kvHead * kGroup + r % kGroup) * kHeadDim + c) =
          make_float4(v.x * inverse, v.y * inverse, v.z * inverse, v.w * inverse);
    } else { // attentionCombine's layout; m back in natural-log units
      float *part =
          a.partial + ((((long long)tile * a.numKvHeads + kvHead) * kTileRows + r) * a.splits + split) * (kHeadDim + 2);
      if (c == 0)
        part[0] = mergedM[r] * 0.6931471805599453f, part[1] = mergedL[r];
      part[2 + c] = v.x, part[3 + c] = v.y, part[4 + c] = v.z, part[5 + c] = v.w;
    }
  }
}

} // namespace g4k
