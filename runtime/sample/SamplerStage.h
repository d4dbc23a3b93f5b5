// One stage of a sampler chain (llama.cpp's llama_sampler_i): stages narrow or
// reshape a candidate list; a final stage selects a token.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace g4::rt {

struct TokenCandidate {
  int32_t id = 0;
  float logit = 0;
};

struct Candidates {
  std::vector<TokenCandidate> items;
  bool sorted = false;   // items are by logit, descending; ties: lower id first
  int32_t selected = -1; // index into items, set by a selecting stage

  // Every token of a logits row, in id order.
  static Candidates fromLogits(std::span<const float> logits);
  // Sorts items as `sorted` describes (no-op when already sorted).
  void sort();
};

class SamplerStage {
public:
  virtual ~SamplerStage() = default;
  virtual const char *name() const = 0;
  // Transforms the candidates, or selects one.
  virtual void apply(Candidates &candidates) = 0;
  // Told the token finally chosen (for stages with history).
  virtual void accept(int32_t /*token*/) {}
  // Back to the state right after construction (e.g. the RNG's seed).
  virtual void reset() {}
};

} // namespace g4::rt
