// The sampler stages: temperature, min-p, top-k, top-p, and the two selectors
// (greedy argmax, seeded random draw). Penalties: PenaltyStage.h.
#pragma once

#include "sample/SamplerStage.h"

#include <random>

namespace g4::rt {

// logit /= temperature (temperature > 0).
class TemperatureStage final : public SamplerStage {
public:
  explicit TemperatureStage(float temperature);
  const char *name() const override { return "temperature"; }
  void apply(Candidates &candidates) override;

private:
  float temperature_;
};

// Keeps the k highest logits (ties: lower id); k == 0 keeps all.
class TopKStage final : public SamplerStage {
public:
  explicit TopKStage(uint32_t k) : k_(k) {}
  const char *name() const override { return "top-k"; }
  void apply(Candidates &candidates) override;

private:
  uint32_t k_;
};

// Keeps the smallest prefix of the sorted candidates whose probability mass
// reaches p (0 < p <= 1; at least one candidate). Masses are double sums of
// the weights exp(logit - max logit), compared with p times their total.
class TopPStage final : public SamplerStage {
public:
  explicit TopPStage(float p);
  const char *name() const override { return "top-p"; }
  void apply(Candidates &candidates) override;

private:
  float p_;
};

// Keeps the candidates whose probability is at least p times the largest
// probability (0 <= p <= 1; vLLM's min_p).
class MinPStage final : public SamplerStage {
public:
  explicit MinPStage(float p);
  const char *name() const override { return "min-p"; }
  void apply(Candidates &candidates) override;

private:
  float p_;
};

// Selects the highest logit; ties go to the lowest id.
class GreedyStage final : public SamplerStage {
public:
  const char *name() const override { return "greedy"; }
  void apply(Candidates &candidates) override;
};

// u in [0, 1) from 53 random bits: bits * 2^-53, the same on every standard library.
inline double uniformFromBits(uint64_t bits) { return double(bits) * 0x1.0p-53; }

// Selects by inverse CDF with u in [0, 1): the first candidate in token-id
// order whose cumulative weight exceeds u times the total, weights being
// exp(logit - max logit) summed in double. Id order (not sorted order) is what
// a GPU scans cheaply after thresholding; the distribution is the same.
void selectByUniform(Candidates &candidates, double u);

// Draws from softmax(logits) with its own std::mt19937_64 seeded with `seed`.
class DrawStage final : public SamplerStage {
public:
  explicit DrawStage(uint64_t seed) : seed_(seed), rng_(seed) {}
  const char *name() const override { return "draw"; }
  void apply(Candidates &candidates) override;
  void reset() override { rng_.seed(seed_); }

  // The 53 random bits the next apply() takes, without taking them; skip()
  // then takes them (a draw made elsewhere with peek()'s bits).
  uint64_t peek() const;
  void skip() { rng_.discard(1); }

private:
  uint64_t seed_;
  std::mt19937_64 rng_;
};

} // namespace g4::rt
