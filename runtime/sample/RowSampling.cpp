#include "sample/RowSampling.h"

#include "sample/Stages.h"

namespace g4::rt {

void checkRowSampling(const RowSampling &row) {
  if (row.temperature != 0) {
    TemperatureStage{row.temperature};
    MinPStage{row.minP};
    TopPStage{row.topP};
  }
}

int32_t sampleRow(std::span<const float> logits, const RowSampling &row) {
  Candidates candidates = Candidates::fromLogits(logits);
  if (row.temperature == 0) {
    GreedyStage().apply(candidates);
  } else {
    TemperatureStage(row.temperature).apply(candidates);
    MinPStage(row.minP).apply(candidates);
    TopKStage(row.topK).apply(candidates);
    TopPStage(row.topP).apply(candidates);
    selectByUniform(candidates, uniformFromBits(row.uniform));
  }
  return candidates.items[size_t(candidates.selected)].id;
}

} // namespace g4::rt
