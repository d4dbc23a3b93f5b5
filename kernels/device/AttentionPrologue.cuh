// An Attention's prologue (plan.fbs), one launch before its attention
// kernel: blocks of 4 warps, one warp per (token, query head), normalizing
// and rotating q in place (the attention is its only reader); then, for a
// layer that writes its KV, one warp per (token, kv head) storing the
// normalized, rotated key and the (normalized) value as bf16 in the token's
// page slot. The CPU reference runs RmsNormRope, RmsNorm and the KV write in
// turn: the same fp32 operations (a weightless norm multiplies by 1, and
// pairs past rotaryPairs turn by angle 0, exactly).
#pragma once

#include "KvWrite.cuh"
#include "Rope.cuh"

namespace g4k {

__global__ void __launch_bounds__(128) attentionPrologue(AttentionPrologueArgs a) {
  enterDependentGrid();
  const int heads = a.numHeads + (a.kv.pool ? a.numKvHeads : 0), half = a.headDim / 2;
  const long long warp = (long long)blockIdx.x * 4 + threadIdx.x / 32;
  if (warp >= (long long)a.tokens * heads)
    return;
  const int t = int(warp / heads), h = int(warp % heads);
  const float position = float(a.positions[t]);
  if (h < a.numHeads) {
    float *q = a.q + ((long long)t * a.numHeads + h) * a.headDim;
    normRopeHead(q, a.qNorm, position, a.headDim, a.rotaryPairs, a.theta, a.factor, a.eps,
                 [&](int j, float y0, float y1) {
                   q[j] = y0;
                   q[j + half] = y1;
                 });
    return;
  }
  const int kvHead = h - a.numHeads;
  const long long row = ((long long)t * a.numKvHeads + kvHead) * a.headDim;
  bf16 *slot = a.kv.pool + kvSlotOffset(a.kv, a.tokenSequence[t], a.positions[t]) + (long long)kvHead * a.headDim;
  auto storeTo = [&](bf16 *to) {
    return [=](int j, float y0, float y1) {
      to[j] = floatToBf16(y0);
      to[j + half] = floatToBf16(y1);
    };
  };
  normRopeHead(a.k + row, a.kNorm, position, a.headDim, a.rotaryPairs, a.theta, a.factor, a.eps,
               storeTo(slot + a.kv.keyOffset));
  bf16 *value = slot + a.kv.valueOffset;
  if (a.vNorm)
    normRopeHead(a.v + row, nullptr, 0.0f, a.headDim, 0, a.theta, a.factor, a.eps, storeTo(value));
  else
    for (int e = threadIdx.x % 32; e < a.headDim; e += 32)
      value[e] = floatToBf16(a.v[row + e]);
}

} // namespace g4k
