//===- G4Ops.cpp - verifiers of the g4 operations ---------------*- C++ -*-===//
//
// ODS already checks element types, ranks, static widths and static weight
// shapes; the verifiers below check how operands, results and attributes
// relate to each other. Every error states what was expected and what was
// found.
//
//===----------------------------------------------------------------------===//

#include "g4/G4Dialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

using namespace mlir;
using namespace mlir::g4;

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

namespace {

/// A value whose dim 0 counts the tokens of the step, with the name used in
/// diagnostics. A null value (an absent optional operand) is skipped.
struct TokenValue {
  StringRef name;
  Value value;
};

} // namespace

static ArrayRef<int64_t> shapeOf(Value value) { return cast<ShapedType>(value.getType()).getShape(); }

/// Width (dim 1) of an activation; ODS guarantees that it is static.
static int64_t widthOf(Value value) { return shapeOf(value)[1]; }

static std::string formatDim(int64_t dim) { return ShapedType::isDynamic(dim) ? "?" : std::to_string(dim); }

/// Formats a shape as "[8, 64]", with "?" for dynamic dims.
static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(shape, os, [&](int64_t dim) { os << formatDim(dim); });
  os << ']';
  return text;
}

/// Checks that all static token counts (dim 0) agree; dynamic ones match any.
static LogicalResult verifyTokenCounts(Operation *op, ArrayRef<TokenValue> values) {
  const TokenValue *first = nullptr;
  for (const TokenValue &current : values) {
    if (!current.value || ShapedType::isDynamic(shapeOf(current.value)[0]))
      continue;
    if (!first) {
      first = &current;
      continue;
    }
    int64_t expected = shapeOf(first->value)[0];
    int64_t found = shapeOf(current.value)[0];
    if (found != expected)
      return op->emitOpError() << current.name << " token count " << found << " does not match " << first->name
                               << " token count " << expected;
  }
  return success();
}

static LogicalResult verifyShape(Operation *op, StringRef name, Value value, ArrayRef<int64_t> expected) {
  if (shapeOf(value) == expected)
    return success();
  return op->emitOpError() << "expects " << name << " of shape " << formatShape(expected) << ", found "
                           << formatShape(shapeOf(value));
}

static LogicalResult verifyResultMatchesInput(Operation *op, Value input, Value result) {
  if (input.getType() == result.getType())
    return success();
  return op->emitOpError() << "result type " << result.getType() << " does not match input type " << input.getType();
}

/// `y = x @ weight^T` with a [out, in] weight (`g4.linear`, `g4.lm_head`).
static LogicalResult verifyProjection(Operation *op, Value input, StringRef weightName, Value weight, Value result) {
  ArrayRef<int64_t> weightShape = shapeOf(weight);
  if (weightShape.size() != 2)
    return op->emitOpError() << "expects a 2-D " << weightName << ", found rank " << weightShape.size();
  if (widthOf(input) != weightShape[1])
    return op->emitOpError() << "input width " << widthOf(input) << " does not match " << weightName << " columns "
                             << weightShape[1];
  if (widthOf(result) != weightShape[0])
    return op->emitOpError() << "result width " << widthOf(result) << " does not match " << weightName << " rows "
                             << weightShape[0];
  return verifyTokenCounts(op, {{"input", input}, {"result", result}});
}

/// RoPE on heads of `head_dim` elements of a `width`-wide row (`g4.rope`,
/// `g4.rms_norm_rope`).
static LogicalResult verifyRopeHeads(Operation *op, int64_t width, int64_t headDim, int64_t rotaryPairs) {
  if (headDim <= 0 || headDim % 2 != 0)
    return op->emitOpError() << "expects a positive, even head_dim, found " << headDim;
  if (width % headDim != 0)
    return op->emitOpError() << "width " << width << " is not a multiple of head_dim " << headDim;
  if (rotaryPairs < 0 || rotaryPairs > headDim / 2)
    return op->emitOpError() << "expects rotary_pairs in [0, " << headDim / 2 << "], found " << rotaryPairs;
  return success();
}

/// Soft-capping divides by the cap (`g4.softcap`, `g4.lm_head`).
static LogicalResult verifyPositiveCap(Operation *op, StringRef name, FloatAttr cap) {
  double value = cap.getValueAsDouble();
  if (!(value > 0.0))
    return op->emitOpError() << "expects a positive " << name << ", found " << value;
  return success();
}

//===----------------------------------------------------------------------===//
// g4.weight
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  int64_t offset = getOffsetAttr().getInt();
  if (offset < 0)
    return emitOpError() << "expects a non-negative byte offset, found " << offset;
  if (bool(getShardDim()) != bool(getShardParts()))
    return emitOpError() << "expects shard_dim and shard_parts together";
  if (!getShardDim())
    return success();
  const int64_t rank = mlir::cast<RankedTensorType>(getType()).getRank();
  if (*getShardDim() < 0 || *getShardDim() >= rank)
    return emitOpError() << "shard_dim " << *getShardDim() << " is not a dimension of a rank-" << rank << " tensor";
  if (*getShardParts() < 2)
    return emitOpError() << "expects shard_parts >= 2, found " << *getShardParts();
  return success();
}

//===----------------------------------------------------------------------===//
// g4.encoder
//===----------------------------------------------------------------------===//

LogicalResult EncoderOp::verify() {
  if (getModality() != "vision" && getModality() != "audio")
    return emitOpError() << "expects modality \"vision\" or \"audio\", found \"" << getModality() << "\"";
  return success();
}

LogicalResult EncoderOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  for (SymbolRefAttr weight : getWeights().getAsRange<SymbolRefAttr>())
    if (!symbolTable.lookupNearestSymbolFrom<WeightOp>(*this, weight))
      return emitOpError() << "weight " << weight << " does not name a g4.weight";
  return success();
}

//===----------------------------------------------------------------------===//
// g4.weight_ref
//===----------------------------------------------------------------------===//

LogicalResult WeightRefOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto weight = symbolTable.lookupNearestSymbolFrom<WeightOp>(*this, getWeightAttr());
  if (!weight)
    return emitOpError() << getWeightAttr() << " does not name a g4.weight";
  if (weight.getType() != getType())
    return emitOpError() << "result type " << getType() << " does not match the declared type " << weight.getType()
                         << " of " << getWeightAttr();
  return success();
}

//===----------------------------------------------------------------------===//
// g4.embed
//===----------------------------------------------------------------------===//

LogicalResult EmbedOp::verify() {
  ArrayRef<int64_t> tableShape = shapeOf(getTable());
  if (tableShape.size() != 2)
    return emitOpError() << "expects a 2-D table, found rank " << tableShape.size();
  if (widthOf(getResult()) != tableShape[1])
    return emitOpError() << "result width " << widthOf(getResult()) << " does not match table columns "
                         << tableShape[1];
  return verifyTokenCounts(*this, {{"ids", getIds()}, {"result", getResult()}});
}

//===----------------------------------------------------------------------===//
// g4.rms_norm
//===----------------------------------------------------------------------===//

LogicalResult RmsNormOp::verify() {
  int64_t group = getGroupAttr().getInt();
  if (group <= 0)
    return emitOpError() << "expects a positive group, found " << group;
  int64_t width = widthOf(getInput());
  if (width % group != 0)
    return emitOpError() << "width " << width << " is not a multiple of group " << group;
  if (getWeight() && failed(verifyShape(*this, "weight", getWeight(), {group})))
    return failure();
  return verifyResultMatchesInput(*this, getInput(), getResult());
}

//===----------------------------------------------------------------------===//
// g4.linear
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() { return verifyProjection(*this, getInput(), "weight", getWeight(), getResult()); }

//===----------------------------------------------------------------------===//
// g4.lm_head
//===----------------------------------------------------------------------===//

LogicalResult LmHeadOp::verify() {
  if (getSoftcapAttr() && failed(verifyPositiveCap(*this, "softcap", getSoftcapAttr())))
    return failure();
  return verifyProjection(*this, getInput(), "table", getTable(), getResult());
}

//===----------------------------------------------------------------------===//
// g4.rope
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  if (failed(verifyRopeHeads(*this, widthOf(getInput()), getHeadDimAttr().getInt(), getRotaryPairsAttr().getInt())))
    return failure();
  if (failed(verifyResultMatchesInput(*this, getInput(), getResult())))
    return failure();
  return verifyTokenCounts(*this, {{"input", getInput()}, {"positions", getPositions()}});
}

//===----------------------------------------------------------------------===//
// g4.attention
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verifyPrologue() {
  bool prologue = static_cast<bool>(getQNorm());
  bool hasKey = static_cast<bool>(getKey());
  int attrs =
      bool(getNormEpsAttr()) + bool(getRotaryPairsAttr()) + bool(getRopeThetaAttr()) + bool(getRopeFactorAttr());
  if (!prologue) {
    if (getKNorm() || attrs != 0 || getVNorm())
      return emitOpError() << "k_norm, v_norm, norm_eps and the rope attributes belong to a prologue: expects q_norm";
    return success();
  }
  if (attrs != 4)
    return emitOpError() << "a prologue expects norm_eps, rotary_pairs, rope_theta and rope_factor";
  if (hasKey != static_cast<bool>(getKNorm()))
    return emitOpError() << "a prologue expects k_norm iff key is present";
  if (getVNorm() && !hasKey)
    return emitOpError() << "v_norm expects a value operand";
  int64_t headDim = getHeadDimAttr().getInt();
  if (failed(verifyRopeHeads(*this, widthOf(getQuery()), headDim, getRotaryPairsAttr().getInt())) ||
      failed(verifyShape(*this, "q_norm", getQNorm(), {headDim})) ||
      (hasKey && failed(verifyShape(*this, "k_norm", getKNorm(), {headDim}))))
    return failure();
  return success();
}

LogicalResult AttentionOp::verify() {
  int64_t numHeads = getNumHeadsAttr().getInt();
  int64_t numKvHeads = getNumKvHeadsAttr().getInt();
  int64_t headDim = getHeadDimAttr().getInt();
  if (numHeads <= 0 || numKvHeads <= 0 || headDim <= 0)
    return emitOpError() << "expects positive num_heads, num_kv_heads and head_dim, found " << numHeads << ", "
                         << numKvHeads << " and " << headDim;
  if (numHeads % numKvHeads != 0)
    return emitOpError() << "num_kv_heads " << numKvHeads << " does not divide num_heads " << numHeads;
  if (widthOf(getQuery()) != numHeads * headDim)
    return emitOpError() << "query width " << widthOf(getQuery())
                         << " does not match num_heads * head_dim = " << numHeads * headDim;
  if (getQuery().getType() != getResult().getType())
    return emitOpError() << "result type " << getResult().getType() << " does not match query type "
                         << getQuery().getType();

  bool hasKey = static_cast<bool>(getKey());
  if (hasKey != static_cast<bool>(getValue()))
    return emitOpError() << "expects key and value both present or both "
                            "absent";
  for (auto [name, operand] :
       {std::pair<StringRef, Value>{"key", getKey()}, std::pair<StringRef, Value>{"value", getValue()}})
    if (operand && widthOf(operand) != numKvHeads * headDim)
      return emitOpError() << name << " width " << widthOf(operand)
                           << " does not match num_kv_heads * head_dim = " << numKvHeads * headDim;

  int64_t layer = getLayerAttr().getInt();
  int64_t cacheLayer = getCacheLayerAttr().getInt();
  if (layer < 0)
    return emitOpError() << "expects a non-negative layer, found " << layer;
  if (hasKey && cacheLayer != layer)
    return emitOpError() << "a layer with key/value writes its own cache: "
                            "expects cache_layer "
                         << layer << ", found " << cacheLayer;
  if (!hasKey && (cacheLayer < 0 || cacheLayer >= layer))
    return emitOpError() << "a KV-shared layer (no key/value) reads an earlier "
                            "layer's cache: expects cache_layer in [0, "
                         << layer << "), found " << cacheLayer;

  if (failed(verifyPrologue()))
    return failure();

  int64_t window = getWindowAttr().getInt();
  bool sliding = getKind() == AttentionKind::sliding;
  if (sliding && window <= 0)
    return emitOpError() << "a sliding layer expects a positive window, found " << window;
  if (!sliding && window != 0)
    return emitOpError() << "a full layer expects window 0, found " << window;

  return verifyTokenCounts(*this, {{"query", getQuery()},
                                   {"positions", getPositions()},
                                   {"key", getKey()},
                                   {"value", getValue()},
                                   {"result", getResult()}});
}

//===----------------------------------------------------------------------===//
// g4.slice
//===----------------------------------------------------------------------===//

LogicalResult SliceOp::verify() {
  int64_t offset = getOffsetAttr().getInt();
  int64_t width = widthOf(getResult());
  if (offset < 0 || offset + width > widthOf(getInput()))
    return emitOpError() << "column range [" << offset << ", " << offset + width << ") is outside the input width "
                         << widthOf(getInput());
  return verifyTokenCounts(*this, {{"input", getInput()}, {"result", getResult()}});
}

//===----------------------------------------------------------------------===//
// g4.moe_router
//===----------------------------------------------------------------------===//

LogicalResult MoeRouterOp::verify() {
  int64_t hidden = widthOf(getInput());
  ArrayRef<int64_t> projShape = shapeOf(getProj());
  if (projShape.size() != 2 || projShape[1] != hidden)
    return emitOpError() << "expects proj of shape [E, " << hidden << "], found " << formatShape(projShape);
  int64_t numExperts = projShape[0];
  if (failed(verifyShape(*this, "scale", getScale(), {hidden})) ||
      failed(verifyShape(*this, "per_expert_scale", getPerExpertScale(), {numExperts})))
    return failure();

  int64_t topK = getTopKAttr().getInt();
  if (topK < 1 || topK > numExperts)
    return emitOpError() << "expects top_k in [1, " << numExperts << "], found " << topK;
  for (auto [name, result] : {std::pair<StringRef, Value>{"route_weights", getRouteWeights()},
                              std::pair<StringRef, Value>{"route_ids", getRouteIds()}})
    if (shapeOf(result)[1] != topK)
      return emitOpError() << name << " width " << formatDim(shapeOf(result)[1]) << " does not match top_k " << topK;
  return verifyTokenCounts(*this,
                           {{"input", getInput()}, {"route_weights", getRouteWeights()}, {"route_ids", getRouteIds()}});
}

//===----------------------------------------------------------------------===//
// g4.moe_experts
//===----------------------------------------------------------------------===//

LogicalResult MoeExpertsOp::verify() {
  int64_t hidden = widthOf(getInput());
  ArrayRef<int64_t> gateUpShape = shapeOf(getGateUp());
  if (gateUpShape.size() != 3 || gateUpShape[1] % 2 != 0 || gateUpShape[2] != hidden)
    return emitOpError() << "expects gate_up of shape [E, 2I, " << hidden << "], found " << formatShape(gateUpShape);
  int64_t numExperts = gateUpShape[0];
  int64_t intermediate = gateUpShape[1] / 2;
  if (failed(verifyShape(*this, "down", getDown(), {numExperts, hidden, intermediate})))
    return failure();

  int64_t topK = shapeOf(getRouteWeights())[1];
  int64_t idsWidth = shapeOf(getRouteIds())[1];
  if (idsWidth != topK)
    return emitOpError() << "route_ids width " << formatDim(idsWidth) << " does not match route_weights width " << topK;
  if (failed(verifyResultMatchesInput(*this, getInput(), getResult())))
    return failure();
  return verifyTokenCounts(*this,
                           {{"input", getInput()}, {"route_weights", getRouteWeights()}, {"route_ids", getRouteIds()}});
}

//===----------------------------------------------------------------------===//
// g4.all_gather
//===----------------------------------------------------------------------===//

LogicalResult AllGatherOp::verify() {
  const int64_t in = widthOf(getInput()), out = widthOf(getResult());
  auto module = (*this)->getParentOfType<ModuleOp>();
  auto ranks = module ? module->getAttrOfType<IntegerAttr>("g4.tensor_parallel") : IntegerAttr();
  if (out % in != 0 || (ranks && out != in * ranks.getInt()))
    return emitOpError() << "result width " << out << " is not the input width " << in << " times "
                         << (ranks ? "the module's " + std::to_string(ranks.getInt()) + " ranks"
                                   : std::string("a rank count"));
  return verifyTokenCounts(*this, {{"input", getInput()}, {"result", getResult()}});
}

//===----------------------------------------------------------------------===//
// g4.layer_scalar
//===----------------------------------------------------------------------===//

LogicalResult LayerScalarOp::verify() {
  if (failed(verifyShape(*this, "scalar", getScalar(), {1})))
    return failure();
  return verifyResultMatchesInput(*this, getInput(), getResult());
}

//===----------------------------------------------------------------------===//
// g4.softcap
//===----------------------------------------------------------------------===//

LogicalResult SoftcapOp::verify() { return verifyPositiveCap(*this, "cap", getCapAttr()); }

//===----------------------------------------------------------------------===//
// g4.add_rms_norm
//===----------------------------------------------------------------------===//

LogicalResult AddRmsNormOp::verify() {
  const int64_t width = widthOf(getX());
  if (failed(verifyShape(*this, "weight", getWeight(), {width})) ||
      (getXNorm() && failed(verifyShape(*this, "x_norm", getXNorm(), {width}))) ||
      (getScalar() && failed(verifyShape(*this, "scalar", getScalar(), {1}))))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// g4.rms_norm_add
//===----------------------------------------------------------------------===//

LogicalResult RmsNormAddOp::verify() { return verifyShape(*this, "weight", getWeight(), {widthOf(getX())}); }

//===----------------------------------------------------------------------===//
// g4.rms_norm_rope
//===----------------------------------------------------------------------===//

LogicalResult RmsNormRopeOp::verify() {
  int64_t headDim = getHeadDimAttr().getInt();
  if (failed(verifyRopeHeads(*this, widthOf(getInput()), headDim, getRotaryPairsAttr().getInt())) ||
      failed(verifyShape(*this, "weight", getWeight(), {headDim})))
    return failure();
  return verifyTokenCounts(*this, {{"input", getInput()}, {"positions", getPositions()}});
}

//===----------------------------------------------------------------------===//
// g4.gated_linear
//===----------------------------------------------------------------------===//

LogicalResult GatedLinearOp::verify() {
  return verifyProjection(*this, getInput(), "gate_weight", getGateWeight(), getResult());
}

//===----------------------------------------------------------------------===//
// g4.multi_linear
//===----------------------------------------------------------------------===//

LogicalResult MultiLinearOp::verify() {
  const size_t count = getWeights().size();
  if (count < 2 || count > 3)
    return emitOpError() << "expects 2 or 3 weights, found " << count;
  if (getResults().size() != count)
    return emitOpError() << "expects one result per weight (" << count << "), found " << getResults().size();
  Type element = cast<ShapedType>(getWeights()[0].getType()).getElementType();
  for (size_t i = 0; i < count; ++i) {
    Value weight = getWeights()[i];
    Type found = cast<ShapedType>(weight.getType()).getElementType();
    if (found != element)
      return emitOpError() << "expects weights of one element type " << element << ", found " << found
                           << " for weights[" << i << "]";
    if (failed(verifyProjection(*this, getInput(), "weights[" + std::to_string(i) + "]", weight, getResults()[i])))
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// g4.slice_gated_linear
//===----------------------------------------------------------------------===//

LogicalResult SliceGatedLinearOp::verify() {
  if (failed(verifyProjection(*this, getInput(), "gate_weight", getGateWeight(), getResult())))
    return failure();
  const int64_t offset = getOffsetAttr().getInt(), width = widthOf(getResult());
  if (offset < 0 || offset + width > widthOf(getSide()))
    return emitOpError() << "side column range [" << offset << ", " << offset + width
                         << ") is outside the side input width " << widthOf(getSide());
  return verifyTokenCounts(*this, {{"input", getInput()}, {"side", getSide()}, {"result", getResult()}});
}

//===----------------------------------------------------------------------===//
// TableGen'd op definitions
//===----------------------------------------------------------------------===//

#define GET_OP_CLASSES
#include "g4/G4Ops.cpp.inc"
