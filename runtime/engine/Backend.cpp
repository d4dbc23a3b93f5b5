#include "engine/Backend.h"

namespace g4::rt {

void Backend::forwardGreedy(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                            std::vector<int32_t> &tokens) {
  std::vector<float> logits;
  forward(batch, kv, logits);
  const size_t vocab = logits.size() / batch.size();
  tokens.clear();
  for (uint32_t row : rows) {
    const float *r = logits.data() + size_t(row) * vocab;
    size_t best = 0;
    for (size_t v = 1; v < vocab; ++v)
      if (r[v] > r[best])
        best = v;
    tokens.push_back(int32_t(best));
  }
}

void Backend::forwardSampled(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                             std::span<const RowSampling> sampling, std::vector<int32_t> &tokens) {
  std::vector<float> logits;
  forward(batch, kv, logits);
  const size_t vocab = logits.size() / batch.size();
  tokens.clear();
  for (size_t i = 0; i < rows.size(); ++i)
    tokens.push_back(sampleRow({logits.data() + size_t(rows[i]) * vocab, vocab}, sampling[i]));
}

} // namespace g4::rt
