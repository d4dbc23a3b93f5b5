#include "bench/Roofline.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace g4::rt::bench {

StepBytes decodeStepBytes(const PlanFile &plan, std::span<const int32_t> contexts) {
  const plan::Program &program = plan.program("forward");
  const auto &weights = *plan.plan().weights();
  const double batch = double(contexts.size());
  // The share of each weight the step reads: 1 unless only embedded, or an expert tensor.
  std::vector<double> share(weights.size(), 0.0);
  StepBytes bytes;
  for (const plan::Instruction *inst : *program.instructions()) {
    if (!inst->weights())
      continue;
    for (uint32_t w : *inst->weights()) {
      const plan::Weight &weight = *weights.Get(w);
      const double rows = double(weight.shape()->Get(0));
      if (inst->op_type() == plan::Op::Embed) {
        share[w] = std::max(share[w], std::min(1.0, batch / rows));
        continue;
      }
      if (const plan::MoeExperts *op = inst->op_as_MoeExperts()) {
        const double pick = double(op->top_k()) / double(op->num_experts()); // a token's chance to choose an expert
        share[w] = std::max(share[w], 1.0 - std::pow(1.0 - pick, batch));
      } else {
        share[w] = 1.0;
      }
    }
    if (const plan::Attention *op = inst->op_as_Attention()) {
      const uint64_t row = uint64_t(op->num_kv_heads()) * op->head_dim() * 2 /* bf16 */ * 2 /* K and V */;
      for (int32_t context : contexts)
        bytes.kv += row * uint64_t(op->window() ? std::min<int64_t>(context, op->window()) : context);
    }
  }
  for (uint32_t w = 0; w < weights.size(); ++w) {
    bytes.weights += uint64_t(share[w] * double(elementCount(*weights.Get(w)) * 2));
  }
  return bytes;
}

double prefillFlops(const PlanFile &plan, std::span<const int32_t> prompts) {
  const auto &instructions = *plan.program("forward").instructions();
  const auto &weights = *plan.plan().weights();
  uint32_t lastAttention = 0;
  for (uint32_t i = 0; i < instructions.size(); ++i)
    if (instructions.Get(i)->op_type() == plan::Op::Attention)
      lastAttention = i;
  double tokens = 0;
  for (int32_t length : prompts)
    tokens += length;
  auto dims = [&](const plan::Instruction &inst, uint32_t k) {
    const auto &shape = *weights.Get(inst.weights()->Get(k))->shape();
    return std::pair{double(shape.Get(shape.size() - 2)), double(shape.Get(shape.size() - 1))}; // [out, in]
  };
  double flops = 0;
  for (uint32_t i = 0; i < instructions.size(); ++i) {
    const plan::Instruction &inst = *instructions.Get(i);
    const double rows = i <= lastAttention ? tokens : double(prompts.size());
    switch (inst.op_type()) {
    case plan::Op::Linear:
    case plan::Op::LmHead:
    case plan::Op::SliceGatedLinear:
    case plan::Op::MoeRouter: {
      const auto [out, in] = dims(inst, 0);
      flops += 2 * rows * in * out;
      break;
    }
    case plan::Op::GatedLinear: {
      const auto [out, in] = dims(inst, 0);
      flops += 4 * rows * in * out;
      break;
    }
    case plan::Op::MultiLinear:
      for (uint32_t k = 0; k < inst.weights()->size(); ++k) {
        const auto [out, in] = dims(inst, k);
        flops += 2 * rows * in * out;
      }
      break;
    case plan::Op::MoeExperts: {
      const plan::MoeExperts &op = *inst.op_as_MoeExperts();
      const auto [gateUpRows, hidden] = dims(inst, 0);
      flops += 2 * rows * op.top_k() * (gateUpRows * hidden + hidden * op.intermediate());
      break;
    }
    case plan::Op::Attention: {
      const plan::Attention &op = *inst.op_as_Attention();
      double keys = 0;
      for (int32_t length : prompts)
        for (int32_t p = 0; p < length; ++p)
          keys += op.window() ? std::min<double>(p + 1, op.window()) : p + 1;
      flops += 4 * keys * op.num_heads() * op.head_dim();
      break;
    }
    default:
      break;
    }
  }
  return flops;
}

} // namespace g4::rt::bench
