// The CPU reference backend: interprets the plan's forward program one
// instruction at a time, fp32 throughout, on fp32 copies of the weights.
#pragma once

#include "cpu/CpuKvStorage.h"
#include "cpu/CpuWeights.h"
#include "cpu/Ops.h"
#include "engine/Backend.h"
#include "plan/PlanFile.h"
#include "tp/Collectives.h"
#include "weights/WeightStore.h"

#include <vector>

namespace g4::rt::cpu {

class CpuBackend final : public Backend {
public:
  // Converts the weights to fp32 and allocates storage for every page of
  // `kv`'s pools (whose layout must have 4-byte elements). `plan` must outlive
  // the backend; `weights` need not. A tensor-parallel plan runs as the rank
  // of `collectives` (which must outlive the backend; `weights` are that
  // rank's); a plan of one rank needs none.
  CpuBackend(const PlanFile &plan, const WeightStore &weights, const KvCache &kv, Collectives *collectives = nullptr);

  void forward(const StepBatch &batch, const KvCache &kv, std::vector<float> &logits) override;

private:
  // One buffer of the program, [T, width]; only the vector of its dtype is used.
  struct Activation {
    std::vector<float> f32;
    std::vector<int32_t> i32;
  };

  void execute(const plan::Instruction &inst, const StepBatch &batch, const KvCache &kv);

  const PlanFile &plan_;
  const plan::Program &program_;
  CpuWeights weights_;
  CpuKvStorage storage_;
  std::vector<Activation> buffers_; // indexed like Program.buffers
  std::vector<Activation> scratch_; // outputs of an instruction that also reads them
  std::vector<float> prologue_[3];  // an Attention prologue's normalized q, k, v
  Collectives *collectives_;
  RankPart part_; // this rank's part of split weights
};

} // namespace g4::rt::cpu
