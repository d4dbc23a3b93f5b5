#include "sample/Stages.h"

#include "io/Error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace g4::rt {

Candidates Candidates::fromLogits(std::span<const float> logits) {
  Candidates candidates;
  candidates.items.reserve(logits.size());
  for (size_t i = 0; i < logits.size(); ++i)
    candidates.items.push_back({int32_t(i), logits[i]});
  return candidates;
}

void Candidates::sort() {
  if (sorted)
    return;
  std::sort(items.begin(), items.end(), [](const TokenCandidate &a, const TokenCandidate &b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  });
  sorted = true;
}

TemperatureStage::TemperatureStage(float temperature) : temperature_(temperature) {
  if (!(temperature > 0) || !std::isfinite(temperature))
    throw Error("temperature stage: temperature must be finite and > 0, got " + std::to_string(temperature));
}

void TemperatureStage::apply(Candidates &candidates) {
  for (TokenCandidate &c : candidates.items)
    c.logit /= temperature_;
}

void TopKStage::apply(Candidates &candidates) {
  if (k_ == 0 || k_ >= candidates.items.size())
    return;
  candidates.sort();
  candidates.items.resize(k_);
}

TopPStage::TopPStage(float p) : p_(p) {
  if (!(p > 0 && p <= 1))
    throw Error("top-p must be in (0, 1], got " + std::to_string(p));
}

void TopPStage::apply(Candidates &candidates) {
  if (p_ >= 1)
    return;
  candidates.sort();
  const float maxLogit = candidates.items.front().logit;
  double total = 0;
  for (const TokenCandidate &c : candidates.items)
    total += std::exp(c.logit - maxLogit);
  const double target = double(p_) * total;
  double mass = 0;
  size_t keep = 0;
  while (keep < candidates.items.size() && mass < target)
    mass += std::exp(candidates.items[keep++].logit - maxLogit);
  candidates.items.resize(std::max<size_t>(keep, 1));
}

MinPStage::MinPStage(float p) : p_(p) {
  if (!(p >= 0 && p <= 1))
    throw Error("min-p must be in [0, 1], got " + std::to_string(p));
}

void MinPStage::apply(Candidates &candidates) {
  if (p_ <= 0 || candidates.items.empty())
    return;
  // prob_i >= p * prob_max  <=>  logit_i >= logit_max + log(p).
  float maxLogit = -INFINITY;
  for (const TokenCandidate &c : candidates.items)
    maxLogit = std::max(maxLogit, c.logit);
  const float threshold = maxLogit + std::log(p_);
  std::erase_if(candidates.items, [&](const TokenCandidate &c) { return c.logit < threshold; });
}

void GreedyStage::apply(Candidates &candidates) {
  int32_t best = -1;
  for (size_t i = 0; i < candidates.items.size(); ++i) {
    const TokenCandidate &c = candidates.items[i];
    if (best < 0 || c.logit > candidates.items[size_t(best)].logit ||
        (c.logit == candidates.items[size_t(best)].logit && c.id < candidates.items[size_t(best)].id))
      best = int32_t(i);
  }
  candidates.selected = best;
}

void selectByUniform(Candidates &candidates, double u) {
  if (candidates.sorted) {
    std::sort(candidates.items.begin(), candidates.items.end(),
              [](const TokenCandidate &a, const TokenCandidate &b) { return a.id < b.id; });
    candidates.sorted = false;
  }
  float maxLogit = -INFINITY;
  for (const TokenCandidate &c : candidates.items)
    maxLogit = std::max(maxLogit, c.logit);
  double total = 0;
  for (const TokenCandidate &c : candidates.items)
    total += std::exp(c.logit - maxLogit);
  const double target = u * total;
  double cumulative = 0;
  candidates.selected = int32_t(candidates.items.size()) - 1;
  for (size_t i = 0; i < candidates.items.size(); ++i) {
    cumulative += std::exp(candidates.items[i].logit - maxLogit);
    if (target < cumulative) {
      candidates.selected = int32_t(i);
      break;
    }
  }
}

void DrawStage::apply(Candidates &candidates) { selectByUniform(candidates, uniformFromBits(rng_() >> 11)); }

uint64_t DrawStage::peek() const {
  std::mt19937_64 next = rng_;
  return next() >> 11;
}

} // namespace g4::rt
