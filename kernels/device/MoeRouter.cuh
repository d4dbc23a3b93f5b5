// MoE routing after the router's logits (r @ proj^T, computed by the GEMV on
// r = rmsnorm_noscale(h) * scale): one warp per token scales the logits by
// hidden^-0.5, takes the softmax in fp32, picks the top-k (ties: the lower
// expert id first), renormalizes them to sum 1 and multiplies by
// per_expert_scale[id]. Blocks of 4 warps.
#pragma once

#include "Common.cuh"

namespace g4k {

template <int kExperts, int kTopK> __global__ void __launch_bounds__(128) moeRouter(MoeRouterArgs a) {
  enterDependentGrid();
  static_assert(kTopK <= kExperts && kTopK <= 32, "top-k within the experts and one warp");
  constexpr int kPerLane = (kExperts + 31) / 32;
  const int lane = threadIdx.x % 32;
  const int t = blockIdx.x * 4 + threadIdx.x / 32;
  if (t >= a.tokens)
    return;
  const float *logits = a.logits + (long long)t * kExperts;
  float p[kPerLane];
  float maxLogit = negativeInfinity();
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    const int e = lane + 32 * i;
    p[i] = e < kExperts ? logits[e] * a.hiddenScale : negativeInfinity();
    maxLogit = fmaxf(maxLogit, p[i]);
  }
  maxLogit = warpMax(maxLogit);
  float sum = 0.0f;
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    p[i] = lane + 32 * i < kExperts ? expf(p[i] - maxLogit) : 0.0f;
    sum += p[i];
  }
  sum = warpSum(sum);
#pragma unroll
  for (int i = 0; i < kPerLane; ++i)
    p[i] /= sum;

  // One warp-wide argmax per pick over the experts not taken yet.
  bool taken[kPerLane] = {};
  float topSum = 0.0f, mine = 0.0f;
  int myId = 0;
  for (int k = 0; k < kTopK; ++k) {
    float best = -1.0f;
    int id = kExperts;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i)
      if (!taken[i] && lane + 32 * i < kExperts && p[i] > best)
        best = p[i], id = lane + 32 * i;
    for (int o = 16; o > 0; o >>= 1) {
      const float v = __shfl_xor_sync(0xffffffffu, best, o);
      const int i = __shfl_xor_sync(0xffffffffu, id, o);
      if (v > best || (v == best && i < id))
        best = v, id = i;
    }
#pragma unroll
    for (int i = 0; i < kPerLane; ++i)
      taken[i] |= id == lane + 32 * i; // constant indices keep taken[] in registers
    topSum += best;
    if (lane == k)
      mine = best, myId = id;
  }
  if (lane < kTopK) {
    a.routeIds[t * kTopK + lane] = myId;
    a.routeWeights[t * kTopK + lane] = mine / topSum * bf16ToFloat(a.perExpertScale[myId]);
  }
}

} // namespace g4k
