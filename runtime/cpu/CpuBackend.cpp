#include "cpu/CpuBackend.h"

#include "cpu/Attention.h"
#include "cpu/Ops.h"

#include "io/Error.h"

#include <algorithm>

namespace g4::rt::cpu {

CpuBackend::CpuBackend(const PlanFile &plan, const WeightStore &weights, const KvCache &kv, Collectives *collectives)
    : plan_(plan), program_(plan.program("forward")), weights_(weights),
      storage_(kv.layout(), {kv.capacity(plan::AttentionKind::Sliding), kv.capacity(plan::AttentionKind::Full)}),
      buffers_(program_.buffers()->size()),
      collectives_(collectives), part_{collectives ? collectives->rank() : 0, plan.plan().tensor_parallel()} {
  const uint32_t ranks = plan.plan().tensor_parallel();
  if (ranks != (collectives ? collectives->ranks() : 1))
    throw Error(plan.path().string() + ": the plan is split over " + std::to_string(ranks) +
                " tensor-parallel ranks, the backend runs in a group of " +
                std::to_string(collectives ? collectives->ranks() : 1));
}

void CpuBackend::forward(const StepBatch &batch, const KvCache &kv, std::vector<float> &logits) {
  const size_t tokens = batch.size();
  for (uint32_t i = 0; i < buffers_.size(); ++i) {
    const plan::Buffer &b = *program_.buffers()->Get(i);
    if (b.dtype() == plan::DType::I32)
      buffers_[i].i32.resize(tokens * b.width());
    else
      buffers_[i].f32.resize(tokens * b.width());
  }
  std::copy(batch.tokenIds.begin(), batch.tokenIds.end(), buffers_[program_.token_ids()].i32.begin());
  std::copy(batch.positions.begin(), batch.positions.end(), buffers_[program_.positions()].i32.begin());
  for (const plan::Instruction *inst : *program_.instructions())
    execute(*inst, batch, kv);
  logits = buffers_[program_.logits()].f32;
}

void CpuBackend::execute(const plan::Instruction &inst, const StepBatch &batch, const KvCache &kv) {
  // Verified: every op has inputs and outputs; weights may be absent.
  const auto &inputs = *inst.inputs();
  const auto &outputs = *inst.outputs();
  const auto *weightIds = inst.weights();
  const size_t tokens = batch.size();

  // An output that is also an input is computed into scratch, then swapped in.
  scratch_.resize(outputs.size());
  std::vector<Activation *> out(outputs.size());
  for (uint32_t k = 0; k < outputs.size(); ++k) {
    const bool aliased = std::find(inputs.begin(), inputs.end(), outputs[k]) != inputs.end();
    out[k] = aliased ? &scratch_[k] : &buffers_[outputs[k]];
    if (aliased) {
      scratch_[k].f32.resize(buffers_[outputs[k]].f32.size());
      scratch_[k].i32.resize(buffers_[outputs[k]].i32.size());
    }
  }

  auto in = [&](uint32_t k) { return buffers_[inputs[k]].f32.data(); };
  auto inIds = [&](uint32_t k) { return buffers_[inputs[k]].i32.data(); };
  auto width = [&](uint32_t k) { return size_t(program_.buffers()->Get(inputs[k])->width()); };
  auto outWidth = [&](uint32_t k) { return size_t(program_.buffers()->Get(outputs[k])->width()); };
  auto weight = [&](uint32_t k) { return weights_[weightIds->Get(k)]; };
  auto weightDim = [&](uint32_t k, uint32_t d) {
    return size_t(plan_.plan().weights()->Get(weightIds->Get(k))->shape()->Get(d));
  };
  const size_t n = tokens * (inputs.size() ? width(0) : 0);

  switch (inst.op_type()) {
  case plan::Op::Embed:
    embed(inIds(0), tokens, weight(0), weightDim(0, 0), weightDim(0, 1), inst.op_as_Embed()->scale(),
          out[0]->f32.data(), inst.op_as_Embed()->vocab_sharded() ? part_ : RankPart{});
    break;
  case plan::Op::Linear:
    linear(in(0), weight(0), out[0]->f32.data(), tokens, width(0), outWidth(0));
    break;
  case plan::Op::RmsNorm: {
    const plan::RmsNorm &op = *inst.op_as_RmsNorm();
    const float *w = weightIds && weightIds->size() ? weight(0) : nullptr;
    rmsNorm(in(0), w, out[0]->f32.data(), tokens, width(0), op.group(), op.eps());
    break;
  }
  case plan::Op::Scale:
    scale(in(0), inst.op_as_Scale()->factor(), out[0]->f32.data(), n);
    break;
  case plan::Op::Add:
    add(in(0), in(1), out[0]->f32.data(), n);
    break;
  case plan::Op::Mul:
    mul(in(0), in(1), out[0]->f32.data(), n);
    break;
  case plan::Op::GeluTanhMul:
    geluTanhMul(in(0), in(1), out[0]->f32.data(), n);
    break;
  case plan::Op::Slice: {
    const plan::Slice &op = *inst.op_as_Slice();
    slice(in(0), out[0]->f32.data(), tokens, width(0), op.offset(), op.width());
    break;
  }
  case plan::Op::Rope: {
    const plan::Rope &op = *inst.op_as_Rope();
    rope(in(0), inIds(1), out[0]->f32.data(), tokens, width(0),
         {op.head_dim(), op.rotary_pairs(), op.theta(), op.factor()});
    break;
  }
  case plan::Op::Attention: {
    const plan::Attention &op = *inst.op_as_Attention();
    const float *q = in(0), *k = op.writes_kv() ? in(2) : nullptr, *v = op.writes_kv() ? in(3) : nullptr;
    if (op.prologue()) {
      const RopeParams rope{op.head_dim(), op.rotary_pairs(), op.rope_theta(), op.rope_factor()};
      auto scratch = [&](int i, size_t width) {
        prologue_[i].resize(tokens * width);
        return prologue_[i].data();
      };
      float *qNormed = scratch(0, width(0));
      rmsNormRope(q, weight(0), inIds(1), qNormed, tokens, width(0), op.norm_eps(), rope);
      q = qNormed;
      if (k) {
        float *kNormed = scratch(1, width(2));
        rmsNormRope(k, weight(1), inIds(1), kNormed, tokens, width(2), op.norm_eps(), rope);
        k = kNormed;
      }
      if (op.v_norm()) {
        float *vNormed = scratch(2, width(3));
        rmsNorm(v, nullptr, vNormed, tokens, width(3), op.head_dim(), op.norm_eps());
        v = vNormed;
      }
    }
    if (op.writes_kv())
      writeKv(kv, storage_, op.cache_layer(), batch.sequences, inIds(1), k, v);
    attend(kv, storage_, {op.cache_layer(), op.num_heads(), op.num_kv_heads(), op.head_dim(), op.window(), op.scale()},
           batch.sequences, inIds(1), q, out[0]->f32.data());
    break;
  }
  case plan::Op::MoeRouter: {
    const plan::MoeRouter &op = *inst.op_as_MoeRouter();
    moeRouter(in(0), weight(0), weight(1), weight(2), out[0]->f32.data(), out[1]->i32.data(), tokens, width(0),
              {op.num_experts(), op.top_k(), op.eps()});
    break;
  }
  case plan::Op::MoeExperts: {
    const plan::MoeExperts &op = *inst.op_as_MoeExperts();
    moeExperts(in(0), in(1), inIds(2), weight(0), weight(1), out[0]->f32.data(), tokens, width(0),
               {op.num_experts(), op.top_k(), op.intermediate(), op.experts_sharded() ? part_ : RankPart{}});
    break;
  }
  case plan::Op::AllReduce:
    std::copy_n(in(0), n, out[0]->f32.data());
    if (collectives_)
      collectives_->allReduceSum(out[0]->f32.data(), n);
    break;
  case plan::Op::AllGather:
    if (collectives_)
      collectives_->allGather(in(0), out[0]->f32.data(), tokens, width(0));
    else
      std::copy_n(in(0), n, out[0]->f32.data());
    break;
  case plan::Op::LayerScalar:
    scale(in(0), weight(0)[0], out[0]->f32.data(), n);
    break;
  case plan::Op::Softcap:
    softcap(in(0), inst.op_as_Softcap()->cap(), out[0]->f32.data(), n);
    break;
  case plan::Op::AddRmsNorm: {
    const plan::AddRmsNorm &op = *inst.op_as_AddRmsNorm();
    addRmsNorm(in(0), in(1), weight(0), out[0]->f32.data(), out[1]->f32.data(), tokens, width(0), op.eps(),
               op.x_norm() ? weight(1) : nullptr, op.scaled() ? weight(1 + op.x_norm()) : nullptr);
    break;
  }
  case plan::Op::RmsNormAdd:
    rmsNormAdd(in(0), in(1), weight(0), out[0]->f32.data(), tokens, width(0), inst.op_as_RmsNormAdd()->eps());
    break;
  case plan::Op::RmsNormRope: {
    const plan::RmsNormRope &op = *inst.op_as_RmsNormRope();
    rmsNormRope(in(0), weight(0), inIds(1), out[0]->f32.data(), tokens, width(0), op.eps(),
                {op.head_dim(), op.rotary_pairs(), op.theta(), op.factor()});
    break;
  }
  case plan::Op::GatedLinear:
    gatedLinear(in(0), weight(0), weight(1), out[0]->f32.data(), tokens, width(0), outWidth(0));
    break;
  case plan::Op::LmHead:
    lmHead(in(0), weight(0), out[0]->f32.data(), tokens, width(0), outWidth(0), inst.op_as_LmHead()->softcap());
    break;
  case plan::Op::MultiLinear:
    for (uint32_t k = 0; k < outputs.size(); ++k)
      linear(in(0), weight(k), out[k]->f32.data(), tokens, width(0), outWidth(k));
    break;
  case plan::Op::SliceGatedLinear:
    sliceGatedLinear(in(0), weight(0), in(1), out[0]->f32.data(), tokens, width(0), outWidth(0), width(1),
                     inst.op_as_SliceGatedLinear()->offset());
    break;
  case plan::Op::NONE:
    break; // the verifier rejects it
  }

  for (uint32_t k = 0; k < outputs.size(); ++k)
    if (out[k] == &scratch_[k])
      std::swap(buffers_[outputs[k]], scratch_[k]);
}

} // namespace g4::rt::cpu
