#include "plan/InstructionVerifier.h"

#include "io/Error.h"
#include "plan/VerifierSupport.h"

#include <cmath>
#include <vector>

namespace g4::rt {

namespace {

using plan::AttentionKind;
using plan::DType;
using namespace verify;

// Checks one instruction's operands against its op's contract in plan.fbs.
class InstructionChecker {
public:
  InstructionChecker(const plan::Plan &plan, const plan::Program &program, uint32_t index, const std::string &where)
      : plan_(plan), program_(program), index_(index), inst_(*program.instructions()->Get(index)), where_(where) {}

  void run();

private:
  std::string label() const {
    return where_ + ": program '" + program_.name()->str() + "' instruction " + std::to_string(index_);
  }
  [[noreturn]] void fail(const std::string &what) const {
    throw Error(label() + " (" + plan::EnumNameOp(inst_.op_type()) + "): " + what);
  }

  uint32_t numInputs() const { return sizeOf(inst_.inputs()); }
  uint32_t numOutputs() const { return sizeOf(inst_.outputs()); }
  uint32_t numWeights() const { return sizeOf(inst_.weights()); }

  void expectCounts(uint32_t inputs, uint32_t outputs, uint32_t weights) const {
    if (numInputs() != inputs || numOutputs() != outputs || numWeights() != weights)
      fail("expects " + std::to_string(inputs) + " inputs, " + std::to_string(outputs) + " outputs and " +
           std::to_string(weights) + " weights, found " + std::to_string(numInputs()) + ", " +
           std::to_string(numOutputs()) + " and " + std::to_string(numWeights()));
  }

  std::string bufferLabel(const char *list, uint32_t i, uint32_t buffer) const {
    std::string label = std::string(list) + "[" + std::to_string(i) + "] (buffer " + std::to_string(buffer);
    if (auto name = program_.buffers()->Get(buffer)->name())
      label += " '" + name->str() + "'";
    return label + ")";
  }
  std::string inputLabel(uint32_t i) const { return bufferLabel("inputs", i, inst_.inputs()->Get(i)); }
  std::string outputLabel(uint32_t i) const { return bufferLabel("outputs", i, inst_.outputs()->Get(i)); }
  std::string weightLabel(uint32_t i) const {
    const plan::Weight &w = weight(i);
    return "weights[" + std::to_string(i) + "] '" + w.name()->str() + "' shape " + shapeString(*w.shape());
  }

  const plan::Buffer &buffer(uint32_t index) const { return *program_.buffers()->Get(index); }

  // The width of inputs[i], after checking its dtype.
  uint32_t input(uint32_t i, DType dtype) const {
    const plan::Buffer &b = buffer(inst_.inputs()->Get(i));
    if (b.dtype() != dtype)
      fail(inputLabel(i) + " must be " + dtypeName(dtype) + ", found " + dtypeName(b.dtype()));
    return b.width();
  }
  uint32_t output(uint32_t i, DType dtype) const {
    const plan::Buffer &b = buffer(inst_.outputs()->Get(i));
    if (b.dtype() != dtype)
      fail(outputLabel(i) + " must be " + dtypeName(dtype) + ", found " + dtypeName(b.dtype()));
    return b.width();
  }
  void expectInputWidth(uint32_t i, DType dtype, uint64_t width, const std::string &why) const {
    if (input(i, dtype) != width)
      fail(inputLabel(i) + " has width " + std::to_string(buffer(inst_.inputs()->Get(i)).width()) + ", " + why +
           " needs " + std::to_string(width));
  }
  void expectOutputWidth(uint32_t i, DType dtype, uint64_t width, const std::string &why) const {
    if (output(i, dtype) != width)
      fail(outputLabel(i) + " has width " + std::to_string(buffer(inst_.outputs()->Get(i)).width()) + ", " + why +
           " needs " + std::to_string(width));
  }

  const plan::Weight &weight(uint32_t i) const { return *plan_.weights()->Get(inst_.weights()->Get(i)); }
  // weights[i]'s shape after checking it has `rank` dimensions.
  const FbVector<int64_t> &weightShape(uint32_t i, uint32_t rank) const {
    const FbVector<int64_t> &shape = *weight(i).shape();
    if (shape.size() != rank)
      fail(weightLabel(i) + " must have " + std::to_string(rank) + " dimensions");
    return shape;
  }
  void expectWeightShape(uint32_t i, const std::vector<uint64_t> &expected, const std::string &why) const {
    const FbVector<int64_t> &shape = weightShape(i, uint32_t(expected.size()));
    for (uint32_t d = 0; d < shape.size(); ++d) {
      if (uint64_t(shape[d]) != expected[d]) {
        std::string e = "[";
        for (size_t k = 0; k < expected.size(); ++k)
          e += (k ? ", " : "") + std::to_string(expected[k]);
        fail(weightLabel(i) + " must be " + e + "] (" + why + ")");
      }
    }
  }

  void checkIndices() const;
  void checkElementwise(uint32_t numIn) const;
  void checkEmbed(const plan::Embed &op) const;
  void checkAllGather() const;
  void expectSplitPlan(bool sharded, const char *flag) const;
  void checkLinear() const;
  void checkRmsNorm(const plan::RmsNorm &op) const;
  void checkSlice(const plan::Slice &op) const;
  void checkRope(const plan::Rope &op) const;
  void checkAttention(const plan::Attention &op) const;
  void checkMoeRouter(const plan::MoeRouter &op) const;
  void checkMoeExperts(const plan::MoeExperts &op) const;
  void checkLayerScalar() const;
  void checkAddRmsNorm(const plan::AddRmsNorm &op) const;
  void checkRmsNormAdd(const plan::RmsNormAdd &op) const;
  void checkRmsNormRope(const plan::RmsNormRope &op) const;
  void checkGatedLinear() const;
  void checkLmHead(const plan::LmHead &op) const;
  void checkMultiLinear() const;
  void checkSliceGatedLinear(const plan::SliceGatedLinear &op) const;
  void checkEps(float eps) const;
  void checkRopeHeads(uint32_t width, uint32_t headDim, uint32_t rotaryPairs, float theta, float factor) const;

  const plan::Plan &plan_;
  const plan::Program &program_;
  uint32_t index_;
  const plan::Instruction &inst_;
  const std::string &where_;
};

void InstructionChecker::run() {
  if (inst_.op_type() == plan::Op::NONE || inst_.op_type() > plan::Op::MAX)
    throw Error(label() + ": unknown op " + std::to_string(int(inst_.op_type())) + " (plan from a newer gemma4c?)");
  if (!inst_.op())
    fail("op parameter table missing");
  checkIndices();
  switch (inst_.op_type()) {
  case plan::Op::Embed:
    return checkEmbed(*inst_.op_as_Embed());
  case plan::Op::Linear:
    return checkLinear();
  case plan::Op::RmsNorm:
    return checkRmsNorm(*inst_.op_as_RmsNorm());
  case plan::Op::Scale:
    return checkElementwise(1);
  case plan::Op::Add:
  case plan::Op::Mul:
  case plan::Op::GeluTanhMul:
    return checkElementwise(2);
  case plan::Op::Slice:
    return checkSlice(*inst_.op_as_Slice());
  case plan::Op::Rope:
    return checkRope(*inst_.op_as_Rope());
  case plan::Op::Attention:
    return checkAttention(*inst_.op_as_Attention());
  case plan::Op::MoeRouter:
    return checkMoeRouter(*inst_.op_as_MoeRouter());
  case plan::Op::MoeExperts:
    return checkMoeExperts(*inst_.op_as_MoeExperts());
  case plan::Op::LayerScalar:
    return checkLayerScalar();
  case plan::Op::Softcap:
    if (!(inst_.op_as_Softcap()->cap() > 0))
      fail("cap must be > 0");
    return checkElementwise(1);
  case plan::Op::AddRmsNorm:
    return checkAddRmsNorm(*inst_.op_as_AddRmsNorm());
  case plan::Op::RmsNormRope:
    return checkRmsNormRope(*inst_.op_as_RmsNormRope());
  case plan::Op::GatedLinear:
    return checkGatedLinear();
  case plan::Op::LmHead:
    return checkLmHead(*inst_.op_as_LmHead());
  case plan::Op::MultiLinear:
    return checkMultiLinear();
  case plan::Op::AllReduce:
    return checkElementwise(1);
  case plan::Op::AllGather:
    return checkAllGather();
  case plan::Op::SliceGatedLinear:
    return checkSliceGatedLinear(*inst_.op_as_SliceGatedLinear());
  case plan::Op::RmsNormAdd:
    return checkRmsNormAdd(*inst_.op_as_RmsNormAdd());
  case plan::Op::NONE:
    break;
  }
}

void InstructionChecker::checkIndices() const {
  const uint32_t numBuffers = program_.buffers()->size();
  auto check = [&](const FbVector<uint32_t> *list, const char *field, uint32_t limit, const char *what) {
    for (uint32_t i = 0; i < sizeOf(list); ++i)
      if (list->Get(i) >= limit)
        fail(std::string(field) + "[" + std::to_string(i) + "] = " + std::to_string(list->Get(i)) +
             " is out of range (" + std::to_string(limit) + " " + what + ")");
  };
  check(inst_.inputs(), "inputs", numBuffers, "buffers");
  check(inst_.outputs(), "outputs", numBuffers, "buffers");
  check(inst_.weights(), "weights", plan_.weights()->size(), "weights");
}

// Scale, Add, Mul, GeluTanhMul, Softcap: `numIn` F32 inputs and one output, all one width.
void InstructionChecker::checkElementwise(uint32_t numIn) const {
  expectCounts(numIn, 1, 0);
  const uint32_t width = input(0, DType::F32);
  for (uint32_t i = 1; i < numIn; ++i)
    expectInputWidth(i, DType::F32, width, "inputs[0]");
  expectOutputWidth(0, DType::F32, width, "the input width");
}

void InstructionChecker::checkEmbed(const plan::Embed &op) const {
  expectCounts(1, 1, 1);
  if (!std::isfinite(op.scale()))
    fail("scale is not finite");
  expectInputWidth(0, DType::I32, 1, "token ids");
  expectSplitPlan(op.vocab_sharded(), "vocab_sharded");
  const auto &table = weightShape(0, 2);
  expectOutputWidth(0, DType::F32, uint64_t(table[1]), weightLabel(0));
}

void InstructionChecker::checkAllGather() const {
  expectCounts(1, 1, 0);
  const uint32_t width = input(0, DType::F32);
  expectOutputWidth(0, DType::F32, uint64_t(width) * plan_.tensor_parallel(),
                    "the input width times tensor_parallel " + std::to_string(plan_.tensor_parallel()));
}

// A rank-local part (vocabulary rows, experts) needs a plan split over ranks.
void InstructionChecker::expectSplitPlan(bool sharded, const char *flag) const {
  if (sharded && plan_.tensor_parallel() < 2)
    fail(std::string(flag) + " in a plan of one rank (tensor_parallel 1)");
}

void InstructionChecker::checkLinear() const {
  expectCounts(1, 1, 1);
  const auto &w = weightShape(0, 2);
  expectInputWidth(0, DType::F32, uint64_t(w[1]), weightLabel(0));
  expectOutputWidth(0, DType::F32, uint64_t(w[0]), weightLabel(0));
}

void InstructionChecker::checkRmsNorm(const plan::RmsNorm &op) const {
  if (numWeights() > 1)
    fail("expects 0 or 1 weights, found " + std::to_string(numWeights()));
  expectCounts(1, 1, numWeights());
  checkEps(op.eps());
  if (op.group() == 0)
    fail("group is 0");
  const uint32_t width = input(0, DType::F32);
  if (width % op.group() != 0)
    fail(inputLabel(0) + " width " + std::to_string(width) + " is not a multiple of group " +
         std::to_string(op.group()));
  expectOutputWidth(0, DType::F32, width, "the input width");
  if (numWeights() == 1)
    expectWeightShape(0, {op.group()}, "one scale per element of a group");
}

void InstructionChecker::checkSlice(const plan::Slice &op) const {
  expectCounts(1, 1, 0);
  if (op.width() == 0)
    fail("width is 0");
  const uint32_t width = input(0, DType::F32);
  if (uint64_t(op.offset()) + op.width() > width)
    fail("offset " + std::to_string(op.offset()) + " + width " + std::to_string(op.width()) + " exceeds " +
         inputLabel(0) + " width " + std::to_string(width));
  expectOutputWidth(0, DType::F32, op.width(), "the slice width");
}

void InstructionChecker::checkEps(float eps) const {
  if (!(eps >= 0) || !std::isfinite(eps))
    fail("eps must be finite and >= 0");
}

// RoPE parameters of Rope and RmsNormRope over an input of `width`.
void InstructionChecker::checkRopeHeads(uint32_t width, uint32_t headDim, uint32_t rotaryPairs, float theta,
                                        float factor) const {
  if (headDim == 0 || headDim % 2 != 0)
    fail("head_dim " + std::to_string(headDim) + " must be even and positive");
  if (rotaryPairs > headDim / 2)
    fail("rotary_pairs " + std::to_string(rotaryPairs) + " exceeds head_dim / 2 = " + std::to_string(headDim / 2));
  if (!(theta > 0) || !std::isfinite(theta))
    fail("theta must be finite and > 0");
  if (!(factor > 0) || !std::isfinite(factor))
    fail("factor must be finite and > 0");
  if (width % headDim != 0)
    fail(inputLabel(0) + " width " + std::to_string(width) + " is not a multiple of head_dim " +
         std::to_string(headDim));
}

void InstructionChecker::checkRope(const plan::Rope &op) const {
  expectCounts(2, 1, 0);
  const uint32_t width = input(0, DType::F32);
  checkRopeHeads(width, op.head_dim(), op.rotary_pairs(), op.theta(), op.factor());
  expectInputWidth(1, DType::I32, 1, "positions");
  expectOutputWidth(0, DType::F32, width, "the input width");
}

void InstructionChecker::checkAttention(const plan::Attention &op) const {
  expectCounts(op.writes_kv() ? 4 : 2, 1, op.prologue() ? (op.writes_kv() ? 2 : 1) : 0);
  if (op.num_heads() == 0 || op.num_kv_heads() == 0 || op.head_dim() == 0)
    fail("num_heads, num_kv_heads and head_dim must be positive");
  if (op.prologue()) {
    checkEps(op.norm_eps());
    checkRopeHeads(op.num_heads() * op.head_dim(), op.head_dim(), op.rotary_pairs(), op.rope_theta(), op.rope_factor());
    for (uint32_t w = 0; w < numWeights(); ++w)
      expectWeightShape(w, {op.head_dim()}, "one scale per element of a head");
  }
  if (op.v_norm() && !(op.prologue() && op.writes_kv()))
    fail("v_norm is set without a prologue that writes the KV cache");
  if (op.num_heads() % op.num_kv_heads() != 0)
    fail("num_heads " + std::to_string(op.num_heads()) + " is not a multiple of num_kv_heads " +
         std::to_string(op.num_kv_heads()));
  if (!isKnownKind(op.kind()))
    fail("kind " + std::to_string(int(op.kind())) + " is unknown");
  if (!std::isfinite(op.scale()))
    fail("scale is not finite");
  const uint64_t qWidth = uint64_t(op.num_heads()) * op.head_dim();
  const uint64_t kvWidth = uint64_t(op.num_kv_heads()) * op.head_dim();
  expectInputWidth(0, DType::F32, qWidth, "num_heads * head_dim");
  expectInputWidth(1, DType::I32, 1, "positions");
  if (op.writes_kv()) {
    expectInputWidth(2, DType::F32, kvWidth, "num_kv_heads * head_dim");
    expectInputWidth(3, DType::F32, kvWidth, "num_kv_heads * head_dim");
  }
  expectOutputWidth(0, DType::F32, qWidth, "num_heads * head_dim");

  const uint32_t numLayers = plan_.model()->num_layers();
  if (op.layer() >= numLayers || op.cache_layer() >= numLayers)
    fail("layer " + std::to_string(op.layer()) + " / cache_layer " + std::to_string(op.cache_layer()) +
         " out of range (" + std::to_string(numLayers) + " layers)");
  if (op.writes_kv() != (op.cache_layer() == op.layer()))
    fail(op.writes_kv() ? "writes_kv is set but cache_layer " + std::to_string(op.cache_layer()) +
                              " is not the instruction's layer " + std::to_string(op.layer())
                        : "writes_kv is false but cache_layer is the instruction's own layer (only "
                          "KV-shared layers read another layer's cache)");
  const auto &kvLayers = *plan_.kv()->layers();
  const plan::KvLayer &spec = *kvLayers.Get(op.layer());
  if (spec.owner() != op.cache_layer())
    fail("cache_layer is " + std::to_string(op.cache_layer()) + " but kv.layers[" + std::to_string(op.layer()) +
         "].owner is " + std::to_string(spec.owner()));
  const plan::KvLayer &cache = *kvLayers.Get(op.cache_layer());
  const std::string cl = "kv.layers[" + std::to_string(op.cache_layer()) + "]";
  if (cache.kind() != op.kind())
    fail("kind " + std::string(kindName(op.kind())) + " differs from " + cl + ".kind " + kindName(cache.kind()));
  if (cache.head_dim() != op.head_dim())
    fail("head_dim " + std::to_string(op.head_dim()) + " differs from " + cl + ".head_dim " +
         std::to_string(cache.head_dim()));
  if (cache.num_kv_heads() != op.num_kv_heads())
    fail("num_kv_heads " + std::to_string(op.num_kv_heads()) + " differs from " + cl + ".num_kv_heads " +
         std::to_string(cache.num_kv_heads()));
  if (cache.window() != op.window())
    fail("window " + std::to_string(op.window()) + " differs from " + cl + ".window " + std::to_string(cache.window()));
}

void InstructionChecker::checkMoeRouter(const plan::MoeRouter &op) const {
  expectCounts(1, 2, 3);
  if (op.num_experts() == 0 || op.top_k() == 0 || op.top_k() > op.num_experts())
    fail("needs 0 < top_k <= num_experts, found top_k " + std::to_string(op.top_k()) + ", num_experts " +
         std::to_string(op.num_experts()));
  checkEps(op.eps());
  const uint32_t hidden = input(0, DType::F32);
  expectWeightShape(0, {op.num_experts(), hidden}, "router projection [num_experts, hidden]");
  expectWeightShape(1, {hidden}, "router scale [hidden]");
  expectWeightShape(2, {op.num_experts()}, "per_expert_scale [num_experts]");
  expectOutputWidth(0, DType::F32, op.top_k(), "top_k route weights");
  expectOutputWidth(1, DType::I32, op.top_k(), "top_k route ids");
}

void InstructionChecker::checkMoeExperts(const plan::MoeExperts &op) const {
  expectCounts(3, 1, 2);
  expectSplitPlan(op.experts_sharded(), "experts_sharded");
  const uint64_t experts = uint64_t(op.num_experts()) * (op.experts_sharded() ? plan_.tensor_parallel() : 1);
  if (op.num_experts() == 0 || op.top_k() == 0 || op.top_k() > experts)
    fail("needs 0 < top_k <= num_experts (of all ranks), found top_k " + std::to_string(op.top_k()) + ", num_experts " +
         std::to_string(experts));
  if (op.intermediate() == 0)
    fail("intermediate is 0");
  const uint32_t hidden = input(0, DType::F32);
  expectInputWidth(1, DType::F32, op.top_k(), "top_k route weights");
  expectInputWidth(2, DType::I32, op.top_k(), "top_k route ids");
  expectWeightShape(0, {op.num_experts(), 2ull * op.intermediate(), hidden},
                    "gate_up [num_experts, 2 * intermediate, hidden]");
  expectWeightShape(1, {op.num_experts(), hidden, op.intermediate()}, "down [num_experts, hidden, intermediate]");
  expectOutputWidth(0, DType::F32, hidden, "the input width");
}

void InstructionChecker::checkLayerScalar() const {
  expectCounts(1, 1, 1);
  const uint32_t width = input(0, DType::F32);
  expectWeightShape(0, {1}, "one scalar");
  expectOutputWidth(0, DType::F32, width, "the input width");
}

void InstructionChecker::checkAddRmsNorm(const plan::AddRmsNorm &op) const {
  expectCounts(2, 2, 1 + op.x_norm() + op.scaled());
  checkEps(op.eps());
  const uint32_t width = input(0, DType::F32);
  expectInputWidth(1, DType::F32, width, "inputs[0]");
  expectWeightShape(0, {width}, "one scale per element of a row");
  if (op.x_norm())
    expectWeightShape(1, {width}, "x_norm: one scale per element of a row");
  if (op.scaled())
    expectWeightShape(1 + op.x_norm(), {1}, "the layer scalar");
  expectOutputWidth(0, DType::F32, width, "the input width");
  expectOutputWidth(1, DType::F32, width, "the input width");
}

void InstructionChecker::checkRmsNormAdd(const plan::RmsNormAdd &op) const {
  expectCounts(2, 1, 1);
  checkEps(op.eps());
  const uint32_t width = input(0, DType::F32);
  expectInputWidth(1, DType::F32, width, "inputs[0]");
  expectWeightShape(0, {width}, "one scale per element of a row");
  expectOutputWidth(0, DType::F32, width, "the input width");
}

void InstructionChecker::checkRmsNormRope(const plan::RmsNormRope &op) const {
  expectCounts(2, 1, 1);
  checkEps(op.eps());
  const uint32_t width = input(0, DType::F32);
  checkRopeHeads(width, op.head_dim(), op.rotary_pairs(), op.theta(), op.factor());
  expectInputWidth(1, DType::I32, 1, "positions");
  expectWeightShape(0, {op.head_dim()}, "one scale per element of a head");
  expectOutputWidth(0, DType::F32, width, "the input width");
}

void InstructionChecker::checkGatedLinear() const {
  expectCounts(1, 1, 2);
  const auto &gate = weightShape(0, 2);
  expectWeightShape(1, {uint64_t(gate[0]), uint64_t(gate[1])}, "the shape of the gate, weights[0]");
  expectInputWidth(0, DType::F32, uint64_t(gate[1]), weightLabel(0));
  expectOutputWidth(0, DType::F32, uint64_t(gate[0]), weightLabel(0));
}

void InstructionChecker::checkLmHead(const plan::LmHead &op) const {
  if (!(op.softcap() >= 0) || !std::isfinite(op.softcap()))
    fail("softcap must be finite and >= 0 (0: none)");
  checkLinear();
}

void InstructionChecker::checkMultiLinear() const {
  if (numWeights() < 2 || numWeights() > 3)
    fail("expects 2 or 3 weights, found " + std::to_string(numWeights()));
  expectCounts(1, numWeights(), numWeights());
  const uint64_t in = uint64_t(weightShape(0, 2)[1]);
  expectInputWidth(0, DType::F32, in, weightLabel(0));
  for (uint32_t i = 0; i < numWeights(); ++i) {
    const auto &w = weightShape(i, 2);
    if (uint64_t(w[1]) != in)
      fail(weightLabel(i) + " must have " + std::to_string(in) + " columns (those of weights[0])");
    expectOutputWidth(i, DType::F32, uint64_t(w[0]), weightLabel(i));
  }
}

void InstructionChecker::checkSliceGatedLinear(const plan::SliceGatedLinear &op) const {
  expectCounts(2, 1, 1);
  const auto &gate = weightShape(0, 2);
  expectInputWidth(0, DType::F32, uint64_t(gate[1]), weightLabel(0));
  const uint32_t side = input(1, DType::F32);
  if (uint64_t(op.offset()) + uint64_t(gate[0]) > side)
    fail("offset " + std::to_string(op.offset()) + " + " + std::to_string(gate[0]) + " gate rows exceeds " +
         inputLabel(1) + " width " + std::to_string(side));
  expectOutputWidth(0, DType::F32, uint64_t(gate[0]), weightLabel(0));
}

} // namespace

void verifyInstruction(const plan::Plan &plan, const plan::Program &program, uint32_t index, const std::string &where) {
  InstructionChecker(plan, program, index, where).run();
}

} // namespace g4::rt
