//===- SelectTiles.cpp - kernel and tile per op and batch regime -*- C++ -*-===//
//
// Annotates every op the CUDA backend runs with a choice of kernels
// (projections, attention, MoE experts) with `g4k.tiles`: one dictionary per
// regime of row counts, from the default choices of kernels/TileChoices.h
// (attention: among the variants that fit the target's shared memory),
// checked against the target architecture's shared memory.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "GpuArch.h"
#include "TileChoices.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::g4 {

#define GEN_PASS_DEF_SELECTTILESPASS
#include "passes/Passes.h.inc"

namespace {

namespace kn = ::g4::kernels;

using Choices = std::vector<kn::KernelChoiceSpec>;

/// A choice as the attributes of its g4k.launch.
DictionaryAttr launchAttributes(Builder &b, const kn::KernelChoiceSpec &choice) {
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("family", b.getStringAttr(kn::familyInfo(choice.family).name)),
      b.getNamedAttr("kernel", b.getStringAttr(choice.kernel)),
      b.getNamedAttr("min_rows", b.getI64IntegerAttr(choice.minRows)),
  };
  if (choice.maxRows != kn::kUnboundedRows)
    attrs.push_back(b.getNamedAttr("max_rows", b.getI64IntegerAttr(choice.maxRows)));
  auto tile = [&](StringRef name, uint32_t value) {
    if (value)
      attrs.push_back(b.getNamedAttr(name, b.getI64IntegerAttr(value)));
  };
  tile("tile_tokens", choice.tileTokens);
  tile("tile_rows", choice.tileRows);
  tile("shared_bytes", choice.sharedBytes);
  tile("rows_per_tile_above", choice.rowsPerTileAbove);
  return b.getDictionaryAttr(attrs);
}

/// "decode", "verify" or "long prefill", for diagnostics.
StringRef regimeName(const kn::KernelChoiceSpec &choice, const kn::TileOptions &options) {
  if (choice.maxRows <= options.gemvMaxTokens)
    return "decode";
  return choice.maxRows <= options.stackedMaxRows ? "verify" : "long prefill";
}

struct SelectTilesPass : impl::SelectTilesPassBase<SelectTilesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const kn::GpuArch *target = kn::findArch(arch);
    if (!target) {
      emitError(module.getLoc()) << "g4-select-tiles: unknown arch '" << arch
                                 << "' (supported: " << kn::supportedArchList() << ")";
      return signalPassFailure();
    }
    kn::TileOptions options{gemvMaxTokens, stackedMaxRows, moeGemmEntries};
    options.attentionTileRows = attentionTileRows;
    options.halfGemmMinRows = halfGemmMinRows;
    options.wgmma = target->wgmma;
    Builder b(module.getContext());
    WalkResult result = module.walk([&](Operation *op) {
      FailureOr<Choices> choices = choicesFor(op, *target, options);
      if (failed(choices))
        return WalkResult::interrupt();
      if (choices->empty())
        return WalkResult::advance();
      SmallVector<Attribute> tiles;
      for (const kn::KernelChoiceSpec &choice : *choices) {
        if (choice.sharedBytes > target->maxSharedBytes) {
          op->emitOpError() << "needs " << choice.sharedBytes << " bytes of shared memory per block for "
                            << choice.kernel << " in the " << regimeName(choice, options) << " regime; " << target->name
                            << " allows " << target->maxSharedBytes;
          return WalkResult::interrupt();
        }
        tiles.push_back(launchAttributes(b, choice));
      }
      op->setAttr("g4k.tiles", b.getArrayAttr(tiles));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    module->setAttr("g4k.arch", b.getStringAttr(target->name));
  }

  /// The default choices for `op`; none for an op without kernel choices.
  static FailureOr<Choices> choicesFor(Operation *op, const kn::GpuArch &target, const kn::TileOptions &options) {
    using kn::GemvEpilogue;
    // A projection's input features: its input's last dimension.
    auto in = [&] { return uint32_t(cast<RankedTensorType>(op->getOperand(0).getType()).getShape().back()); };
    return llvm::TypeSwitch<Operation *, FailureOr<Choices>>(op)
        .Case<LinearOp, MoeRouterOp>([&](auto) { return kn::linearChoices(GemvEpilogue::Plain, in(), options); })
        // Its rows are the sampled rows; an f16 copy of the vocabulary's weights would not pay.
        .Case([&](LmHeadOp o) {
          kn::TileOptions split = options;
          split.halfGemmMinRows = 0;
          return kn::linearChoices(o.getSoftcap() ? GemvEpilogue::Softcap : GemvEpilogue::Plain, in(), split);
        })
        .Case([&](GatedLinearOp) { return kn::linearChoices(GemvEpilogue::GeluTanhGate, in(), options); })
        // One GEMV over the projections' rows at decode; one Linear after the other above.
        .Case([&](MultiLinearOp) { return kn::linearChoices(GemvEpilogue::Plain, in(), options); })
        // The gating in the GEMV's epilogue at decode; the plain projection, then the gating, above.
        .Case([&](SliceGatedLinearOp) { return kn::linearChoices(GemvEpilogue::GeluTanhSlice, in(), options); })
        .Case([&](AttentionOp o) -> FailureOr<Choices> {
          if (o.getHeadDim() % 8 != 0) {
            o.emitOpError() << "head_dim " << o.getHeadDim()
                            << " is not a multiple of 8, which the CUDA attention kernels need";
            return failure();
          }
          return kn::attentionChoices(uint32_t(o.getHeadDim()), uint32_t(o.getNumHeads() / o.getNumKvHeads()),
                                      target.maxSharedBytes, options);
        })
        .Case([&](MoeExpertsOp o) {
          auto topK = cast<RankedTensorType>(o.getRouteIds().getType()).getDimSize(1);
          auto gateUp = cast<RankedTensorType>(o.getGateUp().getType()).getShape(); // [experts, 2 x inter, hidden]
          const kn::MoeShape shape{uint32_t(gateUp[0]), uint32_t(gateUp[2]), uint32_t(gateUp[1] / 2)};
          return kn::moeExpertChoices(uint32_t(topK), shape, options);
        })
        .Default([](Operation *) { return Choices(); });
  }
};

} // namespace
} // namespace mlir::g4
