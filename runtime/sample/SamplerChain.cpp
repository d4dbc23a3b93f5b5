#include "sample/SamplerChain.h"

#include "io/Error.h"
#include "sample/PenaltyStage.h"
#include "sample/Stages.h"

#include <string>

namespace g4::rt {

SamplerChain::SamplerChain(const SamplingParams &params, std::span<const int32_t> prompt) {
  if (params.hasPenalties())
    add(std::make_unique<PenaltyStage>(
        PenaltyParams{params.repetitionPenalty, params.presencePenalty, params.frequencyPenalty}, prompt));
  if (params.temperature == 0) {
    add(std::make_unique<GreedyStage>());
    if (!params.hasPenalties())
      offload_ = RowSampling{};
    return;
  }
  if (!(params.temperature > 0))
    throw Error("temperature must be >= 0, got " + std::to_string(params.temperature));
  add(std::make_unique<TemperatureStage>(params.temperature));
  if (params.minP > 0)
    add(std::make_unique<MinPStage>(params.minP));
  add(std::make_unique<TopKStage>(params.topK));
  add(std::make_unique<TopPStage>(params.topP));
  auto draw = std::make_unique<DrawStage>(params.seed);
  draw_ = draw.get();
  add(std::move(draw));
  if (!params.hasPenalties())
    offload_ = RowSampling{params.temperature, params.topK, params.topP, params.minP, 0};
}

void SamplerChain::add(std::unique_ptr<SamplerStage> stage) {
  stages_.push_back(std::move(stage));
  offload_.reset(); // a stage added by hand may need the host
}

int32_t SamplerChain::sample(std::span<const float> logits) {
  Candidates candidates = Candidates::fromLogits(logits);
  for (const auto &stage : stages_)
    stage->apply(candidates);
  if (candidates.selected < 0 || size_t(candidates.selected) >= candidates.items.size())
    throw Error("sampler chain selected no token (its last stage must select)");
  const int32_t token = candidates.items[size_t(candidates.selected)].id;
  for (const auto &stage : stages_)
    stage->accept(token);
  return token;
}

RowSampling SamplerChain::offload() const {
  if (!offload_)
    throw Error("sampler chain: only a chain made from SamplingParams without penalties can sample elsewhere");
  RowSampling row = *offload_;
  if (draw_)
    row.uniform = draw_->peek();
  return row;
}

void SamplerChain::acceptOffloaded(int32_t token) {
  if (draw_)
    draw_->skip();
  for (const auto &stage : stages_)
    stage->accept(token);
}

void SamplerChain::reset() {
  for (const auto &stage : stages_)
    stage->reset();
}

} // namespace g4::rt
