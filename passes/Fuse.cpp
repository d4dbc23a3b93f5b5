//===- Fuse.cpp - fuse decoder op sequences into one op each ----*- C++ -*-===//
//
// Rewrites residual add (+ layer scalar) + RMSNorm (then, with the addend's
// post-norm), the post-norm + residual add that no norm follows, q/k RMSNorm +
// RoPE (then, with the value's norm, into the attention's prologue, where the
// KV write is), gate/up projections + gelu gating, the per-layer-input gate projection + gelu gating
// by its slice, lm_head + soft-cap and the sibling projections of one input
// (q, k, v) into the fused g4 ops.
//
// Each fusion is a local producer/consumer match with its own legality
// conditions, so each is one rewrite pattern and the greedy driver applies
// them: it owns the worklist and the erasure of the replaced ops (a walk
// would have to avoid visiting ops it has just erased), each legality rule
// is one `notifyMatchFailure` with its reason, and the options only choose
// which patterns are in the set. The driver's region simplification is off:
// the pass changes nothing but the fused sequences.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::g4 {

#define GEN_PASS_DEF_FUSEPASS
#include "passes/Passes.h.inc"

namespace {

int64_t widthOf(Value value) { return cast<ShapedType>(value.getType()).getDimSize(1); }

bool isWholeRowNormWithWeight(RmsNormOp norm) {
  return norm.getWeight() && norm.getGroup() == widthOf(norm.getInput());
}

/// `g4.add` (optionally scaled by a `g4.layer_scalar`) + whole-row
/// `g4.rms_norm` with weight -> `g4.add_rms_norm` (with `scalar`), built where
/// the norm was: every other user of the (scaled) sum must come after it, and
/// a scaled sum's unscaled value may have no other user.
struct FuseAddRmsNorm : OpRewritePattern<RmsNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RmsNormOp norm, PatternRewriter &rewriter) const override {
    auto scaled = norm.getInput().getDefiningOp<LayerScalarOp>();
    auto add = (scaled ? scaled.getInput() : norm.getInput()).getDefiningOp<AddOp>();
    if (!add)
      return rewriter.notifyMatchFailure(norm, "input is not a g4.add or a g4.layer_scalar of one");
    if (scaled && !add->hasOneUse())
      return rewriter.notifyMatchFailure(norm, "the unscaled sum has other users");
    if (!isWholeRowNormWithWeight(norm))
      return rewriter.notifyMatchFailure(norm, "not a whole-row norm with a weight");
    Operation *sum = scaled ? scaled.getOperation() : add.getOperation();
    for (Operation *user : sum->getUsers())
      if (user != norm && (user->getBlock() != norm->getBlock() || user->isBeforeInBlock(norm)))
        return rewriter.notifyMatchFailure(norm, "another user of the sum comes before the norm");

    SmallVector<Location> locs{add.getLoc()};
    if (scaled)
      locs.push_back(scaled.getLoc());
    locs.push_back(norm.getLoc());
    Type type = norm.getType();
    auto fused = AddRmsNormOp::create(rewriter, rewriter.getFusedLoc(locs), type, type, add.getLhs(), add.getRhs(),
                                      norm.getWeight(), /*x_norm=*/Value(), scaled ? scaled.getScalar() : Value(),
                                      norm.getEpsAttr());
    rewriter.replaceOp(norm, fused.getNormed());
    rewriter.replaceOp(sum, fused.getSum());
    if (scaled)
      rewriter.eraseOp(add);
    return success();
  }
};

/// `g4.add_rms_norm` whose addend (either operand: the add commutes) is a
/// whole-row `g4.rms_norm` with weight and its eps, used only here -> the
/// norm becomes the fused op's `x_norm` (the block's post-norm).
struct FoldPostNormIntoAddRmsNorm : OpRewritePattern<AddRmsNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddRmsNormOp fused, PatternRewriter &rewriter) const override {
    if (fused.getXNorm())
      return rewriter.notifyMatchFailure(fused, "already has a post-norm");
    auto foldable = [&](Value v) {
      auto norm = v.getDefiningOp<RmsNormOp>();
      return norm && isWholeRowNormWithWeight(norm) && norm->hasOneUse() && norm.getEpsAttr() == fused.getEpsAttr()
                 ? norm
                 : RmsNormOp();
    };
    Value residual = fused.getResidual();
    RmsNormOp norm = foldable(fused.getX());
    if (!norm && (norm = foldable(residual)))
      residual = fused.getX();
    if (!norm)
      return rewriter.notifyMatchFailure(fused, "no operand is a whole-row g4.rms_norm of this eps used only here");

    rewriter.modifyOpInPlace(fused, [&] {
      fused.getResidualMutable().assign(residual);
      fused.getXMutable().assign(norm.getInput());
      fused.getXNormMutable().assign(norm.getWeight());
      fused->setLoc(rewriter.getFusedLoc({norm.getLoc(), fused.getLoc()}));
    });
    rewriter.eraseOp(norm);
    return success();
  }
};

/// `g4.add` whose addend (either operand: the add commutes) is a whole-row
/// `g4.rms_norm` with weight, used only here -> `g4.rms_norm_add` (the
/// post-norm + residual add of a block that no norm follows: a PLE layer's
/// FFN). Built where the add was; the norm's operands come before it.
struct FuseRmsNormAdd : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    auto foldable = [](Value v) {
      auto norm = v.getDefiningOp<RmsNormOp>();
      return norm && isWholeRowNormWithWeight(norm) && norm->hasOneUse() ? norm : RmsNormOp();
    };
    Value residual = add.getLhs();
    RmsNormOp norm = foldable(add.getRhs());
    if (!norm && (norm = foldable(residual)))
      residual = add.getRhs();
    if (!norm)
      return rewriter.notifyMatchFailure(add, "no operand is a whole-row g4.rms_norm with weight used only here");

    auto fused = RmsNormAddOp::create(rewriter, rewriter.getFusedLoc({norm.getLoc(), add.getLoc()}), add.getType(),
                                      residual, norm.getInput(), norm.getWeight(), norm.getEpsAttr());
    rewriter.replaceOp(add, fused.getSum());
    rewriter.eraseOp(norm);
    return success();
  }
};

/// Per-head `g4.rms_norm` with weight + `g4.rope` of the same head_dim ->
/// `g4.rms_norm_rope`, when the rope is the only user of the normalized value.
struct FuseRmsNormRope : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RopeOp rope, PatternRewriter &rewriter) const override {
    auto norm = rope.getInput().getDefiningOp<RmsNormOp>();
    if (!norm)
      return rewriter.notifyMatchFailure(rope, "input is not a g4.rms_norm");
    if (!norm.getWeight() || norm.getGroup() != rope.getHeadDim())
      return rewriter.notifyMatchFailure(rope, "the norm is not per head of head_dim with a weight");
    if (!norm->hasOneUse())
      return rewriter.notifyMatchFailure(rope, "the normalized value has other users");

    auto fused = RmsNormRopeOp::create(rewriter, rewriter.getFusedLoc({norm.getLoc(), rope.getLoc()}), rope.getType(),
                                       norm.getInput(), norm.getWeight(), rope.getPositions(), norm.getEpsAttr(),
                                       rope.getHeadDimAttr(), rope.getRotaryPairsAttr(), rope.getThetaAttr(),
                                       rope.getFactorAttr());
    rewriter.replaceOp(rope, fused);
    rewriter.eraseOp(norm);
    return success();
  }
};

/// `g4.attention` whose query and key are `g4.rms_norm_rope`s of one rope
/// and eps, and whose value is a weightless per-head `g4.rms_norm` -> the
/// attention with that prologue (one launch normalizes, rotates and writes
/// the KV cache on the GPU). A KV-shared layer folds its query alone. Each
/// folded op must have the attention as its only user.
struct FuseAttentionPrologue : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp attention, PatternRewriter &rewriter) const override {
    if (attention.getQNorm())
      return rewriter.notifyMatchFailure(attention, "already has a prologue");
    auto query = attention.getQuery().getDefiningOp<RmsNormRopeOp>();
    if (!query || query.getHeadDim() != attention.getHeadDim() || !query->hasOneUse())
      return rewriter.notifyMatchFailure(attention, "query is not a g4.rms_norm_rope of head_dim used only here");
    RmsNormRopeOp key;
    RmsNormOp value;
    if (attention.getKey()) {
      key = attention.getKey().getDefiningOp<RmsNormRopeOp>();
      value = attention.getValue().getDefiningOp<RmsNormOp>();
      if (!key || !key->hasOneUse() || key.getHeadDim() != query.getHeadDim() ||
          key.getRotaryPairs() != query.getRotaryPairs() || key.getThetaAttr() != query.getThetaAttr() ||
          key.getFactorAttr() != query.getFactorAttr() || key.getEpsAttr() != query.getEpsAttr())
        return rewriter.notifyMatchFailure(attention, "key is not a g4.rms_norm_rope like the query's, used only here");
      if (!value || value.getWeight() || value.getGroup() != attention.getHeadDim() || !value->hasOneUse() ||
          value.getEpsAttr() != query.getEpsAttr())
        return rewriter.notifyMatchFailure(attention, "value is not a weightless per-head g4.rms_norm used only here");
    }

    SmallVector<Location> locs{query.getLoc()};
    if (key)
      locs.append({key.getLoc(), value.getLoc()});
    locs.push_back(attention.getLoc());
    auto fused = AttentionOp::create(
        rewriter, rewriter.getFusedLoc(locs), attention.getType(), query.getInput(), attention.getPositions(),
        key ? key.getInput() : Value(), value ? value.getInput() : Value(), query.getWeight(),
        key ? key.getWeight() : Value(), attention.getLayerAttr(), attention.getCacheLayerAttr(),
        attention.getKindAttr(), attention.getNumHeadsAttr(), attention.getNumKvHeadsAttr(), attention.getHeadDimAttr(),
        attention.getWindowAttr(), attention.getScaleAttr(), query.getEpsAttr(), query.getRotaryPairsAttr(),
        query.getThetaAttr(), query.getFactorAttr(), key ? rewriter.getUnitAttr() : nullptr);
    rewriter.replaceOp(attention, fused);
    rewriter.eraseOp(query);
    if (key) {
      rewriter.eraseOp(key);
      rewriter.eraseOp(value);
    }
    return success();
  }
};

/// `g4.gelu_tanh_mul` of two `g4.linear`s of one input -> `g4.gated_linear`,
/// when the gating is the only user of both projections.
struct FuseGatedLinear : OpRewritePattern<GeluTanhMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GeluTanhMulOp gating, PatternRewriter &rewriter) const override {
    auto gate = gating.getGate().getDefiningOp<LinearOp>();
    auto up = gating.getUp().getDefiningOp<LinearOp>();
    if (!gate || !up)
      return rewriter.notifyMatchFailure(gating, "gate and up are not both g4.linear");
    if (gate.getInput() != up.getInput())
      return rewriter.notifyMatchFailure(gating, "gate and up project different inputs");
    if (gate.getWeight().getType() != up.getWeight().getType())
      return rewriter.notifyMatchFailure(gating, "gate and up weights differ in type");
    // One linear used as both gate and up has two uses and fails here too.
    if (!gate->hasOneUse() || !up->hasOneUse())
      return rewriter.notifyMatchFailure(gating, "a projection has other users");

    Location loc = rewriter.getFusedLoc({gate.getLoc(), up.getLoc(), gating.getLoc()});
    auto fused =
        GatedLinearOp::create(rewriter, loc, gating.getType(), gate.getInput(), gate.getWeight(), up.getWeight());
    rewriter.replaceOp(gating, fused);
    rewriter.eraseOp(gate);
    rewriter.eraseOp(up);
    return success();
  }
};

/// `g4.gelu_tanh_mul` of a `g4.linear` (the gate) and a `g4.slice` (the up
/// operand) -> `g4.slice_gated_linear` (the per-layer-input gate of a PLE
/// layer), when the gating is the only user of both.
struct FuseSliceGatedLinear : OpRewritePattern<GeluTanhMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GeluTanhMulOp gating, PatternRewriter &rewriter) const override {
    auto gate = gating.getGate().getDefiningOp<LinearOp>();
    auto slice = gating.getUp().getDefiningOp<SliceOp>();
    if (!gate || !slice)
      return rewriter.notifyMatchFailure(gating, "gate is not a g4.linear or up not a g4.slice");
    if (!gate->hasOneUse() || !slice->hasOneUse())
      return rewriter.notifyMatchFailure(gating, "the projection or the slice has other users");

    Location loc = rewriter.getFusedLoc({gate.getLoc(), slice.getLoc(), gating.getLoc()});
    auto fused = SliceGatedLinearOp::create(rewriter, loc, gating.getType(), gate.getInput(), gate.getWeight(),
                                            slice.getInput(), slice.getOffsetAttr());
    rewriter.replaceOp(gating, fused);
    rewriter.eraseOp(gate);
    rewriter.eraseOp(slice);
    return success();
  }
};

/// Two or three `g4.linear`s of one input in one block, with weights of one
/// element type -> `g4.multi_linear` (an attention's q, k and v
/// projections: one launch), built where the last of them was: every user
/// of the projections must come after it.
struct FuseSiblingLinears : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp linear, PatternRewriter &rewriter) const override {
    Type element = cast<ShapedType>(linear.getWeight().getType()).getElementType();
    SmallVector<LinearOp> siblings;
    for (Operation *user : linear.getInput().getUsers()) {
      auto sibling = dyn_cast<LinearOp>(user);
      if (sibling && sibling->getBlock() == linear->getBlock() && sibling.getInput() == linear.getInput() &&
          cast<ShapedType>(sibling.getWeight().getType()).getElementType() == element)
        siblings.push_back(sibling);
    }
    if (siblings.size() < 2)
      return rewriter.notifyMatchFailure(linear, "no other g4.linear of this input with weights of this type");
    if (siblings.size() > 3)
      return rewriter.notifyMatchFailure(linear, "more than 3 g4.linears of this input");
    llvm::sort(siblings, [](LinearOp a, LinearOp b) { return a->isBeforeInBlock(b); });
    LinearOp last = siblings.back();
    for (LinearOp sibling : siblings)
      for (Operation *user : sibling->getUsers())
        if (user->getBlock() != last->getBlock() || user->isBeforeInBlock(last))
          return rewriter.notifyMatchFailure(linear, "a projection is used before the last one of them");

    SmallVector<Location> locs;
    SmallVector<Value> weights;
    SmallVector<Type> types;
    for (LinearOp sibling : siblings) {
      locs.push_back(sibling.getLoc());
      weights.push_back(sibling.getWeight());
      types.push_back(sibling.getType());
    }
    rewriter.setInsertionPoint(last);
    auto fused = MultiLinearOp::create(rewriter, rewriter.getFusedLoc(locs), types, linear.getInput(), weights);
    for (auto [sibling, result] : llvm::zip_equal(siblings, fused.getResults()))
      rewriter.replaceOp(sibling, result);
    return success();
  }
};

/// `g4.softcap` of an uncapped `g4.lm_head` -> the head's `softcap`
/// attribute, when the soft-cap is the only user of the raw logits.
struct FoldSoftcapIntoLmHead : OpRewritePattern<SoftcapOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SoftcapOp softcap, PatternRewriter &rewriter) const override {
    auto head = softcap.getInput().getDefiningOp<LmHeadOp>();
    if (!head)
      return rewriter.notifyMatchFailure(softcap, "input is not a g4.lm_head");
    if (head.getSoftcapAttr())
      return rewriter.notifyMatchFailure(softcap, "the head is already soft-capped");
    if (!head->hasOneUse())
      return rewriter.notifyMatchFailure(softcap, "the raw logits have other users");

    Location loc = rewriter.getFusedLoc({head.getLoc(), softcap.getLoc()});
    rewriter.modifyOpInPlace(head, [&] {
      head.setSoftcapAttr(softcap.getCapAttr());
      head->setLoc(loc);
    });
    rewriter.replaceOp(softcap, head.getResult());
    return success();
  }
};

struct FusePass : impl::FusePassBase<FusePass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    if (addRmsNorm)
      patterns.add<FuseAddRmsNorm>(context);
    if (postNorm)
      patterns.add<FoldPostNormIntoAddRmsNorm>(context);
    if (rmsNormRope)
      patterns.add<FuseRmsNormRope>(context);
    if (gatedLinear)
      patterns.add<FuseGatedLinear>(context);
    if (sliceGatedLinear)
      patterns.add<FuseSliceGatedLinear>(context);
    if (softcap)
      patterns.add<FoldSoftcapIntoLmHead>(context);
    if (attentionPrologue)
      patterns.add<FuseAttentionPrologue>(context);
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config))) {
      getOperation().emitError("g4-fuse: the fusion patterns did not reach a fixed point");
      return signalPassFailure();
    }
    // After the others: an add that a norm follows becomes g4.add_rms_norm
    // with x_norm (one op for the post-norm, the add and the next norm), not
    // g4.rms_norm_add; a gate/up pair becomes g4.gated_linear, not siblings.
    RewritePatternSet late(context);
    if (rmsNormAdd)
      late.add<FuseRmsNormAdd>(context);
    if (siblingLinear)
      late.add<FuseSiblingLinears>(context);
    if (late.getNativePatterns().empty())
      return;
    if (failed(applyPatternsGreedily(getOperation(), std::move(late), config))) {
      getOperation().emitError("g4-fuse: the rms-norm-add and sibling-linear patterns did not reach a fixed point");
      return signalPassFailure();
    }
  }
};

} // namespace
} // namespace mlir::g4
