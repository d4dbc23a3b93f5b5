#include "cuda/KernelChoice.h"

#include "KernelArgs.h"
#include "cuda/CudaCheck.h"
#include "io/Error.h"

#include <algorithm>

namespace g4::rt::cuda {

KernelChoices::KernelChoices(const plan::Instruction &inst, const KernelTable &kernels) {
  if (!inst.kernels())
    return;
  for (const plan::KernelChoice *c : *inst.kernels())
    add(kernels::findFamily(c->family()->string_view())->family, c->kernel()->string_view(),
        {c->min_rows(),
         c->max_rows(),
         {},
         nullptr,
         c->tile_tokens(),
         c->tile_rows(),
         c->shared_bytes(),
         c->rows_per_tile_above()},
        kernels);
}

KernelChoices::KernelChoices(const std::vector<kernels::KernelChoiceSpec> &specs, const KernelTable &kernels) {
  for (const kernels::KernelChoiceSpec &s : specs)
    add(s.family, s.kernel,
        {s.minRows, s.maxRows, {}, nullptr, s.tileTokens, s.tileRows, s.sharedBytes, s.rowsPerTileAbove}, kernels);
}


void KernelChoices::add(kernels::KernelFamily family, std::string_view kernel, KernelChoice choice,
                        const KernelTable &table) {
  choice.family = family;
  if (!kernels::familyInfo(family).library)
    choice.function = table(std::string(kernel));
  if (family == kernels::KernelFamily::SplitWgmma || family == kernels::KernelFamily::MoeExpertWgmma)
    choice.clusterCapacity = table.clusterCapacity(choice.function, choice.sharedBytes);
  choices_.push_back(choice);
}

void KernelChoices::throwUncovered(uint32_t rows) const {
  throw Error("no kernel choice serves a step of " + std::to_string(rows) +
              " rows (the plan lacks kernel choices: " + "recompile it with gemma4c compile --arch)");
}

namespace {

// The instruction's choices of `family` that serve a row count up to `cap`.
template <class Visit>
void forChoicesServing(const plan::Instruction &inst, kernels::KernelFamily family, uint32_t cap, Visit visit) {
  const std::string_view name = kernels::familyInfo(family).name;
  if (inst.kernels())
    for (const plan::KernelChoice *c : *inst.kernels())
      if (c->family()->string_view() == name && c->min_rows() <= cap)
        visit(*c);
}

} // namespace

uint32_t largestRowsServed(const plan::Program &program, kernels::KernelFamily family, uint32_t cap) {
  uint32_t largest = 0;
  for (const plan::Instruction *inst : *program.instructions())
    forChoicesServing(*inst, family, cap,
                      [&](const plan::KernelChoice &c) { largest = std::max(largest, std::min(c.max_rows(), cap)); });
  return largest;
}

bool servesRows(const plan::Instruction &inst, kernels::KernelFamily family, uint32_t cap) {
  bool serves = false;
  forChoicesServing(inst, family, cap, [&](const plan::KernelChoice &) { serves = true; });
  return serves;
}

AttentionTiling attentionTiling(const plan::Program &program) {
  AttentionTiling tiling;
  for (const plan::Instruction *inst : *program.instructions())
    if (inst->op_type() == plan::Op::Attention && inst->kernels())
      for (const plan::KernelChoice *c : *inst->kernels()) {
        if (std::find(tiling.tileTokens.begin(), tiling.tileTokens.end(), c->tile_tokens()) == tiling.tileTokens.end())
          tiling.tileTokens.push_back(c->tile_tokens());
        tiling.maxTileRows = std::max(tiling.maxTileRows, c->tile_rows());
      }
  return tiling;
}

} // namespace g4::rt::cuda
