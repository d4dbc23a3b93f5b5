// The kernel choices of a CUDA plan's instructions (plan.fbs KernelChoice):
// every projection, attention and MoE instruction has choices of known
// families that serve its op, sorted by rows and covering every row count
// exactly once (a conditional attention choice followed by the one of the
// same rows that serves the other steps), so that the CUDA backend finds a
// kernel for any step; an attention choice names its variant's instance for
// the op's head_dim and group, with that instance's tile.
#pragma once

#include "plan/plan_generated.h"

#include <string>

namespace g4::rt {

// Throws g4::Error "<label>: <what>", naming the rows left uncovered or
// covered twice and how to fix the plan.
void verifyKernelChoices(const plan::Instruction &inst, const std::string &label);

} // namespace g4::rt
