// The interface every backend (CPU reference, CUDA) implements: run the plan's
// forward program over one step.
#pragma once

#include "kv/KvCache.h"
#include "sample/RowSampling.h"

#include <cstdint>
#include <span>
#include <vector>

namespace g4::rt {

// The tokens of one step, possibly of several sequences (prefill chunks and
// decode tokens mixed); the tokens of one sequence appear in position order.
struct StepBatch {
  std::vector<int32_t> tokenIds;  // [T]
  std::vector<int32_t> positions; // [T]
  std::vector<SeqId> sequences;   // [T]

  size_t size() const { return tokenIds.size(); }
};

class Backend {
public:
  virtual ~Backend() = default;

  // Runs the forward program over `batch`. `kv` already maps every position of
  // the batch (KvCache::apply); K/V are written into those pages. `logits`
  // receives [T, vocab_size], row t for batch token t.
  virtual void forward(const StepBatch &batch, const KvCache &kv, std::vector<float> &logits) = 0;

  // forward(), keeping only the greedy token of each of `rows` (indices of
  // batch tokens): tokens[i] = argmax of row rows[i] (ties: the lower id).
  // This default computes every row with forward() and takes the argmax on
  // the host; a device backend computes only the rows asked for.
  virtual void forwardGreedy(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                             std::vector<int32_t> &tokens);

  // forward(), keeping only a sampled token of each of `rows`: tokens[i] =
  // sampleRow(row rows[i], sampling[i]). This default computes every row with
  // forward() and samples on the host; a device backend samples where the
  // logits are, with the same semantics (RowSampling.h).
  virtual void forwardSampled(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                              std::span<const RowSampling> sampling, std::vector<int32_t> &tokens);
};

} // namespace g4::rt
