//===- LowerToKernels.cpp - g4 ops with kernel choices -> g4k ----*- C++ -*-===//
//
// Wraps every op annotated by g4-select-tiles in a g4k.dispatch that binds
// its operands and lists one g4k.launch per kernel choice.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::g4 {

#define GEN_PASS_DEF_LOWERTOKERNELSPASS
#include "passes/Passes.h.inc"

namespace {

struct LowerToKernelsPass : impl::LowerToKernelsPassBase<LowerToKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto arch = module->getAttrOfType<StringAttr>("g4k.arch");
    if (!arch) {
      emitError(module.getLoc()) << "g4-lower-to-kernels: no target architecture (g4k.arch): run g4-select-tiles first";
      return signalPassFailure();
    }
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (g4k::familyRoleOf(op) && !op->getParentOfType<g4k::DispatchOp>())
        ops.push_back(op);
    });
    for (Operation *op : ops)
      if (failed(lower(op, arch)))
        return signalPassFailure();
    module->removeAttr("g4k.arch");
  }

  static LogicalResult lower(Operation *op, StringAttr arch) {
    auto tiles = op->getAttrOfType<ArrayAttr>("g4k.tiles");
    if (!tiles)
      return op->emitOpError() << "has no kernel choices (g4k.tiles): run g4-select-tiles first";
    op->removeAttr("g4k.tiles");
    OpBuilder b(op);
    auto dispatch = b.create<g4k::DispatchOp>(op->getLoc(), op->getResultTypes(), arch, op->getOperands());
    Block *body = b.createBlock(&dispatch.getBody());
    IRMapping bindings;
    for (Value operand : op->getOperands())
      bindings.map(operand, body->addArgument(operand.getType(), operand.getLoc()));
    Operation *computation = b.clone(*op, bindings);
    for (Attribute choice : tiles) {
      auto attrs = dyn_cast<DictionaryAttr>(choice);
      if (!attrs)
        return op->emitOpError() << "expects g4k.tiles of dictionaries, found " << choice;
      b.create<g4k::LaunchOp>(op->getLoc(), TypeRange(), ValueRange(), attrs.getValue());
    }
    b.create<g4k::YieldOp>(op->getLoc(), computation->getResults());
    op->replaceAllUsesWith(dispatch.getResults());
    op->erase();
    return success();
  }
};

} // namespace
} // namespace mlir::g4
