// Sampling on the GPU with the host chain's semantics (runtime/sample,
// RowSampling.h): per row x = logit / temperature, then min-p, top-k, top-p,
// and an inverse-CDF draw in token-id order over the kept tokens with the
// host's uniform. Greedy rows (temperature 0) take the argmax. One block per
// row; no sort (vLLM's and FlashInfer's radix top-k taught the shape):
//
// - Tokens are ordered by (x descending, id ascending), the host's sort
//   order. min-p, top-k and top-p each keep a prefix of that order, so the
//   kept set is one Cut: keys above a key, plus the ties at it up to an id.
// - A cut is found by radix select, weighting tokens by 1 (top-k) or by their
//   mass (top-p): first over 2048 equal slices of the kept x range (Coarse: a
//   non-decreasing function of x, spreading the tokens over the histogram's
//   bins, where the key's own top bits would crowd them into a few and
//   serialize the atomics), then over an order-preserving 32-bit key of the
//   chosen slice's tokens (copied to shared memory when they fit; digits of
//   11, 11 and 10 bits, skipping those all of them share); ties at the final
//   key are cut in id order. Passes over a row issue kUnroll loads at once.
// - Masses are exp(x - max) in fixed point (44 fraction bits, 64-bit
//   integers): sums are exact in any order, so a block's totals never depend
//   on its schedule. The host sums the same float weights in double.
// - The draw finds the first kept token, in id order, whose cumulative mass
//   exceeds u times the total: per-warp range sums, twice narrowed, then one
//   warp's scan.
#pragma once

#include "Common.cuh"
#include "Sampling.cuh"

namespace g4k {
namespace sample {

using u64 = unsigned long long;
inline constexpr int kWarps = kSampleThreads / 32;
inline constexpr int kMaxBins = 2048;
inline constexpr int kMaxCandidates = 6144; // keys of one coarse bin held in shared memory
inline constexpr int kIntMax = 0x7fffffff;
inline constexpr int kUnroll = 8; // loads in flight per thread in a pass over a row

// Larger x, larger key; -0 and +0 (equal as floats) share +0's key.
__device__ __forceinline__ unsigned orderedKey(float x) {
  const unsigned bits = __float_as_uint(x + 0.0f);
  return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}
__device__ __forceinline__ float keyValue(unsigned key) {
  return __uint_as_float((key & 0x80000000u) ? key & 0x7fffffffu : ~key);
}

// exp(x - maxX) with 44 fraction bits: <= 2^44 each, so 2^18 tokens sum below 2^62.
__device__ __forceinline__ u64 fixedMass(float x, float maxX) { return u64(expf(x - maxX) * 0x1p44f); }

// The kept tokens: keys above `key`, and those at `key` with ids up to `lastId`.
struct Cut {
  unsigned key;
  int lastId;
  __device__ bool keeps(unsigned k, int id) const { return k > key || (k == key && id <= lastId); }
};

// The first digit of a selection: kMaxBins equal slices of [lo, maxX] (lower
// x: all in bin 0), a non-decreasing function of x, so a higher bin holds
// only larger keys. Unlike the key's top bits (sign, exponent), it spreads
// a row's tokens over the bins: few histogram atomics collide.
struct Coarse {
  float maxX, scale;
  __device__ unsigned bin(float x) const {
    return unsigned(kMaxBins - 1) - unsigned(fminf(fmaxf((maxX - x) * scale, 0.0f), float(kMaxBins - 1)));
  }
};

struct Shared {
  u64 bins[kMaxBins];
  unsigned keys[kMaxCandidates]; // the candidates of a coarse bin
  u64 warpTotals[kWarps];
  float warpMax[kWarps];
  u64 found[3]; // a search's result: bin or range, weight before it, its weight; found[0] = ~0: none
  unsigned count, minKey, maxKey;
};

struct Row {
  const float *logits;
  float temperature;
  __device__ float x(int i) const { return logits[i] / temperature; }
};

// f(i, x) for i = begin + first + j * step in [begin, end), kUnroll loads issued at once.
template <class F>
__device__ __forceinline__ void forRange(const Row &row, int begin, int end, int first, int step, F &&f) {
  int i = begin + first;
  for (; i + (kUnroll - 1) * step < end; i += kUnroll * step) {
    float v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      v[u] = __ldg(row.logits + i + u * step);
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      f(i + u * step, v[u] / row.temperature);
  }
  for (; i < end; i += step)
    f(i, row.x(i));
}
// f(i, x) over the row, spread over the block.
template <class F> __device__ __forceinline__ void forRow(const Row &row, int vocab, F &&f) {
  forRange(row, 0, vocab, threadIdx.x, kSampleThreads, f);
}

// Token weights of a selection: 1 (a count) or the fixed-point mass.
struct CountWeight {
  __device__ u64 operator()(float) const { return 1; }
};
struct MassWeight {
  float maxX;
  __device__ u64 operator()(float x) const { return fixedMass(x, maxX); }
};

__device__ __forceinline__ u64 warpSumU64(u64 v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Sum over the block; every thread gets it.
__device__ __forceinline__ u64 blockSumU64(u64 v, Shared &sh) {
  v = warpSumU64(v);
  if (threadIdx.x % 32 == 0)
    sh.warpTotals[threadIdx.x / 32] = v;
  __syncthreads();
  u64 total = 0;
  for (int w = 0; w < kWarps; ++w)
    total += sh.warpTotals[w];
  __syncthreads();
  return total;
}

// Sum of v over the threads after this one (higher thread index).
__device__ __forceinline__ u64 blockSuffixExclusive(u64 v, Shared &sh) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  u64 inclusive = v;
#pragma unroll
  for (int o = 1; o < 32; o <<= 1) {
    const u64 next = __shfl_down_sync(0xffffffffu, inclusive, o);
    if (lane + o < 32)
      inclusive += next;
  }
  if (lane == 0)
    sh.warpTotals[warp] = inclusive;
  __syncthreads();
  u64 after = inclusive - v;
  for (int w = warp + 1; w < kWarps; ++w)
    after += sh.warpTotals[w];
  __syncthreads();
  return after;
}

// Zeroes sh.bins[0, bins) and the search result; the caller syncs.
__device__ __forceinline__ void clearBins(int bins, Shared &sh) {
  for (int b = threadIdx.x; b < bins; b += kSampleThreads)
    sh.bins[b] = 0;
  if (threadIdx.x == 0)
    sh.found[0] = ~0ull;
}

// Over the histogram sh.bins[0, bins) in descending bin order: the bin where
// the cumulative weight first exceeds `remaining`, or -1; `remaining` less
// the weight of the bins above it, and its weight. Valid in every thread.
__device__ int chooseBin(int bins, u64 &remaining, u64 &binWeight, Shared &sh) {
  // Each thread owns bins/kSampleThreads consecutive bins.
  const int per = (bins + kSampleThreads - 1) / kSampleThreads;
  const int first = threadIdx.x * per, last = min(first + per, bins) - 1;
  u64 mine = 0;
  for (int b = first; b <= last; ++b)
    mine += sh.bins[b];
  u64 before = blockSuffixExclusive(mine, sh);
  for (int b = last; b >= first; --b) {
    if (before <= remaining && remaining < before + sh.bins[b])
      sh.found[0] = unsigned(b), sh.found[1] = before, sh.found[2] = sh.bins[b];
    before += sh.bins[b];
  }
  __syncthreads();
  const u64 bin = sh.found[0], binBefore = sh.found[1];
  binWeight = sh.found[2];
  __syncthreads();
  if (bin == ~0ull)
    return -1;
  remaining -= binBefore;
  return int(bin);
}

// The coarse histogram (Coarse bins) of `cut`'s tokens weighted by `weight`
// into sh.bins; returns their total weight.
template <class Weight>
__device__ u64 coarseHistogram(const Row &row, int vocab, Cut cut, Weight weight, const Coarse &coarse, Shared &sh) {
  clearBins(kMaxBins, sh);
  __syncthreads();
  forRow(row, vocab, [&](int i, float x) {
    if (cut.keeps(orderedKey(x), i))
      atomicAdd(&sh.bins[coarse.bin(x)], weight(x));
  });
  __syncthreads();
  u64 mine = 0;
  for (int b = threadIdx.x; b < kMaxBins; b += kSampleThreads)
    mine += sh.bins[b];
  return blockSumU64(mine, sh);
}

// A radix selection: the key of the first token (in the order above, among
// `cut`'s) whose cumulative weight exceeds the target, the target less the
// weight of the kept tokens above that key, and the weight at that key.
struct Selection {
  bool found;
  unsigned key;
  u64 remaining;
  u64 atKey;
};

// Radix select over sh.bins, coarseHistogram's result for the same cut and
// weight: the coarse bin first, then the keys of its tokens (copied to
// shared memory when they fit) in digits of 11, 11 and 10 bits, skipping
// the digits they all share.
template <class Weight>
__device__ Selection radixSelect(const Row &row, int vocab, Cut cut, Weight weight, u64 target, const Coarse &coarse,
                                 Shared &sh) {
  u64 remaining = target, atKey = 0;
  const int coarseBin = chooseBin(kMaxBins, remaining, atKey, sh);
  if (coarseBin < 0)
    return {false, 0, 0, 0};
  if (threadIdx.x == 0)
    sh.count = 0, sh.minKey = ~0u, sh.maxKey = 0;
  __syncthreads();
  auto candidate = [&](int i, float x, unsigned key) {
    return cut.keeps(key, i) && coarse.bin(x) == unsigned(coarseBin);
  };
  unsigned minKey = ~0u, maxKey = 0;
  forRow(row, vocab, [&](int i, float x) {
    const unsigned key = orderedKey(x);
    if (candidate(i, x, key)) {
      minKey = min(minKey, key), maxKey = max(maxKey, key);
      const unsigned slot = atomicAdd(&sh.count, 1u);
      if (slot < unsigned(kMaxCandidates))
        sh.keys[slot] = key;
    }
  });
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    minKey = min(minKey, __shfl_xor_sync(0xffffffffu, minKey, o));
    maxKey = max(maxKey, __shfl_xor_sync(0xffffffffu, maxKey, o));
  }
  if (threadIdx.x % 32 == 0 && minKey <= maxKey)
    atomicMin(&sh.minKey, minKey), atomicMax(&sh.maxKey, maxKey);
  __syncthreads();
  const unsigned n = sh.count, lowKey = sh.minKey, differing = sh.minKey ^ sh.maxKey;
  const bool inShared = n <= unsigned(kMaxCandidates);
  unsigned prefix = 0; // the digits chosen so far
  for (int pass = 0; pass < 3; ++pass) {
    const int digitBits = pass == 2 ? 10 : 11, shift = pass == 0 ? 21 : pass == 1 ? 10 : 0, bins = 1 << digitBits;
    if ((differing >> shift) == 0) { // every candidate has this digit: the bin holds all of them
      prefix = (prefix << digitBits) | ((lowKey >> shift) & unsigned(bins - 1));
      continue;
    }
    clearBins(bins, sh);
    __syncthreads();
    auto add = [&](unsigned key, float x) {
      if (pass == 0 || (key >> (shift + digitBits)) == prefix)
        atomicAdd(&sh.bins[(key >> shift) & unsigned(bins - 1)], weight(x));
    };
    if (inShared) {
      for (unsigned j = threadIdx.x; j < n; j += kSampleThreads) {
        const unsigned key = sh.keys[j];
        add(key, keyValue(key));
      }
    } else {
      forRow(row, vocab, [&](int i, float x) {
        const unsigned key = orderedKey(x);
        if (candidate(i, x, key))
          add(key, x);
      });
    }
    __syncthreads();
    const int bin = chooseBin(bins, remaining, atKey, sh);
    if (bin < 0)
      return {false, 0, 0, 0};
    prefix = (prefix << digitBits) | unsigned(bin);
  }
  return {true, prefix, remaining, atKey};
}

// The first id in [0, vocab) whose cumulative weight (id order) exceeds
// `target`, or -1; valid in every thread. weight(i, x) is 0 for tokens not
// in question.
template <class Weight> __device__ int findInIdOrder(const Row &row, int vocab, Weight weight, u64 target, Shared &sh) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  int lo = 0, hi = vocab;
  u64 base = 0;
  // Twice: each warp sums a 32nd of the range; keep the part holding the crossing.
  for (int level = 0; level < 2; ++level) {
    const int chunk = (hi - lo + kWarps - 1) / kWarps;
    const int begin = min(hi, lo + warp * chunk), end = min(hi, begin + chunk);
    u64 sum = 0;
    forRange(row, begin, end, lane, 32, [&](int i, float x) { sum += weight(i, x); });
    sum = warpSumU64(sum);
    if (lane == 0)
      sh.warpTotals[warp] = sum;
    __syncthreads();
    if (threadIdx.x == 0) {
      sh.found[0] = ~0ull;
      u64 before = base;
      for (int w = 0; w < kWarps; ++w) {
        if (before <= target && target < before + sh.warpTotals[w]) {
          sh.found[0] = u64(w), sh.found[1] = before;
          break;
        }
        before += sh.warpTotals[w];
      }
    }
    __syncthreads();
    const u64 part = sh.found[0], partBefore = sh.found[1];
    __syncthreads();
    if (part == ~0ull)
      return -1;
    lo = min(hi, lo + int(part) * chunk);
    hi = min(hi, lo + chunk);
    base = partBefore;
  }
  // One warp scans what is left, 32 ids at a time.
  if (warp == 0) {
    int id = -1;
    for (int start = lo; start < hi && id < 0; start += 32) {
      const int i = start + lane;
      const u64 w = i < hi ? weight(i, row.x(i)) : 0;
      u64 inclusive = w;
#pragma unroll
      for (int o = 1; o < 32; o <<= 1) {
        const u64 prev = __shfl_up_sync(0xffffffffu, inclusive, o);
        if (lane >= o)
          inclusive += prev;
      }
      const unsigned crossing = __ballot_sync(0xffffffffu, base + inclusive > target && base + inclusive - w <= target);
      if (crossing)
        id = start + __ffs(crossing) - 1;
      base += __shfl_sync(0xffffffffu, inclusive, 31);
    }
    if (lane == 0)
      sh.found[0] = u64(unsigned(id));
  }
  __syncthreads();
  const int id = int(unsigned(sh.found[0]));
  __syncthreads();
  return id;
}

// Narrows `cut` to the prefix `selection` (of a radixSelect over `cut` with
// `weight`) ends: keys above its key, and at its key the first ones (id
// order) the target needs. `weightAtKey` is one such token's weight. Adds
// the weight the new cut keeps to *kept when given.
__device__ Cut cutAt(const Row &row, int vocab, Cut cut, const Selection &selection, u64 target, u64 weightAtKey,
                     u64 *kept, Shared &sh) {
  const u64 take = selection.remaining / weightAtKey + 1; // the first count whose weight exceeds what remains
  if (kept)
    *kept = target - selection.remaining + take * weightAtKey;
  const int groupLast = cut.key == selection.key ? cut.lastId : kIntMax;
  if (take * weightAtKey == selection.atKey)
    return {selection.key, groupLast};
  const unsigned key = selection.key;
  auto inGroup = [&](int i, float x) -> u64 { return orderedKey(x) == key && cut.keeps(key, i) ? 1 : 0; };
  return {key, findInIdOrder(row, vocab, inGroup, take - 1, sh)};
}

} // namespace sample

__global__ void __launch_bounds__(kSampleThreads) sampleRows(SampleRowsArgs a) {
  using namespace sample;
  enterDependentGrid();
  __shared__ Shared sh;
  const SampleRowParams p = a.params[blockIdx.x];
  const int vocab = a.vocab;
  const Row row{a.logits + (long long)blockIdx.x * vocab, p.temperature};
  if (p.temperature == 0) {
    const int id = blockArgmax(row.logits, vocab);
    if (threadIdx.x == 0)
      a.tokens[blockIdx.x] = id;
    return;
  }

  float maxX = negativeInfinity(), minX = -negativeInfinity();
  forRow(row, vocab, [&](int, float x) { maxX = fmaxf(maxX, x), minX = fminf(minX, x); });
  maxX = blockMax<kSampleThreads>(maxX, sh.warpMax);
  minX = -blockMax<kSampleThreads>(-minX, sh.warpMax);
  Cut cut{orderedKey(maxX + p.logMinP), kIntMax}; // min-p: x >= max + log(min_p)
  // Coarse bins over the x min-p keeps (any scale keeps the selections exact; this one spreads the tokens).
  float scale = float(kMaxBins) / (maxX - fmaxf(minX, maxX + p.logMinP));
  if (!(scale < 3.0e38f))
    scale = 0;
  const Coarse coarse{maxX, scale};
  if (p.topK > 0) {
    coarseHistogram(row, vocab, cut, CountWeight{}, coarse, sh);
    const Selection s = radixSelect(row, vocab, cut, CountWeight{}, u64(p.topK - 1), coarse, sh);
    if (s.found) // else k >= the tokens kept: top-k keeps them all
      cut = cutAt(row, vocab, cut, s, u64(p.topK - 1), 1, nullptr, sh);
  }
  const MassWeight mass{maxX};
  u64 total = 0;
  if (p.topP < 1) {
    total = coarseHistogram(row, vocab, cut, mass, coarse, sh);
    // The smallest prefix whose mass reaches p * total: the first token whose cumulative mass exceeds ceil(p * total)
    // - 1.
    const u64 target = u64(ceil(double(p.topP) * double(total))) - 1;
    const Selection s = radixSelect(row, vocab, cut, mass, target, coarse, sh);
    cut = cutAt(row, vocab, cut, s, target, mass(keyValue(s.key)), &total, sh);
  } else {
    forRow(row, vocab, [&](int i, float x) {
      if (cut.keeps(orderedKey(x), i))
        total += mass(x);
    });
    total = blockSumU64(total, sh);
  }
  // floor(u * total) with u = uniform * 2^-53, exactly: the high bits of a 117-bit product.
  const u64 drawTarget = (__umul64hi(p.uniform, total) << 11) | ((p.uniform * total) >> 53);
  auto keptMass = [&](int i, float x) -> u64 { return cut.keeps(orderedKey(x), i) ? mass(x) : 0; };
  const int id = findInIdOrder(row, vocab, keptMass, drawTarget, sh);
  if (threadIdx.x == 0)
    a.tokens[blockIdx.x] = id;
}

} // namespace g4k
