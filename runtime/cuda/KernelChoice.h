// The plan's kernel choices for one instruction (plan.fbs KernelChoice, made
// by gemma4c's g4-select-tiles), resolved once at bind time against the
// plan's kernels and looked up per launch by the step's row count (and, for
// attention, its rows per tile). The plan loader has checked that they cover
// every row count.
#pragma once

#include "KernelFamilies.h"
#include "TileChoices.h"
#include "cuda/KernelTable.h"
#include "plan/plan_generated.h"

#include <array>
#include <cstdint>
#include <vector>

namespace g4::rt::cuda {

struct KernelChoice {
  uint32_t minRows = 1;
  uint32_t maxRows = kernels::kUnboundedRows;
  kernels::KernelFamily family = kernels::KernelFamily::Gemv;
  CUfunction function = nullptr; // the NVRTC kernel; null for a library call
  uint32_t tileTokens = 0;       // tokens per block (GEMV variant, attention tile)
  uint32_t tileRows = 0;         // query rows per attention block
  uint32_t sharedBytes = 0;      // dynamic shared memory per block
  uint32_t rowsPerTileAbove = 0; // 0, or: serves only steps whose query rows exceed this many per tile
  KernelTable::ClusterCapacity clusterCapacity{}; // splitWgmma, moeSplitWgmma: KernelTable::clusterCapacity
};

class KernelChoices {
public:
  KernelChoices() = default;
  // The instruction's choices; throws g4::Error for a kernel the plan's image lacks.
  KernelChoices(const plan::Instruction &inst, const KernelTable &kernels);
  // Choices not read from a plan (the GPU tests' direct launches).
  KernelChoices(const std::vector<kernels::KernelChoiceSpec> &specs, const KernelTable &kernels);

  // The choice serving a step of `rows` rows and `queryRows` query rows
  // (rows x group) in `tiles(tokens)` tiles of up to `tokens` tokens of one
  // sequence: the first of its rows whose condition holds. Throws g4::Error
  // when none does.
  template <class Tiles> const KernelChoice &at(uint32_t rows, uint64_t queryRows, Tiles tiles) const {
    for (const KernelChoice &choice : choices_)
      if (rows >= choice.minRows && rows <= choice.maxRows &&
          (!choice.rowsPerTileAbove || queryRows > uint64_t(choice.rowsPerTileAbove) * tiles(choice.tileTokens)))
        return choice;
    throwUncovered(rows);
  }
  // The choice serving `rows`, of a family without conditions.
  const KernelChoice &at(uint32_t rows) const {
    return at(rows, 0, [](uint32_t) { return 0u; });
  }

private:
  [[noreturn]] void throwUncovered(uint32_t rows) const;
  void add(kernels::KernelFamily family, std::string_view kernel, KernelChoice choice, const KernelTable &kernels);

  std::vector<KernelChoice> choices_;
};

// The largest row count up to `cap` that a choice of `family` serves in
// `program`, or 0 when none serves a row count up to `cap` (sizes the
// workspaces a family needs).
uint32_t largestRowsServed(const plan::Program &program, kernels::KernelFamily family, uint32_t cap);
// Whether a choice of `family` of `inst` serves a row count up to `cap`.
bool servesRows(const plan::Instruction &inst, kernels::KernelFamily family, uint32_t cap);

// The tiles the attention choices of `program` launch: their sizes in tokens
// (StepInputs::tiles) and the most query rows of a block.
struct AttentionTiling {
  std::vector<uint32_t> tileTokens;
  uint32_t maxTileRows = 0;
};
AttentionTiling attentionTiling(const plan::Program &program);

} // namespace g4::rt::cuda
