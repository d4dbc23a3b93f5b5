//===- Shard.cpp - split the model over tensor-parallel ranks ---*- C++ -*-===//
//
// Megatron-style tensor parallelism as a module rewrite: column-parallel
// projections narrow the activations between them and their row-parallel
// partner, collectives restore full rows, and each weight records which part
// of the checkpoint tensor a rank reads.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"

#include <algorithm>

namespace mlir::g4 {

#define GEN_PASS_DEF_SHARDPASS
#include "passes/Passes.h.inc"

namespace {

int64_t widthOf(Value v) { return cast<RankedTensorType>(v.getType()).getDimSize(1); }

void setWidth(Value v, int64_t width) {
  auto type = cast<RankedTensorType>(v.getType());
  v.setType(RankedTensorType::get({type.getDimSize(0), width}, type.getElementType()));
}

// How a weight is cut: along `dim` into `parts` (a rank reads part rank * parts / ranks).
struct Cut {
  int64_t dim;
  int64_t parts;
  bool operator==(const Cut &) const = default;
};

class Sharder {
public:
  Sharder(ModuleOp module, int64_t ranks) : module_(module), ranks_(ranks) {}

  LogicalResult run(func::FuncOp forward) {
    WalkResult walk = forward.walk([&](Operation *op) -> WalkResult {
      LogicalResult result = success();
      if (auto attention = dyn_cast<AttentionOp>(op))
        result = attentionBlock(attention);
      else if (auto gating = dyn_cast<GeluTanhMulOp>(op))
        result = mlpBlock(gating);
      else if (auto experts = dyn_cast<MoeExpertsOp>(op))
        result = expertBlock(experts);
      else if (auto embed = dyn_cast<EmbedOp>(op))
        result = embedding(embed);
      else if (auto head = dyn_cast<LmHeadOp>(op))
        result = lmHead(head);
      return failed(result) ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (walk.wasInterrupted() || failed(cutWeights()))
      return failure();
    module_->setAttr("g4.tensor_parallel", IntegerAttr::get(IntegerType::get(module_.getContext(), 64), ranks_));
    return success();
  }

private:
  InFlightDiagnostic error(Operation *op) {
    return op->emitOpError() << "cannot be split over " << ranks_ << " ranks: ";
  }

  LogicalResult divides(Operation *op, int64_t count, StringRef what) {
    if (count % ranks_ == 0)
      return success();
    return error(op) << "its " << count << " " << what << " are not a multiple of " << ranks_;
  }

  // Records that the weight behind `value` (a g4.weight_ref) is cut as `cut`
  // (one part: every rank reads it whole).
  LogicalResult cutWeight(Operation *user, Value value, Cut cut) {
    auto ref = value.getDefiningOp<WeightRefOp>();
    if (!ref)
      return error(user) << "expects its weight from g4.weight_ref";
    if (cut.parts == 1)
      return success();
    auto [it, inserted] = cuts_.try_emplace(ref.getWeightAttr().getAttr(), cut);
    if (!inserted && !(it->second == cut))
      return error(user) << "weight @" << ref.getWeight() << " is already cut along dim " << it->second.dim << " into "
                         << it->second.parts << " parts";
    return success();
  }

  // A row-parallel projection of the narrowed `value`: every user is a
  // g4.linear whose weight is cut along its input dim and whose partial
  // product the ranks sum.
  LogicalResult rowParallel(Operation *producer, Value value) {
    for (Operation *user : llvm::make_early_inc_range(value.getUsers())) {
      auto linear = dyn_cast<LinearOp>(user);
      if (!linear || linear.getInput() != value)
        return error(producer) << "expects its result to feed only g4.linear projections, found " << user->getName();
      if (failed(cutWeight(linear, linear.getWeight(), {1, ranks_})))
        return failure();
      allReduceAfter(linear);
    }
    return success();
  }

  void allReduceAfter(Operation *op) {
    OpBuilder b(op->getContext());
    b.setInsertionPointAfter(op);
    Value partial = op->getResult(0);
    auto sum = b.create<AllReduceOp>(op->getLoc(), partial.getType(), partial);
    partial.replaceAllUsesExcept(sum, sum);
  }

  // Walks from an attention operand back through per-head norms and RoPE to
  // its projection, cuts the projection by heads and narrows the chain.
  LogicalResult headProjection(AttentionOp attention, Value operand, int64_t parts, int64_t localWidth) {
    SmallVector<Value> chain{operand};
    Operation *op = operand.getDefiningOp();
    const int64_t headDim = attention.getHeadDim();
    while (op && (isa<RopeOp>(op) || (isa<RmsNormOp>(op) && cast<RmsNormOp>(op).getGroup() == headDim))) {
      chain.push_back(op->getOperand(0));
      op = op->getOperand(0).getDefiningOp();
    }
    auto projection = dyn_cast_or_null<LinearOp>(op);
    if (!projection)
      return error(attention) << "expects q/k/v from g4.linear through per-head norms and RoPE";
    if (failed(cutWeight(projection, projection.getWeight(), {0, parts})))
      return failure();
    for (Value v : chain)
      setWidth(v, localWidth);
    return success();
  }

  LogicalResult attentionBlock(AttentionOp attention) {
    const int64_t heads = attention.getNumHeads(), kvHeads = attention.getNumKvHeads();
    const int64_t headDim = attention.getHeadDim();
    if (failed(divides(attention, heads, "query heads")))
      return failure();
    // Fewer KV heads than ranks: each rank keeps the one its query heads read.
    const int64_t kvParts = std::min(kvHeads, ranks_);
    if (kvHeads >= ranks_ && failed(divides(attention, kvHeads, "KV heads")))
      return failure();
    if (kvHeads < ranks_ && ranks_ % kvHeads != 0)
      return error(attention) << "the ranks do not share its " << kvHeads << " KV heads evenly";
    const int64_t localKv = kvHeads / kvParts;
    if (failed(headProjection(attention, attention.getQuery(), ranks_, heads / ranks_ * headDim)))
      return failure();
    for (Value kv : {attention.getKey(), attention.getValue()})
      if (kv && failed(headProjection(attention, kv, kvParts, localKv * headDim)))
        return failure();
    attention.setNumHeads(heads / ranks_);
    attention.setNumKvHeads(localKv);
    setWidth(attention.getResult(), heads / ranks_ * headDim);
    return rowParallel(attention, attention.getResult());
  }

  // gelu(x @ gate^T) * (x @ up^T) of one input: the MLP. The per-layer-input
  // gate multiplies a slice instead, and stays replicated.
  LogicalResult mlpBlock(GeluTanhMulOp gating) {
    auto gate = gating.getGate().getDefiningOp<LinearOp>();
    auto up = gating.getUp().getDefiningOp<LinearOp>();
    if (!gate || !up || gate.getInput() != up.getInput())
      return success();
    const int64_t intermediate = widthOf(gating.getResult());
    if (failed(divides(gating, intermediate, "MLP intermediate columns")) ||
        failed(cutWeight(gate, gate.getWeight(), {0, ranks_})) || failed(cutWeight(up, up.getWeight(), {0, ranks_})))
      return failure();
    for (Value v : {gate.getResult(), up.getResult(), gating.getResult()})
      setWidth(v, intermediate / ranks_);
    return rowParallel(gating, gating.getResult());
  }

  LogicalResult expertBlock(MoeExpertsOp experts) {
    const int64_t count = cast<RankedTensorType>(experts.getGateUp().getType()).getDimSize(0);
    if (failed(divides(experts, count, "experts")) || failed(cutWeight(experts, experts.getGateUp(), {0, ranks_})) ||
        failed(cutWeight(experts, experts.getDown(), {0, ranks_})))
      return failure();
    experts.setExpertsSharded(true);
    allReduceAfter(experts);
    return success();
  }

  LogicalResult embedding(EmbedOp embed) {
    const int64_t vocab = cast<RankedTensorType>(embed.getTable().getType()).getDimSize(0);
    if (failed(divides(embed, vocab, "vocabulary rows")) || failed(cutWeight(embed, embed.getTable(), {0, ranks_})))
      return failure();
    embed.setVocabSharded(true);
    allReduceAfter(embed);
    return success();
  }

  LogicalResult lmHead(LmHeadOp head) {
    const int64_t vocab = widthOf(head.getResult());
    if (failed(divides(head, vocab, "vocabulary rows")) || failed(cutWeight(head, head.getTable(), {0, ranks_})))
      return failure();
    OpBuilder b(head->getContext());
    b.setInsertionPointAfter(head);
    Value local = head.getResult();
    Type fullType = local.getType();
    setWidth(local, vocab / ranks_);
    auto gather = b.create<AllGatherOp>(head.getLoc(), fullType, local);
    Value logits = gather;
    // The cap moves after the gather: the gathered logits are the model's.
    if (auto cap = head.getSoftcapAttr()) {
      head.removeSoftcapAttr();
      logits = b.create<SoftcapOp>(head.getLoc(), gather, cap);
    }
    local.replaceAllUsesExcept(logits, gather);
    return success();
  }

  // Narrows every cut weight, then (one walk) the values that reference them.
  LogicalResult cutWeights() {
    auto i64 = IntegerType::get(module_.getContext(), 64);
    llvm::DenseMap<StringAttr, RankedTensorType> partTypes;
    for (auto [symbol, cut] : cuts_) {
      auto weight = module_.lookupSymbol<WeightOp>(symbol);
      auto type = cast<RankedTensorType>(weight.getType());
      SmallVector<int64_t> shape(type.getShape());
      if (shape[cut.dim] % cut.parts != 0)
        return weight.emitOpError() << "cannot be split over " << ranks_ << " ranks: dim " << cut.dim << " of size "
                                    << shape[cut.dim] << " is not a multiple of " << cut.parts;
      shape[cut.dim] /= cut.parts;
      auto part = RankedTensorType::get(shape, type.getElementType());
      weight.setType(part);
      weight.setShardDimAttr(IntegerAttr::get(i64, cut.dim));
      weight.setShardPartsAttr(IntegerAttr::get(i64, cut.parts));
      partTypes[symbol] = part;
    }
    module_.walk([&](WeightRefOp ref) {
      if (RankedTensorType part = partTypes.lookup(ref.getWeightAttr().getAttr()))
        ref.getResult().setType(part);
    });
    return success();
  }

  ModuleOp module_;
  int64_t ranks_;
  llvm::MapVector<StringAttr, Cut> cuts_;
};

struct ShardPass : impl::ShardPassBase<ShardPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (ranks < 1) {
      emitError(module.getLoc()) << "g4-shard: ranks must be at least 1, found " << int64_t(ranks);
      return signalPassFailure();
    }
    if (ranks == 1)
      return;
    if (module->hasAttr("g4.tensor_parallel")) {
      emitError(module.getLoc()) << "g4-shard: the module is already split (g4.tensor_parallel)";
      return signalPassFailure();
    }
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward) {
      emitError(module.getLoc()) << "g4-shard: no func.func @forward";
      return signalPassFailure();
    }
    if (failed(Sharder(module, ranks).run(forward)))
      signalPassFailure();
  }
};

} // namespace

} // namespace mlir::g4
