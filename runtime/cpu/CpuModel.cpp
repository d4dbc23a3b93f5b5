#include "cpu/CpuModel.h"

#include "cpu/CpuBackend.h"
#include "tp/InProcessCollectives.h"
#include "tp/TensorParallelBackend.h"

#include <algorithm>

namespace g4::rt::cpu {

namespace {

KvCache makeKvCache(const PlanFile &plan, const CpuModelOptions &options) {
  KvLayout layout(plan.kv(), sizeof(float));
  const uint32_t tokens = std::min(options.maxTokensPerSequence, plan.model().max_position_embeddings());
  const KvCapacity capacity = KvCapacity::forTokens(layout, options.maxSequences, tokens);
  return KvCache(std::move(layout), capacity);
}

std::unique_ptr<Backend> makeBackend(const PlanFile &plan, const std::filesystem::path &weightsDir, const KvCache &kv,
                                     std::vector<std::unique_ptr<Collectives>> &collectives) {
  const std::filesystem::path dir = plan.checkpointDir(weightsDir);
  const uint32_t ranks = plan.plan().tensor_parallel();
  if (ranks == 1)
    return std::make_unique<CpuBackend>(plan, WeightStore(plan, dir), kv);
  auto group = std::make_shared<InProcessGroup>(ranks);
  std::vector<std::unique_ptr<Backend>> backends;
  for (uint32_t rank = 0; rank < ranks; ++rank) {
    collectives.push_back(std::make_unique<InProcessCollectives>(group, rank));
    backends.push_back(std::make_unique<CpuBackend>(plan, WeightStore(plan, dir, rank), kv, collectives.back().get()));
  }
  return std::make_unique<TensorParallelBackend>(std::move(backends), group);
}

} // namespace

CpuModel::CpuModel(const std::filesystem::path &planPath, const CpuModelOptions &options)
    : plan_(planPath), kv_(makeKvCache(plan_, options)),
      backend_(makeBackend(plan_, options.weightsDir, kv_, collectives_)), engine_(plan_, *backend_, kv_) {}

} // namespace g4::rt::cpu
