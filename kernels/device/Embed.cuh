// Embed: y[t] = table[ids[t]] * scale. Grid (column blocks, token blocks),
// both grid-strided. An id outside the table (the engine rejects those first)
// yields NaN rows.
#pragma once

#include "Common.cuh"

namespace g4k {

__global__ void embed(EmbedArgs a) {
  enterDependentGrid();
  for (int t = blockIdx.y; t < a.tokens; t += gridDim.y) {
    const int id = a.ids[t];
    const bool valid = id >= 0 && id < a.rows;
    const bf16 *row = a.table + (long long)(valid ? id : 0) * a.width;
    float *y = a.y + (long long)t * a.width;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < a.width; i += gridDim.x * blockDim.x)
      y[i] = valid ? bf16ToFloat(row[i]) * a.scale : quietNan();
  }
}

} // namespace g4k
