// A chain of sampler stages applied in order to one logits row, ending in a
// selecting stage. Each request owns its chain, and so its own seeded RNG.
//
// The order follows vLLM: penalties on the raw logits, then greedy, or
// temperature -> min-p -> top-k -> top-p -> seeded draw.
#pragma once

#include "sample/RowSampling.h"
#include "sample/SamplerStage.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace g4::rt {

class DrawStage;

struct SamplingParams {
  float temperature = 0; // 0 = greedy
  uint32_t topK = 0;     // 0 = off
  float topP = 1;        // 1 = off
  uint64_t seed = 0;
  float minP = 0;              // 0 = off; keeps tokens with prob >= minP * max prob
  float repetitionPenalty = 1; // 1 = off; HF semantics over prompt and generated tokens
  float presencePenalty = 0;   // 0 = off; OpenAI semantics over generated tokens
  float frequencyPenalty = 0;  // 0 = off; OpenAI semantics over generated tokens

  bool hasPenalties() const { return repetitionPenalty != 1 || presencePenalty != 0 || frequencyPenalty != 0; }
};

class SamplerChain {
public:
  // An empty chain: add stages, the last one selecting.
  SamplerChain() = default;
  // Penalties (when set; `prompt` feeds the repetition penalty), then greedy
  // when temperature == 0, else temperature -> min-p -> top-k -> top-p ->
  // draw(seed). Throws g4::Error for a parameter out of range (see the stages).
  explicit SamplerChain(const SamplingParams &params, std::span<const int32_t> prompt = {});

  void add(std::unique_ptr<SamplerStage> stage);
  // Runs the stages over `logits` [vocab] and returns the selected token id;
  // accepts it into every stage.
  int32_t sample(std::span<const float> logits);
  void reset();

  // Sampling elsewhere (a device backend, RowSampling.h), for a chain made
  // from SamplingParams without penalties: offloadable() says whether it is
  // one; offload() gives its parameters and the bits its draw takes next,
  // changing nothing (a step may be retried); acceptOffloaded(token) then
  // takes those bits and accepts the token, so the chain continues as if
  // sample() had chosen it.
  bool offloadable() const { return offload_.has_value(); }
  RowSampling offload() const;
  void acceptOffloaded(int32_t token);

private:
  std::vector<std::unique_ptr<SamplerStage>> stages_;
  std::optional<RowSampling> offload_; // uniform unset
  DrawStage *draw_ = nullptr;          // the chain's draw (owned by stages_); null when greedy
};

} // namespace g4::rt
