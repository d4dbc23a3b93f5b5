// Embed: y[t] = table[ids[t] - first] * scale (EmbedArgs). Grid (column
// blocks, token blocks), both grid-strided. Ids of the vocab outside this
// rank's rows yield zero rows, ids outside the vocab (the engine rejects
// those first) NaN rows.
#pragma once

#include "Common.cuh"

namespace g4k {

__global__ void embed(EmbedArgs a) {
  enterDependentGrid();
  for (int t = blockIdx.y; t < a.tokens; t += gridDim.y) {
    const int id = a.ids[t], local = id - a.first;
    const bool valid = id >= 0 && id < a.vocab, mine = local >= 0 && local < a.rows;
    const bf16 *row = a.table + (long long)(mine ? local : 0) * a.width;
    const float other = valid ? 0.0f : quietNan();
    float *y = a.y + (long long)t * a.width;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < a.width; i += gridDim.x * blockDim.x)
      y[i] = mine ? bf16ToFloat(row[i]) * a.scale : other;
  }
}

} // namespace g4k
