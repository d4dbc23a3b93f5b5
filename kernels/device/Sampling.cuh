// Greedy sampling on the GPU: the argmax of each logits row (ties: the lower
// token id, as the host's GreedyStage). One block per row.
#pragma once

#include "Common.cuh"

namespace g4k {

inline constexpr int kArgmaxThreads = 1024;

// The argmax of row[0, vocab) over a block of kArgmaxThreads threads (larger
// value first, then the lower id); valid in thread 0.
__device__ __forceinline__ int blockArgmax(const float *row, int vocab) {
  __shared__ float values[kArgmaxThreads / 32];
  __shared__ int ids[kArgmaxThreads / 32];
  float best = negativeInfinity();
  int id = -1;
  for (int v = threadIdx.x; v < vocab; v += kArgmaxThreads)
    if (row[v] > best || id < 0) // a thread's ids rise: the first of equal values wins
      best = row[v], id = v;
  auto better = [](float v0, int i0, float v1, int i1) { return v1 > v0 || (v1 == v0 && unsigned(i1) < unsigned(i0)); };
  for (int o = 16; o > 0; o >>= 1) {
    const float v = __shfl_xor_sync(0xffffffffu, best, o);
    const int i = __shfl_xor_sync(0xffffffffu, id, o);
    if (better(best, id, v, i))
      best = v, id = i;
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0)
    values[warp] = best, ids[warp] = id;
  __syncthreads();
  if (warp == 0) {
    best = values[lane], id = ids[lane];
    for (int o = 16; o > 0; o >>= 1) {
      const float v = __shfl_xor_sync(0xffffffffu, best, o);
      const int i = __shfl_xor_sync(0xffffffffu, id, o);
      if (better(best, id, v, i))
        best = v, id = i;
    }
  }
  return id;
}

__global__ void __launch_bounds__(kArgmaxThreads) argmax(ArgmaxArgs a) {
  enterDependentGrid();
  const int id = blockArgmax(a.logits + (long long)blockIdx.x * a.vocab, a.vocab);
  if (threadIdx.x == 0)
    a.tokens[blockIdx.x] = id;
}

} // namespace g4k
