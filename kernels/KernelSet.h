// Which kernel instances the CUDA backend launches for a plan: the generic
// kernels, the fused variants of the fused instructions the plan holds, the
// NVRTC kernels its instructions' kernel choices name (GEMV variants, the
// attention variants, MoE expert kernels) and one MoE router instance per
// shape (experts, top-k). gemma4c compiles exactly these; the runtime
// expects them.
#pragma once

#include "KernelFamilies.h"
#include "plan/plan_generated.h"

#include <optional>
#include <string>
#include <vector>

namespace g4::kernels {

// The family role whose kernel choices run `op` on the CUDA backend, or none
// for an op run without choices.
std::optional<FamilyRole> choiceRole(plan::Op op);

// Sorted, without duplicates. Throws g4::Error for an instruction that needs
// kernel choices and has none, or a MoE router shape no kernel takes (top-k
// above 32).
std::vector<std::string> requiredKernels(const plan::Plan &plan);

} // namespace g4::kernels
