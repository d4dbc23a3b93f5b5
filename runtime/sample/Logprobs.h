// Log-probabilities reported to clients (OpenAI `logprobs`).
//
// Semantics are vLLM's default (`logprobs_mode = raw_logprobs`): the
// log-softmax of the model's raw logits row, before penalties, temperature or
// truncation. The sampled token's entry is reported even when the sampler
// changed the distribution it was drawn from.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace g4::rt {

struct TokenLogprob {
  int32_t id = 0;
  float logprob = 0;
};

struct PositionLogprobs {
  TokenLogprob chosen;           // the sampled token
  std::vector<TokenLogprob> top; // the `topN` most likely, descending (ties: lower id first)
};

// logits: [vocab], the raw row the token was sampled from.
PositionLogprobs computeLogprobs(std::span<const float> logits, int32_t chosen, uint32_t topN);

} // namespace g4::rt
