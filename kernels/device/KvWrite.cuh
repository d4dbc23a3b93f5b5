// Stores a step's K and V rows (fp32) as bf16 into the paged pool of one
// layer, at each token's (sequence, position). Grid (element blocks, token
// blocks), both grid-strided.
#pragma once

#include "Common.cuh"

namespace g4k {

// Element offset of slot `position` of a sequence's page table row in `kv`.
__device__ __forceinline__ long long kvSlotOffset(const KvPoolView &kv, int sequence, int position) {
  const int page = kv.pageTable[(long long)sequence * kv.pageTableStride + position / kv.pageSize];
  return (long long)page * kv.pageElements + (long long)(position % kv.pageSize) * kv.rowElements;
}

__global__ void kvWrite(KvWriteArgs a) {
  enterDependentGrid();
  for (int t = blockIdx.y; t < a.tokens; t += gridDim.y) {
    const long long slot = kvSlotOffset(a.kv, a.tokenSequence[t], a.positions[t]);
    const long long row = (long long)t * a.kv.rowElements;
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < a.kv.rowElements; e += gridDim.x * blockDim.x) {
      a.kv.pool[slot + a.kv.keyOffset + e] = floatToBf16(a.k[row + e]);
      a.kv.pool[slot + a.kv.valueOffset + e] = floatToBf16(a.v[row + e]);
    }
  }
}

} // namespace g4k
