// Everything needed to run a plan on the CPU, built in dependency order: the
// verified plan, a KV cache sized for the requested sequences, the CPU backend
// (fp32 weights, KV storage; one per rank of a tensor-parallel plan, on
// threads with in-process collectives) and the engine driving them.
#pragma once

#include "engine/Backend.h"
#include "engine/Engine.h"
#include "kv/KvCache.h"
#include "plan/PlanFile.h"
#include "tp/Collectives.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

namespace g4::rt::cpu {

struct CpuModelOptions {
  std::filesystem::path weightsDir;     // overrides the plan's checkpoint_dir when not empty
  uint32_t maxSequences = 1;            // sequences alive at once
  uint32_t maxTokensPerSequence = 4096; // prompt plus generated tokens; at most max_position_embeddings
};

class CpuModel {
public:
  // Loads and verifies the plan and its weights; throws g4::Error.
  CpuModel(const std::filesystem::path &planPath, const CpuModelOptions &options);

  CpuModel(const CpuModel &) = delete;
  CpuModel &operator=(const CpuModel &) = delete;

  const PlanFile &plan() const { return plan_; }
  Engine &engine() { return engine_; }

private:
  PlanFile plan_;
  KvCache kv_;
  std::vector<std::unique_ptr<Collectives>> collectives_; // one per rank of a tensor-parallel plan
  std::unique_ptr<Backend> backend_;
  Engine engine_;
};

} // namespace g4::rt::cpu
