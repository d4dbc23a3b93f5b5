// runInstruction: each plan op (plan.fbs gives its semantics) onto its launcher.
#include "cuda/Ops.h"

#include "io/Error.h"

namespace g4::rt::cuda {

using kernels::ElementwiseOp;

namespace {

void runCollective(const OpEnv &env, const BoundInstruction &b, uint32_t rows) {
  const plan::Op op = b.inst->op_type();
  if (!env.collectives)
    throw Error(std::string(plan::EnumNameOp(op)) +
                " runs between the ranks of a tensor-parallel plan, but this CUDA backend has no NCCL communicator");
  if (op == plan::Op::AllReduce)
    env.collectives->allReduceSum(b.in[0], b.out[0], size_t(rows) * b.inWidth[0], env.stream);
  else
    env.collectives->allGather(b.in[0], b.out[0], rows, b.inWidth[0], env.workspace.gatherStaging, env.stream);
}

} // namespace

void runInstruction(const OpEnv &env, const BoundInstruction &b, uint32_t rows) {
  const plan::Instruction &inst = *b.inst;
  const uint64_t n = b.inWidth.empty() ? 0 : uint64_t(rows) * b.inWidth[0];
  switch (inst.op_type()) {
  case plan::Op::Embed:
    runEmbed(env, b, rows);
    break;
  case plan::Op::Linear:
    runLinear(env,
              {b.in[0], b.weights[0], 0, b.out[0], b.inWidth[0], b.outWidth[0], {}, 0, &b.choices,
               b.halfExponent(0)},
              rows);
    break;
  case plan::Op::RmsNorm: {
    const plan::RmsNorm &op = *inst.op_as_RmsNorm();
    runRmsNorm(env, b.in[0], b.weights.empty() ? 0 : b.weights[0], b.out[0], rows, b.inWidth[0], op.group(), op.eps());
    break;
  }
  case plan::Op::Scale:
    runElementwise(env, ElementwiseOp::Scale, b.in[0], 0, b.out[0], n, inst.op_as_Scale()->factor());
    break;
  case plan::Op::Add:
    runElementwise(env, ElementwiseOp::Add, b.in[0], b.in[1], b.out[0], n, 0);
    break;
  case plan::Op::Mul:
    runElementwise(env, ElementwiseOp::Mul, b.in[0], b.in[1], b.out[0], n, 0);
    break;
  case plan::Op::GeluTanhMul:
    runElementwise(env, ElementwiseOp::GeluTanhMul, b.in[0], b.in[1], b.out[0], n, 0);
    break;
  case plan::Op::Slice:
    runSlice(env, b, rows);
    break;
  case plan::Op::Rope: {
    const plan::Rope &op = *inst.op_as_Rope();
    runRope(env, b.in[0], b.in[1], b.out[0], rows, b.inWidth[0], op.head_dim(), op.rotary_pairs(), op.theta(),
            op.factor());
    break;
  }
  case plan::Op::Attention:
    runAttention(env, b, rows);
    break;
  case plan::Op::MoeRouter:
    runMoeRouter(env, b, rows);
    break;
  case plan::Op::MoeExperts:
    runMoeExperts(env, b, rows);
    break;
  case plan::Op::LayerScalar:
    runElementwise(env, ElementwiseOp::LayerScalar, b.in[0], 0, b.out[0], n, 0, b.weights[0]);
    break;
  case plan::Op::Softcap:
    runElementwise(env, ElementwiseOp::Softcap, b.in[0], 0, b.out[0], n, inst.op_as_Softcap()->cap());
    break;
  case plan::Op::AddRmsNorm: {
    const plan::AddRmsNorm &op = *inst.op_as_AddRmsNorm();
    const CUdeviceptr xNorm = op.x_norm() ? b.weights[1] : 0, scalar = op.scaled() ? b.weights[1 + op.x_norm()] : 0;
    runAddRmsNorm(env, {b.in[0], b.in[1], b.weights[0], xNorm, scalar, b.out[0], b.out[1]}, rows, b.inWidth[0],
                  op.eps());
    break;
  }
  case plan::Op::RmsNormAdd: // AddRmsNorm's post-norm of x and sum, no output norm
    runAddRmsNorm(env, {b.in[0], b.in[1], 0, b.weights[0], 0, b.out[0], 0}, rows, b.inWidth[0],
                  inst.op_as_RmsNormAdd()->eps());
    break;
  case plan::Op::RmsNormRope:
    runRmsNormRope(env, b, rows);
    break;
  case plan::Op::GatedLinear:
    runLinear(env,
              {b.in[0], b.weights[0], b.weights[1], b.out[0], b.inWidth[0], b.outWidth[0],
               kernels::GemvEpilogue::GeluTanhGate, 0, &b.choices, b.halfExponent(0), b.halfExponent(1)},
              rows);
    break;
  case plan::Op::LmHead: {
    const float cap = inst.op_as_LmHead()->softcap();
    runLinear(env,
              {b.in[0], b.weights[0], 0, b.out[0], b.inWidth[0], b.outWidth[0],
               cap > 0 ? kernels::GemvEpilogue::Softcap : kernels::GemvEpilogue::Plain, cap, &b.choices,
               b.halfExponent(0)},
              rows);
    break;
  }
  case plan::Op::MultiLinear:
    runMultiLinear(env, b, rows);
    break;
  case plan::Op::SliceGatedLinear:
    runSliceGatedLinear(env, b, rows);
    break;
  case plan::Op::AllReduce:
  case plan::Op::AllGather:
    runCollective(env, b, rows);
    break;
  case plan::Op::NONE:
    break; // the verifier rejects it
  }
}

} // namespace g4::rt::cuda
