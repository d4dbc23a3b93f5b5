// One logits row's sampling as plain data, for a backend that samples where
// the logits are (the CUDA backend's sampleRows kernel): the parameters of a
// penalty-free chain (SamplerChain::offload) and the random bits its draw
// takes. sampleRow() is the host's reading of it, through the chain's stages,
// and the reference the device is tested against.
#pragma once

#include <cstdint>
#include <span>

namespace g4::rt {

struct RowSampling {
  float temperature = 0; // 0: greedy (argmax of the raw row, ties to the lower id)
  uint32_t topK = 0;     // 0 = off
  float topP = 1;        // 1 = off
  float minP = 0;        // 0 = off
  uint64_t uniform = 0;  // 53 random bits: the draw's u = uniform * 2^-53, in [0, 1)
};

// Throws g4::Error for a parameter out of range (the stages' own checks).
void checkRowSampling(const RowSampling &row);

// The token the chain temperature -> min-p -> top-k -> top-p -> draw(u)
// (or greedy) selects from `logits` [vocab].
int32_t sampleRow(std::span<const float> logits, const RowSampling &row);

} // namespace g4::rt
