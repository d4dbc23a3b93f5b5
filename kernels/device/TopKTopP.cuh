// Sampling on the GPU with the host chain's semantics (runtime/sample,
// RowSampling.h): per row x = logit / temperature, then min-p, top-k, top-p,
// and an inverse-CDF draw in token-id order over the kept tokens with the
// host's uniform. Greedy rows (temperature 0) take the argmax. One block per
// row; no sort (vLLM's and FlashInfer's radix top-k taught the shape):
//
// - Tokens are ordered by (x descending, id ascending), the host's sort
//   order. min-p, top-k and top-p each keep a prefix of that order, so the
//   kept set is one Cut: keys above a key, plus the ties at it up to an id.
// - A cut is found by radix select on an order-preserving 32-bit key of x
//   (digits of 11, 11 and 10 bits, a shared-memory histogram per digit over
//   the tokens still in question), weighting tokens by 1 (top-k) or by their
//   mass (top-p); ties at the final key are cut in id order.
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
inline constexpr int kIntMax = 0x7fffffff;

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

struct Shared {
  u64 bins[kMaxBins];
  u64 warpTotals[kWarps];
  float warpMax[kWarps];
  u64 found[3]; // a search's result: bin or range, weight before it, its weight; found[0] = ~0: none
};

struct Row {
  const float *logits;
  float temperature;
  __device__ float x(int i) const { return logits[i] / temperature; }
};

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

// A radix selection: the key of the first token (in the order above, among
// `cut`'s) whose cumulative weight exceeds the target, the target less the
// weight of the kept tokens above that key, and the weight at that key.
struct Selection {
  bool found;
  unsigned key;
  u64 remaining;
  u64 atKey;
};

template <class Weight>
__device__ Selection radixSelect(const Row &row, int vocab, Cut cut, Weight weight, u64 target, Shared &sh) {
  unsigned prefix = 0; // the digits chosen so far
  u64 remaining = target, atKey = 0;
  for (int pass = 0; pass < 3; ++pass) {
    const int digitBits = pass == 2 ? 10 : 11, shift = pass == 0 ? 21 : pass == 1 ? 10 : 0, bins = 1 << digitBits;
    for (int b = threadIdx.x; b < bins; b += kSampleThreads)
      sh.bins[b] = 0;
    if (threadIdx.x == 0)
      sh.found[0] = ~0ull;
    __syncthreads();
    for (int i = threadIdx.x; i < vocab; i += kSampleThreads) {
      const float x = row.x(i);
      const unsigned key = orderedKey(x);
      if (cut.keeps(key, i) && (pass == 0 || (key >> (shift + digitBits)) == prefix))
        atomicAdd(&sh.bins[(key >> shift) & unsigned(bins - 1)], weight(x));
    }
    __syncthreads();
    // Bins in descending order: each thread owns bins/kSampleThreads consecutive bins.
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
    const u64 bin = sh.found[0], binBefore = sh.found[1], binWeight = sh.found[2];
    __syncthreads();
    if (bin == ~0ull)
      return {false, 0, 0, 0};
    remaining -= binBefore;
    atKey = binWeight;
    prefix = (prefix << digitBits) | unsigned(bin);
  }
  return {true, prefix, remaining, atKey};
}

// The first id in [0, vocab) whose cumulative weight (id order) exceeds
// `target`, or -1; valid in every thread. weight(i) is 0 for tokens not in
// question.
template <class Weight> __device__ int findInIdOrder(int vocab, Weight weight, u64 target, Shared &sh) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  int lo = 0, hi = vocab;
  u64 base = 0;
  // Twice: each warp sums a 32nd of the range; keep the part holding the crossing.
  for (int level = 0; level < 2; ++level) {
    const int chunk = (hi - lo + kWarps - 1) / kWarps;
    const int begin = min(hi, lo + warp * chunk), end = min(hi, begin + chunk);
    u64 sum = 0;
    for (int i = begin + lane; i < end; i += 32)
      sum += weight(i);
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
      const u64 w = i < hi ? weight(i) : 0;
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
  auto inGroup = [&](int i) -> u64 { return orderedKey(row.x(i)) == key && cut.keeps(key, i) ? 1 : 0; };
  return {key, findInIdOrder(vocab, inGroup, take - 1, sh)};
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

  float maxX = negativeInfinity();
  for (int i = threadIdx.x; i < vocab; i += kSampleThreads)
    maxX = fmaxf(maxX, row.x(i));
  maxX = blockMax<kSampleThreads>(maxX, sh.warpMax);
  Cut cut{orderedKey(maxX + p.logMinP), kIntMax}; // min-p: x >= max + log(min_p)
  if (p.topK > 0) {
    const Selection s = radixSelect(row, vocab, cut, CountWeight{}, u64(p.topK - 1), sh);
    if (s.found) // else k >= the tokens kept: top-k keeps them all
      cut = cutAt(row, vocab, cut, s, u64(p.topK - 1), 1, nullptr, sh);
  }
  const MassWeight mass{maxX};
  u64 total = 0;
  for (int i = threadIdx.x; i < vocab; i += kSampleThreads) {
    const float x = row.x(i);
    if (cut.keeps(orderedKey(x), i))
      total += mass(x);
  }
  total = blockSumU64(total, sh);
  if (p.topP < 1) {
    // The smallest prefix whose mass reaches p * total: the first token whose cumulative mass exceeds ceil(p * total)
    // - 1.
    const u64 target = u64(ceil(double(p.topP) * double(total))) - 1;
    const Selection s = radixSelect(row, vocab, cut, mass, target, sh);
    cut = cutAt(row, vocab, cut, s, target, mass(keyValue(s.key)), &total, sh);
  }
  // floor(u * total) with u = uniform * 2^-53, exactly: the high bits of a 117-bit product.
  const u64 drawTarget = (__umul64hi(p.uniform, total) << 11) | ((p.uniform * total) >> 53);
  auto keptMass = [&](int i) -> u64 {
    const float x = row.x(i);
    return cut.keeps(orderedKey(x), i) ? mass(x) : 0;
  };
  const int id = findInIdOrder(vocab, keptMass, drawTarget, sh);
  if (threadIdx.x == 0)
    a.tokens[blockIdx.x] = id;
}

} // namespace g4k
