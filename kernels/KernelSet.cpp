#include "KernelSet.h"

#include "KernelNames.h"
#include "io/Error.h"

#include <set>

namespace g4::kernels {

std::optional<FamilyRole> choiceRole(plan::Op op) {
  switch (op) {
  case plan::Op::Linear:
  case plan::Op::GatedLinear:
  case plan::Op::LmHead:
  case plan::Op::MultiLinear:
  case plan::Op::SliceGatedLinear:
  case plan::Op::MoeRouter: // its logits projection
    return FamilyRole::Linear;
  case plan::Op::Attention:
    return FamilyRole::Attention;
  case plan::Op::MoeExperts:
    return FamilyRole::MoeExperts;
  default:
    return std::nullopt;
  }
}

std::vector<std::string> requiredKernels(const plan::Plan &plan) {
  // The infrastructure every plan needs, whatever its choices.
  std::set<std::string> names = {
      kEmbed,   kSlice,     kSplitToBf16, kGatherRows, kRope,    kRmsNormRope, kKvWrite,    kAttentionPrologue, kAttentionCombine,
      kMoeSort, kMoeGateUp, kMoeDown,     kMoeCombine, kMoeGate, kArgmax,      kSampleRows, kFillDummy,
      kAbsMaxFloat, kAbsMaxBf16, kHalfExponents, kActivationsToHalf, kWeightsToHalf};
  for (ElementwiseOp op : kElementwiseOps)
    names.insert(elementwise(op));
  auto addRmsNorm = [&](bool addResidual) {
    for (int threads : kRmsNormThreads)
      names.insert(rmsNorm(threads, addResidual));
  };
  addRmsNorm(false);
  for (const plan::Program *program : *plan.programs())
    for (uint32_t i = 0; i < program->instructions()->size(); ++i) {
      const plan::Instruction *inst = program->instructions()->Get(i);
      if (choiceRole(inst->op_type()) && (!inst->kernels() || inst->kernels()->size() == 0))
        throw Error("instruction " + std::to_string(i) + " (" + plan::EnumNameOp(inst->op_type()) +
                    ") has no kernel choices: compile the plan with gemma4c compile --arch");
      if (inst->kernels())
        for (const plan::KernelChoice *choice : *inst->kernels()) {
          const FamilyInfo *family = choice->family() ? findFamily(choice->family()->string_view()) : nullptr;
          if (family && !family->library && choice->kernel())
            names.insert(choice->kernel()->str());
        }
      if (inst->op_type() == plan::Op::AddRmsNorm || inst->op_type() == plan::Op::RmsNormAdd)
        addRmsNorm(true);
      else if (const plan::MoeRouter *router = inst->op_as_MoeRouter()) {
        if (router->top_k() > 32)
          throw Error("MoE router: top_k " + std::to_string(router->top_k()) +
                      " is above 32, which the CUDA kernel takes");
        names.insert(moeRouter(router->num_experts(), router->top_k()));
      }
    }
  return {names.begin(), names.end()};
}

} // namespace g4::kernels
