//===- g4-opt.cpp - mlir-opt style driver for the g4 dialect ----*- C++ -*-===//
//
// Parses g4 IR, runs passes and pipelines, prints the result; the lit tests
// drive the dialect and its passes through it.
//
//===----------------------------------------------------------------------===//

#include "g4/G4Dialect.h"
#include "g4k/G4KDialect.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  mlir::g4::registerG4Passes();
  mlir::g4::registerG4Pipelines();

  mlir::DialectRegistry registry;
  registry.insert<mlir::g4::G4Dialect, mlir::g4k::G4KDialect, mlir::func::FuncDialect>();

  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "g4 optimizer driver\n", registry));
}
